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
	m := &Matrix{Controls: Controls, Checks: Catalog, Rows: []Row{
		{ID: "a", Cells: []Cell{{Check: CheckPlaintextRefused, Status: Pass}, {Check: CheckTLSMinVersion, Status: NA}},
			Classes: []Class{{Members: 40, Cells: []Cell{{Check: CheckMeshPolicy, Status: Pass}}}, {Members: 2, Cells: []Cell{{Check: CheckMeshPolicy, Status: Warn}}}}},
		{ID: "b", Cells: []Cell{{Check: CheckPlaintextRefused, Status: Fail}, {Check: CheckTLSMinVersion, Status: NotTested}},
			Classes: []Class{{Members: 42, Cells: []Cell{{Check: CheckMeshPolicy, Status: Pass}}}}},
	}}
	m.Summarize()
	s := m.Summary
	// Cells are counted once per row and once per class, never per path.
	if s.Cells != 7 || s.Applicable != 6 || s.Tested != 5 || s.Coverage != 5.0/6 || s.Rows != 2 || s.Classes != 3 || s.Paths != 84 {
		t.Errorf("summary %+v", s)
	}
	if m.Rows[0].Status != Warn || m.Rows[1].Status != Fail || s.Status != Fail {
		t.Errorf("row statuses %s %s, overall %s", m.Rows[0].Status, m.Rows[1].Status, s.Status)
	}
	// A class's status includes the destination cells its paths share.
	if c := m.Rows[1].Classes[0]; c.Status != Fail {
		t.Errorf("class status %s, want the row's FAIL", c.Status)
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

func TestFilterAndPaths(t *testing.T) {
	m := &Matrix{Cluster: "c", Rows: []Row{
		{ID: "r1", Destination: Destination{Namespace: "shop", Service: "cart", Port: 80}, Cells: []Cell{{Check: CheckPlaintextRefused, Status: Pass}},
			Classes: []Class{{ID: "k1", Group: "g1", Members: 2, Cells: []Cell{{Check: CheckMeshPolicy, Status: Fail}}}}},
		{ID: "r2", Destination: Destination{Namespace: "shop", Service: "cart", Port: 443}, Cells: []Cell{{Check: CheckPlaintextRefused, Status: Pass}},
			Classes: []Class{{ID: "k2", Group: "g2", Members: 1, Cells: []Cell{{Check: CheckMeshPolicy, Status: Pass}}}, {ID: "k3", Group: "g3", Members: 1, Cells: []Cell{{Check: CheckMeshPolicy, Status: Pass}}}}},
	}, Groups: []Group{
		{ID: "g1", Members: []Endpoint{{Namespace: "a", Kind: "Deployment", Name: "x"}, {Namespace: "b", Kind: "Job", Name: "x"}}},
		{ID: "g2", Members: []Endpoint{{Namespace: "a", Kind: "Deployment", Name: "x"}}},
		{ID: "g3", Members: []Endpoint{{Namespace: "b", Kind: "Job", Name: "x"}}},
	}}
	ix := NewIndex(m)
	count := func(src, dst string) (n int, last Path) {
		f, err := ParseFilter(src, dst)
		if err != nil {
			t.Fatal(err)
		}
		ix.Paths(f, func(p Path) error { n++; last = p; return nil })
		return n, last
	}
	for _, tt := range []struct {
		src, dst string
		want     int
	}{
		{"", "", 4}, {"a/x", "", 2}, {"b/Job/x", "", 2}, {"a/Job/x", "", 0}, {"", "shop/cart", 4}, {"", "shop/cart:443", 2}, {"a/x", "shop/cart:80", 1}, {"", "shop/cart:8080", 0},
	} {
		if n, _ := count(tt.src, tt.dst); n != tt.want {
			t.Errorf("--source %q --destination %q: %d paths, want %d", tt.src, tt.dst, n, tt.want)
		}
	}
	_, p := count("a/x", "shop/cart:80")
	if p.Class.ID != "k1" || p.Status() != Fail || len(p.Cells()) != 2 || p.ID != PathID("c", Endpoint{Namespace: "a", Kind: "Deployment", Name: "x"}, m.Rows[0].Destination) {
		t.Errorf("path %+v status %s cells %v", p, p.Status(), p.Cells())
	}
	for _, bad := range [][2]string{{"ax", ""}, {"/x", ""}, {"a/b/c/d", ""}, {"", "shop"}, {"", "shop/cart:x"}, {"", "shop/cart:0"}, {"", "shop/cart:70000"}} {
		if _, err := ParseFilter(bad[0], bad[1]); err == nil {
			t.Errorf("ParseFilter(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// FuzzParseFilter: any accepted filter matches rows and sources without
// panicking, and a destination filter with a port never matches another
// port.
func FuzzParseFilter(f *testing.F) {
	for _, s := range [][2]string{{"a/x", "shop/cart:80"}, {"a/Job/x", ""}, {"", "shop/cart"}, {"/", ":"}, {"a//b", "x/y:99999"}} {
		f.Add(s[0], s[1])
	}
	r := &Row{Destination: Destination{Namespace: "shop", Service: "cart", Port: 80}}
	e := Endpoint{Namespace: "a", Kind: "Deployment", Name: "x"}
	f.Fuzz(func(t *testing.T, src, dst string) {
		flt, err := ParseFilter(src, dst)
		if err != nil {
			return
		}
		ok := flt.MatchesRow(r)
		_ = flt.MatchesSource(e)
		if ok && dst != "" && dst != "shop/cart" && dst != "shop/cart:80" {
			t.Errorf("--destination %q matched shop/cart:80", dst)
		}
	})
}
