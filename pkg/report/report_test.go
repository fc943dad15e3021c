package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/internal/golden"
	"github.com/sc8scan/sc8scan/pkg/internal/schematest"
	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/version"
)

// builder assembles test matrices the way evaluate does: rows with their
// destination cells, classes with their source cells, member lists in
// groups written once.
type builder struct{ m *matrix.Matrix }

// cellsOf makes a cell for every check of checks: the status from st
// (NOT-TESTED when absent) with a stock reason, or the whole cell from
// full.
func cellsOf(checks []matrix.Check, st map[string]matrix.Status, full map[string]matrix.Cell) []matrix.Cell {
	var out []matrix.Cell
	for _, c := range checks {
		if cell, ok := full[c.ID]; ok {
			cell.Check = c.ID
			out = append(out, cell)
			continue
		}
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
		out = append(out, matrix.Cell{Check: c.ID, Status: s, Reason: reason, Evidence: []string{"probe-report#results[0]"}})
	}
	return out
}

// row adds a destination port with its destination cells.
func (b builder) row(d matrix.Destination, cells []matrix.Cell) *matrix.Row {
	b.m.Rows = append(b.m.Rows, matrix.Row{ID: matrix.RowID(b.m.Cluster, d), Destination: d, Cells: cells})
	return &b.m.Rows[len(b.m.Rows)-1]
}

// group adds (once) the member list and returns its id.
func (b builder) group(members []matrix.Endpoint) string {
	id := matrix.GroupID(members)
	for _, g := range b.m.Groups {
		if g.ID == id {
			return id
		}
	}
	b.m.Groups = append(b.m.Groups, matrix.Group{ID: id, Members: members})
	return id
}

// class adds a source class to the last row.
func (b builder) class(key, mesh string, members []matrix.Endpoint, cells []matrix.Cell) {
	r := &b.m.Rows[len(b.m.Rows)-1]
	r.Classes = append(r.Classes, matrix.Class{ID: matrix.ClassID(r.ID, key), Key: key, Mesh: mesh, Group: b.group(members), Members: len(members), Cells: cells})
}

func workloads(ns, kind, mesh string, names ...string) []matrix.Endpoint {
	var out []matrix.Endpoint
	for _, n := range names {
		out = append(out, matrix.Endpoint{Namespace: ns, Kind: kind, Name: n, Mesh: mesh})
	}
	return out
}

func base() *matrix.Matrix {
	return &matrix.Matrix{APIVersion: matrix.APIVersion, Kind: matrix.Kind,
		Scanner: version.Info{Name: "sc8scan", Version: "v0.0.0-test", GoVersion: "go1.26", CryptoBackend: "go-std"},
		Cluster: "demo", Source: "manifests:testdata", GeneratedAt: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
		Profile: "sp800-52r2", Controls: matrix.Controls, Checks: matrix.Catalog,
		Scope:    []string{"source: manifests:testdata"},
		Evidence: []matrix.Evidence{{ID: "probe-report", Kind: "ProbeReport", File: "evidence/probe-report.json", SHA256: strings.Repeat("a", 64)}},
		Problems: []string{"x.yaml#0: Service a/b: selector app=x matches no workload in the dump"},
	}
}

// sample has two destination ports: payments/api:8443 with one class of
// one source, data/redis:6379 (plaintext FAIL) with two classes, one of
// them sharing its member list with the first port's class.
func sample() *matrix.Matrix {
	m := base()
	b := builder{m}
	frontend := workloads("shop", "Deployment", "sidecar", "frontend")
	batch := append(workloads("shop", "Deployment", "sidecar", "worker"), workloads("shop", "CronJob", "sidecar", "report")...)
	b.row(matrix.Destination{Namespace: "payments", Service: "api", Port: 8443},
		cellsOf(matrix.DestinationChecks, map[string]matrix.Status{matrix.CheckPlaintextRefused: matrix.Pass, matrix.CheckClientCertificate: matrix.Pass}, nil))
	b.class("mesh sidecar; client ISTIO_MUTUAL by payments/api-dr", "sidecar", frontend, cellsOf(matrix.SourceChecks, nil, nil))
	b.row(matrix.Destination{Namespace: "data", Service: "redis", Port: 6379},
		cellsOf(matrix.DestinationChecks, map[string]matrix.Status{matrix.CheckPlaintextRefused: matrix.Fail, matrix.CheckCipherSuites: matrix.NA}, nil))
	b.class("mesh sidecar; client ISTIO_MUTUAL by payments/api-dr", "sidecar", frontend, cellsOf(matrix.SourceChecks, nil, nil))
	b.class("mesh sidecar; client DISABLE by data/redis-dr", "sidecar", batch, cellsOf(matrix.SourceChecks, map[string]matrix.Status{matrix.CheckMeshPolicy: matrix.Pass}, nil))
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
	if err := Table(&buf, rich(), Options{ByClass: true}); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "rich-by-class.txt", buf.Bytes())
	f, err := matrix.ParseFilter("shop/cart-1", "shop/frontend:8080")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range PathFormats {
		var buf bytes.Buffer
		if err := WritePaths(&buf, rich(), f, format); err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, "rich-paths."+Extension(format), buf.Bytes())
	}
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
	if diff := cmp.Diff(sample(), m); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	bad := bytes.Replace(buf.Bytes(), []byte(`"status": "FAIL"`), []byte(`"status": "BROKEN"`), 1)
	if err := schematest.Check(matrix.Schema, bad); err == nil {
		t.Error("schema accepts an unknown status")
	}
	if _, err := Read(strings.NewReader(`{"apiVersion":"v1","kind":"Pod"}`)); err == nil {
		t.Error("Read accepted a Pod")
	}
}

// TestJSONStreamsLikeEncoder: the streamed document decodes to what
// encoding/json writes for the whole matrix, a row or group a line.
func TestJSONStreamsLikeEncoder(t *testing.T) {
	for name, m := range map[string]*matrix.Matrix{"sample": sample(), "rich": rich(), "empty": empty()} {
		var got bytes.Buffer
		if err := JSON(&got, m); err != nil {
			t.Fatal(err)
		}
		if m.Rows == nil {
			m.Rows = []matrix.Row{}
		}
		if m.Groups == nil {
			m.Groups = []matrix.Group{}
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var want, have any
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got.Bytes(), &have); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := strings.Count(got.String(), "\n    {\"id\":\""); n != len(m.Rows)+len(m.Groups) {
			t.Errorf("%s: %d one-line items for %d rows and %d groups", name, n, len(m.Rows), len(m.Groups))
		}
		if diff := cmp.Diff(want, have); diff != "" {
			t.Errorf("%s (-encoding/json +JSON):\n%s", name, diff)
		}
	}
}

func TestReadRejects(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	const rerun = "matrix.json is sc8scan.dev/v1alpha1; this sc8scan reads sc8scan.dev/v1alpha2: re-run the scan"
	old := bytes.Replace(buf.Bytes(), []byte(`"apiVersion": "sc8scan.dev/v1alpha2"`), []byte(`"apiVersion": "sc8scan.dev/v1alpha1"`), 1)
	tests := []struct {
		name, doc, want string
	}{
		{"v1alpha1", string(old), rerun},
		// A v1alpha1 document that does not even decode still gets the
		// advice, read from its head.
		{"v1alpha1 undecodable", `{"apiVersion":"sc8scan.dev/v1alpha1","kind":"Matrix","rows":[{"pathId":"x","cells":[{"check":"x","status":"MAYBE"}]}]}`, rerun},
		{"pod", `{"apiVersion":"v1","kind":"Pod"}`, `not a sc8scan.dev/v1alpha2 Matrix document (apiVersion "v1", kind "Pod")`},
		{"missing group", strings.Replace(buf.String(), `"id":"`+sample().Groups[1].ID+`"`, `"id":"gone"`, 1), "its group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Read = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestFormatsAgree counts FAIL cells in every format: the outputs must tell
// the same story.
func TestFormatsAgree(t *testing.T) {
	m := rich()
	want := m.Summary.Counts[matrix.Fail]
	if want == 0 {
		t.Fatal("rich has no FAIL")
	}
	var c bytes.Buffer
	if err := CSV(&c, m); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(CSVColumns, recs[0]); diff != "" {
		t.Errorf("csv columns (-want +got):\n%s", diff)
	}
	// A check that did not run is one line for its NOT-TESTED cells, their
	// number in the members column.
	cells := 0
	for _, r := range recs[1:] {
		if r[1] != "*" {
			cells++
			continue
		}
		n, err := strconv.Atoi(r[4])
		if err != nil || r[6] != string(matrix.NotTested) || !strings.HasPrefix(r[7], "not run in this scan: ") {
			t.Errorf("bad line for a check that did not run: %q", r)
		}
		cells += n
	}
	if cells != m.Summary.Cells {
		t.Errorf("csv has %d cells, the matrix %d", cells, m.Summary.Cells)
	}
	got := 0
	for _, r := range recs[1:] {
		if r[1] == "*" {
			continue
		}
		if r[6] == "FAIL" {
			got++
		}
		for _, f := range r {
			if f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
				t.Errorf("formula injection in CSV: %q", f)
			}
		}
		if (r[2] == "") != (r[3] == "") || (r[2] == "") != (r[4] == "") {
			t.Errorf("class columns half filled: %q", r)
		}
	}
	if got != want {
		t.Errorf("csv FAIL cells %d, summary %d", got, want)
	}
	var md bytes.Buffer
	if err := Markdown(&md, m); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(md.String(), "- **FAIL**"); n != want {
		t.Errorf("markdown FAIL findings %d, summary %d", n, want)
	}
	var tb bytes.Buffer
	if err := Table(&tb, m, Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tb.String(), "\x1b[31;1mFAIL") {
		t.Error("colour requested but not painted")
	}
	tb.Reset()
	if err := Table(&tb, m, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tb.String(), "\x1b[") {
		t.Error("colour without a TTY")
	}
}

func TestTable(t *testing.T) {
	m := rich()
	var buf bytes.Buffer
	if err := Table(&buf, m, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"3 destination ports, 5 source classes, 12 paths", "2 classes, 8 sources", "2 classes, 3 sources"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// shop/frontend:8080: POLICY is FAIL in one class, WIRE is WARN in
	// the other: the row shows the worst of each over its classes.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "shop/frontend:8080") {
			f := strings.Fields(line)
			// DESTINATION, "2 classes, 8 sources" (4 fields), 9 checks, WORST
			if len(f) != 1+4+9+1 {
				t.Fatalf("line %q", line)
			}
			if got := f[5:]; !cmp.Equal(got, []string{"FAIL", "PASS", "WARN", "ERR", "WVD", "FAIL", "WARN", "N/A", "FAIL", "FAIL"}) {
				t.Errorf("shop/frontend:8080 statuses %v", got)
			}
		}
	}
	if strings.Contains(out, "\x1b") || strings.Count(out, "\n") < 10 {
		t.Errorf("table holds an escape or is short:\n%s", out)
	}
	buf.Reset()
	if err := Table(&buf, m, Options{MaxRows: 1, ByClass: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "... 2 more destination ports") || strings.Contains(buf.String(), "shop/frontend:8080  ") {
		t.Errorf("MaxRows 1:\n%s", buf.String())
	}
}

func TestPathQueryErrors(t *testing.T) {
	f := matrix.Filter{Source: "nobody/x", Destination: "shop/frontend:8080"}
	for _, format := range PathFormats {
		var buf bytes.Buffer
		err := WritePaths(&buf, rich(), f, format)
		if !errors.Is(err, ErrNoPath) || err.Error() != "no path matches --source nobody/x --destination shop/frontend:8080" || buf.Len() != 0 {
			t.Errorf("%s: err %v, wrote %q", format, err, buf.String())
		}
	}
	var buf bytes.Buffer
	if err := CSVExpanded(&buf, rich(), matrix.Filter{Destination: "shop/nothing"}); !errors.Is(err, ErrNoPath) || err.Error() != "no path matches --destination shop/nothing" || buf.Len() != 0 {
		t.Errorf("CSVExpanded: err %v, wrote %q", err, buf.String())
	}
	if err := WritePaths(&buf, rich(), f, "html"); err == nil || errors.Is(err, ErrNoPath) {
		t.Errorf("html path query: %v", err)
	}
}

// TestFindingsListed: Markdown and HTML list the first findingsListed
// findings of each check and status and count the rest, so the reports
// people read stay readable on a large cluster; every finding is still
// counted.
func TestFindingsListed(t *testing.T) {
	m := bigMatrix(1000, 3, 40, 4)
	fails := 0
	_ = eachCell(m, func(_ *matrix.Row, _ *matrix.Class, c *matrix.Cell) error {
		if c.Status == matrix.Fail && c.Check == matrix.CheckPlaintextRefused {
			fails++
		}
		return nil
	})
	if fails <= findingsListed {
		t.Fatalf("only %d FAIL cells of plaintext-refused: the test needs more", fails)
	}
	for _, f := range []string{"markdown", "html"} {
		var buf bytes.Buffer
		if err := Render(&buf, m, f, Options{}); err != nil {
			t.Fatal(err)
		}
		more := fmt.Sprintf("%d more FAIL cells of ", fails-findingsListed)
		if !strings.Contains(buf.String(), more) {
			t.Errorf("%s: no line %q", f, more)
		}
	}
}
