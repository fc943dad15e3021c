package dispatch

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evaluate"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/evidence/frame"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// TestCutLogIsAnError: a probe pod's log cut inside its report yields no
// report but an error naming the damage, and the results that stand in
// for it make every destination cell of its targets ERROR with that
// reason; a whole log yields the report.
func TestCutLogIsAnError(t *testing.T) {
	p := testPlan(1)
	p.Targets[0].Service = &evidence.ServicePort{Namespace: "shop", Name: "api", Port: 443}
	rep := evidence.ProbeReport{Header: evidence.Header{APIVersion: evidence.APIVersion, Kind: evidence.KindProbeReport},
		Results: []evidence.ProbeResult{{Target: evidence.Target{Host: p.Targets[0].Host, Port: 443, Service: p.Targets[0].Service},
			Plaintext: evidence.PlaintextProbe{Tested: true}, TLS: evidence.TLSProbe{Tested: true, Offered: true}}}}
	doc, _ := json.Marshal(rep)
	var log bytes.Buffer
	log.WriteString(`{"level":"WARN","msg":"slow"}` + "\n")
	if err := frame.Write(&log, evidence.KindProbeReport, "sc8scan-r1-probe-0", doc); err != nil {
		t.Fatal(err)
	}
	whole := log.String()
	if got, err := reportFromLog(whole, "pod-x", "sc8scan-r1-probe-0"); err != nil || len(got.Results) != 1 {
		t.Fatalf("whole log: %v, %v", got, err)
	}
	if _, err := reportFromLog(whole, "pod-x", "sc8scan-r1-probe-1"); err == nil || !strings.Contains(err.Error(), "holds no report") {
		t.Errorf("another Job's report taken: %v", err)
	}
	cut := whole[:len(whole)-100]
	got, err := reportFromLog(cut, "pod-x", "sc8scan-r1-probe-0")
	if got != nil || err == nil || !strings.Contains(err.Error(), "has no end") {
		t.Fatalf("cut log: report %v, error %v", got, err)
	}
	results := unreported(p, err.Error(), time.Unix(0, 0))
	inv := testInventory()
	m, eerr := evaluate.Evaluate(evaluate.Input{Inventory: inv, Now: time.Unix(0, 0), Evidence: evaluate.Evidence{Probes: &evidence.ProbeReport{Results: results}}})
	if eerr != nil {
		t.Fatal(eerr)
	}
	var row *matrix.Row
	for i := range m.Rows {
		if m.Rows[i].Destination.Service == "api" && m.Rows[i].Destination.Port == 443 {
			row = &m.Rows[i]
		}
	}
	if row == nil {
		t.Fatal("no row for shop/api:443")
	}
	for _, c := range row.Cells {
		if c.Status == matrix.Pass || (c.Status != matrix.Error && c.Status != matrix.NotTested) {
			t.Errorf("%s = %s %q after a cut log", c.Check, c.Status, c.Reason)
		}
	}
	if c := row.Cell(matrix.CheckPlaintextRefused); c.Status != matrix.Error || !strings.Contains(c.Reason, "no report from the probe pod") || !strings.Contains(c.Reason, "has no end") {
		t.Errorf("PLAIN = %s %q, want ERROR saying the report was cut", c.Status, c.Reason)
	}
}
