package waivers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/scan"
)

var at = time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)

const file = `apiVersion: sc8scan.dev/v1alpha1
kind: Waivers
waivers:
- id: W-1
  check: client-certificate-required
  destination: "istio-system/istio-ingressgateway:443"
  justification: public HTTPS
  approver: isso@example.gov
  expires: "2027-06-30T00:00:00Z"
- id: W-2
  check: "*"
  destination: "istio-system/istio-ingressgateway:*"
  justification: the gateway is reviewed as a whole
  approver: isso@example.gov
  expires: "2027-01-20T00:00:00Z"
- id: W-3
  check: plaintext-refused
  destination: "gone/old-service:80"
  justification: decommissioned
  approver: isso@example.gov
  expires: "2026-12-01T00:00:00Z"
- id: W-4
  check: tls-min-versoin
  destination: "legacy/*:8443"
  justification: typo in the check
  approver: isso@example.gov
  expires: "2027-06-30T00:00:00Z"
- id: W-5
  check: "*"
  destination: "legacy/[:8443"
  justification: a bad glob
  approver: isso@example.gov
  expires: "2027-06-30T00:00:00Z"
- id: W-6
  check: "*"
  destination: "data/*:*"
  justification: nobody approved this
  expires: "2027-06-30T00:00:00Z"
- id: W-1
  check: "*"
  destination: "data/*:*"
  justification: same id again
  approver: isso@example.gov
  expires: "2027-06-30T00:00:00Z"
- id: W-8
  check: "*"
  destinaton: "data/*:*"
  justification: misspelt field
  approver: isso@example.gov
  expires: "2027-06-30T00:00:00Z"
- id: W-9
  check: "*"
  destination: "data/*:*"
  justification: not a date
  approver: isso@example.gov
  expires: "next year"
`

// TestCheck holds each kind of finding to its waiver and line, against
// the demo's matrix.
func TestCheck(t *testing.T) {
	res, err := scan.Run(context.Background(), scan.Options{From: "../../testdata/demo", Policy: true, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check("w.yaml", []byte(file), res.Matrix, at, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Kind, Waiver string
		Line         int
		Has          string
	}
	var gs []got
	want := []got{
		{KindOverlap, "W-1", 4, "with W-2"},
		{KindExpiring, "W-2", 15, "expires on 2027-01-20, in 10 days"},
		{KindUnused, "W-3", 16, "matches no FAIL, WARN or WAIVED cell"},
		{KindExpired, "W-3", 21, "expired on 2026-12-01"},
		{KindError, "W-4", 23, `unknown check "tls-min-versoin"`},
		{KindError, "W-5", 30, "bad pattern"},
		{KindError, "W-6", 34, "approver"},
		{KindError, "W-1", 39, "used twice (first on line 4)"},
		{KindError, "W-8", 47, `unknown field "destinaton"`},
		{KindError, "W-9", 56, `expires "next year" is not a date`},
	}
	for i, f := range rep.Findings {
		g := got{f.Kind, f.Waiver, f.Line, ""}
		if i < len(want) && strings.Contains(f.Text, want[i].Has) {
			g.Has = want[i].Has
		} else {
			g.Has = f.Text
		}
		gs = append(gs, g)
	}
	if d := cmp.Diff(want, gs); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	if rep.Waivers != 9 {
		t.Errorf("%d waivers read, want 9", rep.Waivers)
	}
	// Without a matrix: no unused or overlap findings.
	rep, err = Check("w.yaml", []byte(file), nil, at, 30*24*time.Hour)
	if err != nil || rep.Count(KindUnused) != 0 || rep.Count(KindOverlap) != 0 || rep.Count(KindExpired) != 1 {
		t.Errorf("without a matrix: %v %+v", err, rep)
	}
}

func TestCheckRefusesOtherDocuments(t *testing.T) {
	for _, doc := range []string{"", "[1, 2]", "kind: Matrix\n", "kind: Waivers\nwaivers: {}\n", "kind: Waivers\nwaivers: [\n"} {
		if _, err := Check("w.yaml", []byte(doc), nil, at, 0); err == nil {
			t.Errorf("%q accepted", doc)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte(file))
	f.Add([]byte("kind: Waivers\nwaivers:\n- id: x\n  check: '*'\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Check("f.yaml", b, nil, at, 24*time.Hour)
		if err == nil && rep.Waivers < rep.Count(KindExpired) {
			t.Fatal("more expired waivers than waivers")
		}
	})
}
