package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/internal/golden"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// changed is sample() a month on: redis stopped taking cleartext
// (improved), the payments API's certificate now fails (regressed), the
// batch class of redis is gone (resolved) and a new port fails (new).
func changed() *matrix.Matrix {
	m := sample()
	m.GeneratedAt = m.GeneratedAt.Add(30 * 24 * time.Hour)
	pay, redis := &m.Rows[0], &m.Rows[1]
	for i := range redis.Cells {
		if redis.Cells[i].Check == matrix.CheckPlaintextRefused {
			redis.Cells[i] = matrix.Cell{Check: matrix.CheckPlaintextRefused, Status: matrix.Pass, Reason: "probe: cleartext request refused"}
		}
	}
	for i := range pay.Cells {
		if pay.Cells[i].Check == matrix.CheckServerCertificate {
			pay.Cells[i] = matrix.Cell{Check: matrix.CheckServerCertificate, Status: matrix.Fail, Reason: "probe: certificate expired"}
		}
	}
	redis.Classes = redis.Classes[:1]
	b := builder{m}
	b.row(matrix.Destination{Namespace: "legacy", Service: "billing", Port: 8443},
		cellsOf(matrix.DestinationChecks, map[string]matrix.Status{matrix.CheckTLSMinVersion: matrix.Fail}, nil))
	m.Summarize()
	return m
}

func TestBaselineGolden(t *testing.T) {
	m := changed()
	if err := matrix.Compare(m, sample(), "last-month/matrix.json"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"markdown", "html", "csv", "json"} {
		var buf bytes.Buffer
		if err := Render(&buf, m, f, Options{}); err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, "baseline."+Extension(f), buf.Bytes())
		if f == "json" {
			back, err := Read(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if back.Baseline == nil || back.Baseline.Counts[matrix.ChangeRegressed] != 1 {
				t.Errorf("the baseline does not survive JSON: %+v", back.Baseline)
			}
		}
	}
	b := m.Baseline
	// Counts: one regressed (payments CERT), one improved (redis PLAIN),
	// the new row's five destination cells, the batch class's four cells
	// resolved; the rest unchanged.
	want := map[string]int{matrix.ChangeRegressed: 1, matrix.ChangeImproved: 1, matrix.ChangeNew: len(matrix.DestinationChecks), matrix.ChangeResolved: len(matrix.SourceChecks)}
	for k, n := range want {
		if b.Counts[k] != n {
			t.Errorf("%s: %d cells, want %d (all: %v)", k, b.Counts[k], n, b.Counts)
		}
	}
	if m.Rows[2].Change != matrix.ChangeNew || m.Rows[0].Change != "" {
		t.Errorf("row changes %q %q", m.Rows[0].Change, m.Rows[2].Change)
	}
	for mode, n := range map[string]int{matrix.FailOnNew: 2, matrix.FailOnRegressed: 2, matrix.FailOnAny: 2} {
		if got := m.Gating(mode); got != n {
			t.Errorf("Gating(%s) = %d, want %d", mode, got, n)
		}
	}
	// A matrix compared with itself has nothing new to gate on.
	same := sample()
	if err := matrix.Compare(same, sample(), ""); err != nil {
		t.Fatal(err)
	}
	if same.Gating(matrix.FailOnNew) != 0 || same.Gating(matrix.FailOnAny) != 1 || same.Baseline.Counts[matrix.ChangeUnchanged] == 0 {
		t.Errorf("unchanged: new %d, any %d, counts %v", same.Gating(matrix.FailOnNew), same.Gating(matrix.FailOnAny), same.Baseline.Counts)
	}
	old := sample()
	old.APIVersion = "sc8scan.dev/v1alpha1"
	if err := matrix.Compare(sample(), old, ""); err == nil || !strings.Contains(err.Error(), "scan the baseline again") {
		t.Errorf("another schema version: %v", err)
	}
}
