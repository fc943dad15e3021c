package scan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/evidence/frame"
)

// TestLoadFramedLog reads evidence from a pod log as kubectl logs prints
// it: frames among other lines, flows of several frames merged, and a
// damaged frame refused whole.
func TestLoadFramedLog(t *testing.T) {
	doc := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hdr := func(kind string) evidence.Header { return evidence.Header{APIVersion: evidence.APIVersion, Kind: kind} }
	var log bytes.Buffer
	log.WriteString("sc8sensor: capturing on sc8br0\n")
	for i, w := range []*evidence.FlowReport{
		{Header: hdr(evidence.KindFlowReport), Input: "a", Flows: []evidence.Flow{{Client: "198.18.10.2:1", Server: "198.18.10.3:443"}}, Stats: evidence.FlowStats{Packets: 10}},
		{Header: hdr(evidence.KindFlowReport), Input: "b", Flows: []evidence.Flow{{Client: "198.18.10.2:2", Server: "198.18.10.3:443"}}, Stats: evidence.FlowStats{Packets: 5}},
	} {
		if err := frame.Write(&log, evidence.KindFlowReport, []string{"node.a", "node.b"}[i], doc(w)); err != nil {
			t.Fatal(err)
		}
	}
	probe := &evidence.ProbeReport{Header: hdr(evidence.KindProbeReport), Results: []evidence.ProbeResult{{Target: evidence.Target{Host: "198.18.10.3", Port: 443}}}}
	if err := frame.Write(&log, evidence.KindProbeReport, "probe-0", doc(probe)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "pod.log")
	if err := os.WriteFile(path, log.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var p Preloaded
	if err := LoadEvidence(path, &p); err != nil {
		t.Fatal(err)
	}
	if p.Flows == nil || len(p.Flows.Flows) != 2 || p.Flows.Stats.Packets != 15 || p.Probes == nil || len(p.Probes.Results) != 1 {
		t.Fatalf("loaded %+v", p)
	}
	// The same log cut inside its last frame is refused, not half read.
	cut := log.Bytes()[:log.Len()-120]
	if err := os.WriteFile(path, cut, 0o644); err != nil {
		t.Fatal(err)
	}
	var q Preloaded
	if err := LoadEvidence(path, &q); err == nil || !strings.Contains(err.Error(), "has no end") {
		t.Errorf("a cut log: %v", err)
	}
}
