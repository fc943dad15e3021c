package scan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
	"github.com/sc8scan/sc8scan/pkg/internal/lab"
	"github.com/sc8scan/sc8scan/pkg/internal/schematest"
	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/report"
	"github.com/sc8scan/sc8scan/pkg/scan"
)

// TestDemo scans testdata/demo against the real lab, as make demo does, and
// checks the story the matrix tells, cell by cell where it matters.
func TestDemo(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	res, err := lab.ScanDemo(context.Background(), "../..", now)
	if err != nil {
		t.Fatal(err)
	}
	m := res.Matrix
	if len(res.Evidence.Probes.Results) != len(lab.DemoSpecs()) {
		t.Fatalf("probed %d targets, want %d", len(res.Evidence.Probes.Results), len(lab.DemoSpecs()))
	}
	for _, st := range []matrix.Status{matrix.Pass, matrix.Fail, matrix.NotTested, matrix.Waived, matrix.NA, matrix.Warn} {
		if m.Summary.Counts[st] == 0 {
			t.Errorf("the demo matrix has no %s cell", st)
		}
	}
	expectCells(t, m, []cellWant{
		{"shop/frontend", "payments/payments-api:8443", matrix.CheckClientCertificate, matrix.Pass, "refused"},
		// The renegotiation check needs a completed handshake, which a port
		// requiring a client certificate refuses the probe.
		{"shop/frontend", "payments/payments-api:8443", matrix.CheckCipherSuites, matrix.NotTested, "asked for a client certificate"},
		{"shop/frontend", "istio-system/istiod:443", matrix.CheckCipherSuites, matrix.Pass, "extension requirements of sp800-52r2 that apply are met"},
		{"shop/frontend", "payments/payments-api:8443", matrix.CheckServerCertificate, matrix.Pass, "trusted"},
		{"shop/frontend", "payments/payments-api:8443", matrix.CheckMeshPolicy, matrix.Pass, "STRICT"},
		{"shop/frontend", "data/redis:6379", matrix.CheckPlaintextRefused, matrix.Fail, "redis"},
		{"monitoring/prometheus", "monitoring/node-exporter:9100", matrix.CheckPlaintextRefused, matrix.Fail, "http"},
		{"shop/cart", "shop/frontend:8080", matrix.CheckPlaintextRefused, matrix.Fail, "plaintext"},
		{"shop/cart", "shop/frontend:8080", matrix.CheckMeshPolicy, matrix.Fail, "PERMISSIVE"},
		{"shop/frontend", "legacy/legacy-billing:8443", matrix.CheckTLSMinVersion, matrix.Fail, "TLSv1.0"},
		{"shop/frontend", "legacy/legacy-billing:8443", matrix.CheckServerCertificate, matrix.Fail, "expired"},
		{"shop/frontend", "legacy/legacy-billing:8443", matrix.CheckCipherSuites, matrix.Fail, "3DES"},
		{"shop/frontend", "legacy/legacy-billing:8443", matrix.CheckCipherSuites, matrix.Fail, "3.4.1.5 (Certificate Status Request)"},
		{"shop/frontend", "legacy/legacy-billing:8443", matrix.CheckCipherSuites, matrix.Fail, "Encrypt-then-MAC): the server shall support encrypt_then_mac"},
		{"shop/frontend", "payments/ledger:9090", matrix.CheckCipherSuites, matrix.Fail, "CHACHA20"},
		{"shop/frontend", "monitoring/prometheus:9090", matrix.CheckCipherSuites, matrix.Warn, "Appendix D"},
		{"shop/frontend", "istio-system/istio-ingressgateway:443", matrix.CheckClientCertificate, matrix.Waived, "W-2026-014"},
		{"shop/frontend", "legacy/card-network:443", matrix.CheckPlaintextRefused, matrix.NotTested, "ExternalName"},
		{"shop/frontend", "data/postgres:5432", matrix.CheckPlaintextRefused, matrix.Pass, ""},
		{"shop/frontend", "data/postgres:5432", matrix.CheckEncryptedOnWire, matrix.NotTested, "--pcap"},
		// auth/idp is ambient STRICT: ztunnel resets the out-of-mesh probe,
		// which is the refusal the policy declares.
		{"shop/frontend", "auth/idp:8443", matrix.CheckPlaintextRefused, matrix.Pass, "reset"},
		{"shop/frontend", "auth/idp:8443", matrix.CheckTLSMinVersion, matrix.NotTested, "needs an in-mesh vantage"},
		{"shop/frontend", "auth/idp:8443", matrix.CheckCipherSuites, matrix.NotTested, "needs an in-mesh vantage"},
		{"shop/frontend", "auth/idp:8443", matrix.CheckServerCertificate, matrix.NotTested, "needs an in-mesh vantage"},
		{"shop/frontend", "auth/idp:8443", matrix.CheckClientCertificate, matrix.NotTested, "needs an in-mesh vantage"},
	})
	// One row per destination port; under each, classes that hold every
	// workload once; far fewer classes than paths.
	if len(m.Rows) != res.Inventory.TCPPorts() || m.Summary.Paths != res.Inventory.PathCount() || m.Summary.Classes*3 > m.Summary.Paths {
		t.Errorf("%d rows for %d TCP ports; %d classes for %d paths (inventory %d)", len(m.Rows), res.Inventory.TCPPorts(), m.Summary.Classes, m.Summary.Paths, res.Inventory.PathCount())
	}
	ix := matrix.NewIndex(m)
	for _, r := range m.Rows {
		all := append([]matrix.Cell(nil), r.Cells...)
		members := 0
		for i := range r.Classes {
			c := &r.Classes[i]
			all = append(all, c.Cells...)
			if len(ix.Members(c)) != c.Members || c.Members == 0 {
				t.Errorf("%s class %q: %d members listed, %d counted", r.ID, c.Key, len(ix.Members(c)), c.Members)
			}
			members += c.Members
		}
		if members != len(res.Inventory.Workloads) {
			t.Errorf("%s:%d: classes hold %d sources, want every workload (%d)", r.Destination.Service, r.Destination.Port, members, len(res.Inventory.Workloads))
		}
		for _, c := range all {
			if c.Reason == "" {
				t.Errorf("%s %s: no reason", r.ID, c.Check)
			}
			if c.Status == matrix.Pass && len(c.Evidence) == 0 {
				t.Errorf("%s %s: PASS without evidence", r.ID, c.Check)
			}
		}
	}
	// A destination check is decided once for the port: every source
	// sees the same cell.
	for _, src := range []string{"shop/frontend", "monitoring/prometheus", "payments/ledger"} {
		if c := findCell(t, m, src, "data/redis:6379", matrix.CheckPlaintextRefused); c.Status != matrix.Fail {
			t.Errorf("%s -> data/redis:6379 plaintext-refused = %s", src, c.Status)
		}
	}

	dir := t.TempDir()
	files, err := scan.WriteBundle(dir, res, report.BundleFormats)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"matrix.json", "matrix.md", "matrix.csv", "matrix.html", "oscal-assessment-results.json", "junit.xml", "sarif.json", "poam.csv", "evidence/probe-report.json", "evidence/policy-report.json", "evidence/inventory.json", "SHA256SUMS"} {
		if !contains(files, want) {
			t.Errorf("bundle lacks %s (has %v)", want, files)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "matrix.json"))
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, matrix.Schema, data)
	var back matrix.Matrix
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for _, e := range back.Evidence {
		if len(e.SHA256) != 64 {
			t.Errorf("evidence %s has no hash in the matrix", e.ID)
		}
	}
	sums, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if !bytes.Contains(sums, []byte("evidence/probe-report.json")) {
		t.Error("SHA256SUMS does not cover the evidence")
	}
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if bytes.Contains(b, []byte("PRIVATE KEY")) {
			t.Errorf("%s holds a private key", f)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDemoEveryEvidence adds the recorded pod-to-pod traffic and the real
// images of the demo (Go builds in several crypto modes) to the scan, and
// checks the WIRE and FIPS columns.
func TestDemoEveryEvidence(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo images")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = t.TempDir()
	}
	built, err := imagebuild.DemoImages(context.Background(), "../../testdata/fips/progs", filepath.Join(cache, "sc8scan", "fips-demo"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	local := map[string]string{}
	for _, b := range built {
		local[b.Name] = b.Ref
	}
	images := map[string]string{}
	for ref, variant := range lab.DemoImageVariants() {
		if l, ok := local[variant]; ok {
			images[ref] = l
		}
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	res, err := lab.ScanDemo(context.Background(), "../..", now, lab.DemoOptions{PCAP: "../../testdata/demo-traffic/demo-east.pcap", Images: images})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Matrix
	expectCells(t, m, []cellWant{
		{"shop/frontend", "shop/cart:7070", matrix.CheckEncryptedOnWire, matrix.Pass, "encrypted"},
		{"shop/frontend", "payments/payments-api:8443", matrix.CheckEncryptedOnWire, matrix.Pass, "encrypted"},
		{"payments/payments-api", "data/postgres:5432", matrix.CheckEncryptedOnWire, matrix.Pass, "encrypted"},
		{"shop/cart", "data/redis:6379", matrix.CheckEncryptedOnWire, matrix.Fail, "redis"},
		{"monitoring/prometheus", "monitoring/node-exporter:9100", matrix.CheckEncryptedOnWire, matrix.Fail, "http"},
		{"payments/payments-api", "legacy/legacy-billing:8443", matrix.CheckTLSMinVersion, matrix.Fail, "TLSv1.0"},
		{"shop/cart", "shop/frontend:8080", matrix.CheckEncryptedOnWire, matrix.NotTested, "no traffic"},
		{"shop/frontend", "payments/payments-api:8443", matrix.CheckFIPSCrypto, matrix.Fail, "frontend"},
		{"payments/payments-api", "payments/ledger:9090", matrix.CheckFIPSCrypto, matrix.Pass, "CMVP-validated"},
		{"payments/payments-api", "legacy/legacy-billing:8443", matrix.CheckFIPSCrypto, matrix.Fail, "billing"},
		{"payments/payments-api", "data/redis:6379", matrix.CheckFIPSCrypto, matrix.NotTested, "no crypto"},
		{"shop/cart", "data/redis:6379", matrix.CheckFIPSCrypto, matrix.Fail, "cart:1.2.0 is not-validated"},
		{"payments/payments-api", "istio-system/istiod:15012", matrix.CheckFIPSCrypto, matrix.NotTested, "offline"},
	})
}

// TestDemoOnTheRealClock scans the demo with the lab's certificates issued
// on the real clock, evaluated then and a year later, so that the suite
// cannot pass only on the day it was written. The demo waivers are made to
// run out half a year after the issue time for the same reason.
func TestDemoOnTheRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo lab")
	}
	issued := time.Now().UTC()
	for _, tt := range []struct {
		name    string
		at      time.Time
		expired []string // waivers the matrix must list as expired
		want    []cellWant
	}{
		{"at issue", issued, nil, []cellWant{
			{"shop/frontend", "payments/payments-api:8443", matrix.CheckServerCertificate, matrix.Pass, "trusted"},
			{"shop/frontend", "payments/ledger:9090", matrix.CheckServerCertificate, matrix.Pass, "trusted"},
			{"shop/frontend", "legacy/legacy-billing:8443", matrix.CheckServerCertificate, matrix.Fail, "expired"},
			{"shop/frontend", "istio-system/istio-ingressgateway:443", matrix.CheckClientCertificate, matrix.Waived, "W-2026-014"},
		}},
		{"a year on", issued.AddDate(1, 0, 0), []string{"W-2026-014", "W-2026-015"}, []cellWant{
			{"shop/frontend", "payments/payments-api:8443", matrix.CheckServerCertificate, matrix.Fail, "expired"},
			{"shop/frontend", "payments/ledger:9090", matrix.CheckServerCertificate, matrix.Fail, "expired"},
			{"shop/frontend", "legacy/legacy-billing:8443", matrix.CheckServerCertificate, matrix.Fail, "expired"},
			{"shop/frontend", "istio-system/istio-ingressgateway:443", matrix.CheckClientCertificate, matrix.Fail, "waiver W-2026-014 expired"},
			// What does not depend on the clock stays as it was.
			{"shop/frontend", "payments/payments-api:8443", matrix.CheckClientCertificate, matrix.Pass, "refused"},
			{"shop/frontend", "data/redis:6379", matrix.CheckPlaintextRefused, matrix.Fail, "redis"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := lab.ScanDemo(context.Background(), "../..", issued, lab.DemoOptions{EvaluateAt: tt.at, WaiversValidFor: 180 * 24 * time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			expectCells(t, res.Matrix, tt.want)
			got := res.Matrix.ExpiredWaivers()
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.expired, ",") {
				t.Errorf("expired waivers = %v, want %v", got, tt.expired)
			}
		})
	}
}

// cellWant is one cell a demo test expects: its status and a word of its
// reason.
type cellWant struct {
	src, dst, check string
	want            matrix.Status
	reason          string
}

func expectCells(t *testing.T, m *matrix.Matrix, wants []cellWant) {
	t.Helper()
	for _, w := range wants {
		c := findCell(t, m, w.src, w.dst, w.check)
		if c.Status != w.want || !strings.Contains(c.Reason, w.reason) {
			t.Errorf("%s -> %s %s = %s %q, want %s containing %q", w.src, w.dst, w.check, c.Status, c.Reason, w.want, w.reason)
		}
	}
}

// findCell returns the cell of check on the path src -> dst ("ns/name" ->
// "ns/service:port").
func findCell(t *testing.T, m *matrix.Matrix, src, dst, check string) *matrix.Cell {
	t.Helper()
	f, err := matrix.ParseFilter(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	var found []matrix.Path
	matrix.NewIndex(m).Paths(f, func(p matrix.Path) error { found = append(found, p); return nil })
	if len(found) != 1 {
		t.Fatalf("%d paths %s -> %s, want 1", len(found), src, dst)
	}
	p := found[0]
	if c := p.Row.Cell(check); c != nil {
		return c
	}
	if c := p.Class.Cell(check); c != nil {
		return c
	}
	t.Fatalf("no cell %s on %s -> %s", check, src, dst)
	return nil
}
