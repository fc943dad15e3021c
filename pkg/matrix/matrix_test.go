package matrix

import (
	"encoding/json"
	"testing"
)

func TestWorst(t *testing.T) {
	tests := []struct {
		in   []Status
		want Status
	}{
		{nil, NotTested},
		{[]Status{Pass}, Pass},
		{[]Status{Pass, NA}, Pass},
		{[]Status{NA}, NA},
		{[]Status{Pass, NotTested}, NotTested},
		{[]Status{Pass, Warn, Waived}, Warn},
		{[]Status{Error, NotTested}, Error},
		{[]Status{Pass, Error, Fail}, Fail},
	}
	for _, tt := range tests {
		if got := Worst(tt.in...); got != tt.want {
			t.Errorf("Worst(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestTestedNeverCountsUntested(t *testing.T) {
	for _, s := range []Status{NotTested, NA, Error} {
		if s.Tested() {
			t.Errorf("%s counted as tested", s)
		}
	}
	for _, s := range []Status{Pass, Fail, Warn, Waived} {
		if !s.Tested() {
			t.Errorf("%s not counted as tested", s)
		}
	}
}

func TestStatusJSON(t *testing.T) {
	var c Cell
	if err := json.Unmarshal([]byte(`{"check":"x","status":"MAYBE","reason":"r"}`), &c); err == nil {
		t.Error("unknown status accepted")
	}
	if err := json.Unmarshal([]byte(`{"check":"x","status":"N/A","reason":"r"}`), &c); err != nil || c.Status != NA {
		t.Errorf("N/A: %v %v", c.Status, err)
	}
}

func TestSummarize(t *testing.T) {
	m := &Matrix{Controls: Controls, Checks: Catalog[:2], Rows: []Row{
		{PathID: "a", Cells: []Cell{{Check: CheckPlaintextRefused, Status: Pass}, {Check: CheckTLSMinVersion, Status: NA}}},
		{PathID: "b", Cells: []Cell{{Check: CheckPlaintextRefused, Status: Fail}, {Check: CheckTLSMinVersion, Status: NotTested}}},
	}}
	m.Summarize()
	s := m.Summary
	if s.Cells != 4 || s.Applicable != 3 || s.Tested != 2 || s.Coverage != 2.0/3 {
		t.Errorf("summary %+v", s)
	}
	if m.Rows[0].Status != Pass || m.Rows[1].Status != Fail || s.Status != Fail {
		t.Errorf("row statuses %s %s, overall %s", m.Rows[0].Status, m.Rows[1].Status, s.Status)
	}
	for _, r := range s.ByControl {
		if r.ID == SC13 && r.Status != NotTested {
			t.Errorf("sc-13 has one N/A and one NOT-TESTED cell: %s", r.Status)
		}
		if r.ID == SC8 && r.Status != Fail {
			t.Errorf("sc-8: %s", r.Status)
		}
	}
}
