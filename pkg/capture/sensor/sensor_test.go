package sensor

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/capture"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/evidence/frame"
)

func TestRunPcapToDir(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	err := Run(context.Background(), &out, &errb, []string{"-pcap", "../../../testdata/pcap/tls12.pcap,../../../testdata/pcap/go-mesh.pcap", "-out", dir})
	if err != nil {
		t.Fatalf("Run: %v (%s)", err, errb.String())
	}
	for name, flows := range map[string]int{"flows-tls12.pcap-final.json": 5, "flows-go-mesh.pcap-final.json": 4} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var r evidence.FlowReport
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Scanner.Name != "sc8sensor" || len(r.Flows) != flows {
			t.Errorf("%s: scanner %q, %d flows; want sc8sensor, %d", name, r.Scanner.Name, len(r.Flows), flows)
		}
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"-interface", "lo", "-pcap", "x"}, {"-bogus"}} {
		var out, errb bytes.Buffer
		if err := Run(context.Background(), &out, &errb, args); err == nil {
			t.Errorf("Run(%q) succeeded", args)
		}
		if !strings.Contains(errb.String(), "usage: sc8sensor") {
			t.Errorf("Run(%q) printed no usage: %q", args, errb.String())
		}
	}
}

func TestRunPcapToFrames(t *testing.T) {
	var out, errb bytes.Buffer
	err := Run(context.Background(), &out, &errb, []string{"-pcap", "../../../testdata/pcap/tls12.pcap,../../../testdata/pcap/go-mesh.pcap", "-frame", "node-a"})
	if err != nil {
		t.Fatalf("Run: %v (%s)", err, errb.String())
	}
	frames, err := frame.Read(&out, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"node-a.tls12.pcap": 5, "node-a.go-mesh.pcap": 4}
	if len(frames) != len(want) {
		t.Fatalf("%d frames, want %d", len(frames), len(want))
	}
	for _, f := range frames {
		var r evidence.FlowReport
		if err := json.Unmarshal(f.Data, &r); err != nil {
			t.Fatal(err)
		}
		if f.Kind != evidence.KindFlowReport || len(r.Flows) != want[f.Name] {
			t.Errorf("frame %s of %s: %d flows, want %d", f.Kind, f.Name, len(r.Flows), want[f.Name])
		}
	}
}

func TestAutoInterfaces(t *testing.T) {
	mk := func(t *testing.T, ifaces map[string]bool) string {
		dir := t.TempDir()
		for n, bridge := range ifaces {
			p := filepath.Join(dir, n)
			if bridge {
				p = filepath.Join(p, "bridge")
			}
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	cases := []struct {
		name   string
		ifaces map[string]bool
		want   []string
	}{
		{"bridges win", map[string]bool{"lo": false, "eth0": false, "cni0": true, "vethab12": false, "sc8br0": true}, []string{"cni0", "sc8br0"}},
		{"routed CNI", map[string]bool{"lo": false, "eth0": false, "ens5": false, "veth1": false}, []string{"ens5", "eth0"}},
	}
	for _, c := range cases {
		got, err := AutoInterfaces(mk(t, c.ifaces))
		if err != nil || strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := AutoInterfaces(mk(t, map[string]bool{"lo": false, "veth0": false})); err == nil {
		t.Error("no interface but lo and a veth: no error")
	}
	if _, err := AutoInterfaces(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("missing sysfs: no error")
	}
}

func TestRunRefusesHoldWithoutDuration(t *testing.T) {
	var out, errb bytes.Buffer
	if err := Run(context.Background(), &out, &errb, []string{"-interface", "lo", "-hold"}); err == nil || !strings.Contains(err.Error(), "-hold needs -duration") {
		t.Errorf("Run: %v", err)
	}
}

// TestWriteLine checks that a report written a flow at a time is the very
// line json.Marshal makes, on the recorded captures.
func TestWriteLine(t *testing.T) {
	files, _ := filepath.Glob("../../../testdata/pcap/*.pcap")
	more, _ := filepath.Glob("../testdata/pcap/*.pcap")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("found %d captures", len(files))
	}
	for _, f := range files {
		r, err := capture.ReadFile(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := writeLine(&got, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(append(want, '\n'), got.Bytes()) {
			t.Errorf("%s: line differs from json.Marshal", filepath.Base(f))
		}
	}
	// Strings that could fool a scanner for the end of the tls object:
	// braces, brackets, quotes, backslashes and HTML in names.
	cert := func(n string) evidence.Certificate {
		return evidence.Certificate{Subject: "CN=" + n + `"}]\`, Issuer: "CN=<ca>&", SANs: []string{n + "{", "]"},
			NotBefore: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), NotAfter: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC),
			KeyType: "ECDSA", KeyBits: 256, SHA256: n}
	}
	tricky := &evidence.FlowReport{Header: evidence.NewHeader(evidence.KindFlowReport, "sc8sensor"), Flows: []evidence.Flow{
		{Client: "198.18.0.1:1", Server: "198.18.0.2:443", Transport: "tcp", TLS: &evidence.FlowTLS{Version: "TLSv1.2",
			ServerName: `a}"{b\`, ALPN: []string{"}", "h2"}, ClientCertificate: "sent", JA3S: "x",
			ServerCertificates: []evidence.Certificate{cert("s1"), cert("ca")}, ClientCertificates: []evidence.Certificate{cert("c1")}},
			Mesh: "istio", Plaintext: &evidence.FlowPlaintext{Protocol: "x"}},
		{Client: "198.18.0.1:2", Server: "198.18.0.2:443", Transport: "tcp", TLS: &evidence.FlowTLS{Version: "TLSv1.2",
			ALPN: []string{}, ServerCertificates: []evidence.Certificate{cert("s1"), cert("ca")}}},
		{Client: "198.18.0.1:3", Server: "198.18.0.2:443", Transport: "tcp", TLS: &evidence.FlowTLS{Version: "TLSv1.2",
			ClientCertificates: []evidence.Certificate{cert("c1")}, HelloRetryRequest: true}},
		{Client: "198.18.0.1:4", Server: "198.18.0.2:80", Transport: "tcp"},
	}}
	want, _ := json.Marshal(tricky)
	var got bytes.Buffer
	if err := writeLine(&got, tricky); err != nil || !bytes.Equal(append(want, '\n'), got.Bytes()) {
		t.Errorf("tricky report: %v\n got %s\nwant %s", err, got.Bytes(), want)
	}
	got.Reset()
	if err := writeLine(&got, &evidence.FlowReport{}); err != nil || !strings.Contains(got.String(), `"flows":null`) {
		t.Errorf("report without flows: %q, %v", got.String(), err)
	}
}

// FuzzWriteLine checks writeLine against json.Marshal whatever the strings
// around the certificate chains hold.
func FuzzWriteLine(f *testing.F) {
	f.Add(`a}"{b\`, "CN=x", "h2", "ab")
	f.Add("", "", "", "")
	f.Add("<tls>", `"tls":{`, "}]", "\u2028")
	f.Fuzz(func(t *testing.T, sni, subject, alpn, sha string) {
		c := evidence.Certificate{Subject: subject, Issuer: sni, SANs: []string{alpn}, SHA256: sha}
		r := &evidence.FlowReport{Flows: []evidence.Flow{
			{Client: sni, TLS: &evidence.FlowTLS{ServerName: sni, ALPN: []string{alpn}, STARTTLS: subject,
				ServerCertificates: []evidence.Certificate{c}, ClientCertificates: []evidence.Certificate{c, c}}, Mesh: alpn},
			{Client: subject, TLS: &evidence.FlowTLS{ServerName: alpn, ServerCertificates: []evidence.Certificate{c}}},
		}}
		want, err := json.Marshal(r)
		if err != nil {
			return
		}
		var got bytes.Buffer
		if err := writeLine(&got, r); err != nil || !bytes.Equal(append(want, '\n'), got.Bytes()) {
			t.Fatalf("%v\n got %s\nwant %s", err, got.Bytes(), want)
		}
	})
}
