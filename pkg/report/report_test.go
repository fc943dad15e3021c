package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/internal/golden"
	"github.com/sc8scan/sc8scan/pkg/internal/schematest"
	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/version"
)

func sample() *matrix.Matrix {
	m := &matrix.Matrix{APIVersion: matrix.APIVersion, Kind: matrix.Kind,
		Scanner: version.Info{Name: "sc8scan", Version: "v0.0.0-test", GoVersion: "go1.26", CryptoBackend: "go-std"},
		Cluster: "demo", Source: "manifests:testdata", GeneratedAt: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
		Profile: "sp800-52r2", Controls: matrix.Controls, Checks: matrix.Catalog,
		Scope:    []string{"source: manifests:testdata"},
		Evidence: []matrix.Evidence{{ID: "probe-report", Kind: "ProbeReport", File: "evidence/probe-report.json", SHA256: strings.Repeat("a", 64)}},
		Problems: []string{"x.yaml#0: Service a/b: selector app=x matches no workload in the dump"},
	}
	mk := func(id, ns, name, dns, svc string, port int, st map[string]matrix.Status) matrix.Row {
		r := matrix.Row{PathID: id, Source: matrix.Endpoint{Namespace: ns, Kind: "Deployment", Name: name, Mesh: "sidecar"},
			Destination: matrix.Destination{Namespace: dns, Service: svc, Port: port}}
		for _, c := range matrix.Catalog {
			s, ok := st[c.ID]
			if !ok {
				s = matrix.NotTested
			}
			reason := "no evidence: probe: not gathered in this run"
			switch s {
			case matrix.Pass:
				reason = "probe: fine"
			case matrix.Fail:
				reason = "probe: http/1.1 accepted in plaintext | =cmd"
			}
			r.Cells = append(r.Cells, matrix.Cell{Check: c.ID, Status: s, Reason: reason, Evidence: []string{"probe-report#results[0]"}})
		}
		return r
	}
	m.Rows = []matrix.Row{
		mk("0b6f1c1e-5c3a-5d7e-9f00-6a1b2c3d4e5f", "shop", "frontend", "payments", "api", 8443, map[string]matrix.Status{matrix.CheckPlaintextRefused: matrix.Pass, matrix.CheckClientCertificate: matrix.Pass}),
		mk("1c7a2d2f-6d4b-5e8f-8a11-7b2c3d4e5f60", "shop", "frontend", "data", "redis", 6379, map[string]matrix.Status{matrix.CheckPlaintextRefused: matrix.Fail, matrix.CheckCipherSuites: matrix.NA}),
	}
	m.Summarize()
	return m
}

func TestGolden(t *testing.T) {
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Render(&buf, sample(), f, Options{}); err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, "sample."+Extension(f), buf.Bytes())
	}
	var buf bytes.Buffer
	if err := Table(&buf, sample(), Options{ByPath: true}); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "sample-by-path.txt", buf.Bytes())
}

func TestJSONSchemaAndRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, matrix.Schema, buf.Bytes())
	m, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Rows) != 2 || m.Rows[1].Cells[0].Status != matrix.Fail {
		t.Errorf("round trip lost data: %+v", m.Rows)
	}
	bad := bytes.Replace(buf.Bytes(), []byte(`"status": "FAIL"`), []byte(`"status": "BROKEN"`), 1)
	if err := schematest.Check(matrix.Schema, bad); err == nil {
		t.Error("schema accepts an unknown status")
	}
	if _, err := Read(strings.NewReader(`{"apiVersion":"v1","kind":"Pod"}`)); err == nil {
		t.Error("Read accepted a Pod")
	}
}

// TestFormatsAgree counts FAIL cells in every format: the outputs must tell
// the same story.
func TestFormatsAgree(t *testing.T) {
	m := sample()
	want := m.Summary.Counts[matrix.Fail]
	if want == 0 {
		t.Fatal("sample has no FAIL")
	}
	var c bytes.Buffer
	CSV(&c, m)
	recs, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, r := range recs[1:] {
		if r[12] == "FAIL" {
			got++
		}
		if strings.HasPrefix(r[13], "=") {
			t.Errorf("formula injection in CSV: %q", r[13])
		}
	}
	if got != want {
		t.Errorf("csv FAIL cells %d, summary %d", got, want)
	}
	var md bytes.Buffer
	Markdown(&md, m)
	if n := strings.Count(md.String(), "- **FAIL**"); n != want {
		t.Errorf("markdown FAIL findings %d, summary %d", n, want)
	}
	var tb bytes.Buffer
	Table(&tb, m, Options{Color: true})
	if !strings.Contains(tb.String(), "\x1b[31;1mFAIL") {
		t.Error("colour requested but not painted")
	}
	tb.Reset()
	Table(&tb, m, Options{})
	if strings.Contains(tb.String(), "\x1b[") {
		t.Error("colour without a TTY")
	}
}
