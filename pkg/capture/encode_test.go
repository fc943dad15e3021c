package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// encoderBytes is what json.Encoder writes for r with SetIndent("", indent).
func encoderBytes(t testing.TB, r *evidence.FlowReport, indent string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", indent)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func checkWriteJSON(t testing.TB, name string, r *evidence.FlowReport) {
	for _, indent := range []string{"", "  ", "\t"} {
		var got bytes.Buffer
		if err := WriteJSON(&got, r, indent); err != nil {
			t.Fatalf("%s, indent %q: %v", name, indent, err)
		}
		if want := encoderBytes(t, r, indent); !bytes.Equal(want, got.Bytes()) {
			t.Fatalf("%s, indent %q: differs from json.Encoder\n got %s\nwant %s", name, indent, got.Bytes(), want)
		}
	}
}

// TestWriteJSON checks WriteJSON against json.Encoder, on one line and
// indented, on every recorded capture and on a report whose strings could
// fool the splicing: braces, brackets, quotes, backslashes and HTML.
func TestWriteJSON(t *testing.T) {
	var files []string
	for _, dir := range []string{pcapDir, ownPcapDir} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.pcap"))
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found %d captures", len(files))
	}
	for _, f := range files {
		r, err := ReadFile(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		checkWriteJSON(t, filepath.Base(f), r)
	}
	cert := func(n string) evidence.Certificate {
		return evidence.Certificate{Subject: "CN=" + n + `"}]\`, Issuer: "CN=<ca>&", SANs: []string{n + "{", "]"},
			NotBefore: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), NotAfter: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC),
			KeyType: "ECDSA", KeyBits: 256, SHA256: n}
	}
	checkWriteJSON(t, "tricky", &evidence.FlowReport{Header: evidence.NewHeader(evidence.KindFlowReport, "sc8sensor"), Flows: []evidence.Flow{
		{Client: "198.18.0.1:1", Server: "198.18.0.2:443", Transport: "tcp", TLS: &evidence.FlowTLS{Version: "TLSv1.2",
			ServerName: `a}"{b\`, ALPN: []string{"}", "h2"}, ClientCertificate: "sent", JA3S: "x",
			ServerCertificates: []evidence.Certificate{cert("s1"), cert("ca")}, ClientCertificates: []evidence.Certificate{cert("c1")}},
			Mesh: "istio", Plaintext: &evidence.FlowPlaintext{Protocol: "x"}},
		{Client: "198.18.0.1:2", Server: "198.18.0.2:443", Transport: "tcp", TLS: &evidence.FlowTLS{Version: "TLSv1.2",
			ALPN: []string{}, ServerCertificates: []evidence.Certificate{cert("s1"), cert("ca")}}},
		{Client: "198.18.0.1:3", Server: "198.18.0.2:443", Transport: "tcp", TLS: &evidence.FlowTLS{Version: "TLSv1.2",
			ClientCertificates: []evidence.Certificate{cert("c1")}, HelloRetryRequest: true}},
		{Client: "198.18.0.1:4", Server: "198.18.0.2:80", Transport: "tcp"},
	}})
	checkWriteJSON(t, "no flows", &evidence.FlowReport{})
	checkWriteJSON(t, "empty flows", &evidence.FlowReport{Flows: []evidence.Flow{}, Errors: []string{"x"}})
}

// FuzzWriteJSON checks WriteJSON against json.Encoder whatever the
// strings around the certificate chains hold.
func FuzzWriteJSON(f *testing.F) {
	f.Add(`a}"{b\`, "CN=x", "h2", "ab")
	f.Add("", "", "", "")
	f.Add("<tls>", `"tls":{`, "}]", "\u2028")
	f.Fuzz(func(t *testing.T, sni, subject, alpn, sha string) {
		c := evidence.Certificate{Subject: subject, Issuer: sni, SANs: []string{alpn}, SHA256: sha}
		r := &evidence.FlowReport{Input: subject, Flows: []evidence.Flow{
			{Client: sni, TLS: &evidence.FlowTLS{ServerName: sni, ALPN: []string{alpn}, STARTTLS: subject,
				ServerCertificates: []evidence.Certificate{c}, ClientCertificates: []evidence.Certificate{c, c}}, Mesh: alpn},
			{Client: subject, TLS: &evidence.FlowTLS{ServerName: alpn, ServerCertificates: []evidence.Certificate{c}}},
		}}
		if _, err := json.Marshal(r); err != nil {
			return
		}
		checkWriteJSON(t, "fuzz", r)
	})
}
