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
