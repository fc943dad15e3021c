package sensor

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
