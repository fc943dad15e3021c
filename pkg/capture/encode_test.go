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

// FuzzAppendFlow: the hand-written flow encoding is json.Marshal's, and
// its indentation json.Indent's, byte for byte, whatever the strings and
// times hold.
func FuzzAppendFlow(f *testing.F) {
	f.Add("10.0.0.1:443", "<&>\u2028\x00\x1f\"\\", "\xff\xfe", int64(0), int64(1), true, uint8(0))
	f.Add("", "", "", int64(-62135596800), int64(253402300799), false, uint8(255))
	f.Fuzz(func(t *testing.T, a, b, c string, sec, nsec int64, flag bool, mask uint8) {
		fl := evidence.Flow{Client: a, Server: b, Transport: c, FirstSeen: time.Unix(sec, nsec%1e9).UTC(), LastSeen: time.Unix(sec, 0).In(time.FixedZone("x", 3600)),
			Packets: sec, Bytes: nsec, Encrypted: flag, Mesh: c}
		if mask&1 != 0 {
			fl.Classification = a
		}
		if mask&2 != 0 {
			fl.TLS = &evidence.FlowTLS{Version: a, CipherSuite: b, ServerName: c, ClientCertificate: a, JA3: b, JA4: c, HelloRetryRequest: flag}
			if mask&4 != 0 {
				fl.TLS.ALPN = []string{a, b}
				fl.TLS.STARTTLS, fl.TLS.JA3S, fl.TLS.ServerALPN = c, a, b
			}
		}
		if mask&8 != 0 {
			fl.Plaintext = &evidence.FlowPlaintext{Protocol: b}
		}
		if mask&16 != 0 {
			fl.Source = &evidence.FlowEndpoint{Namespace: a, Pod: b}
		}
		if mask&32 != 0 {
			fl.Destination = &evidence.FlowEndpoint{Workload: c, Service: a, Port: int(mask)}
		}
		if mask&64 != 0 {
			fl.PathID = b
		}
		want, err := json.Marshal(&fl)
		got, ok := appendFlow(nil, &fl)
		if err != nil || !ok {
			if ok || err == nil {
				t.Fatalf("json.Marshal error %v, appendFlow ok %v", err, ok)
			}
			return
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("appendFlow:\n%s\njson.Marshal:\n%s", got, want)
		}
		var ind bytes.Buffer
		if err := json.Indent(&ind, want, "    ", "  "); err != nil {
			t.Fatal(err)
		}
		if gotInd := appendIndent(nil, got, "    ", "  "); !bytes.Equal(gotInd, ind.Bytes()) {
			t.Fatalf("appendIndent:\n%s\njson.Indent:\n%s", gotInd, ind.Bytes())
		}
	})
}
