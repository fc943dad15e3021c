package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/internal/golden"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// rich is sample() with a third destination port, shop/frontend:8080,
// whose cells and classes hold every status, a waiver, expired waivers
// and hostile text in reasons and a class key.
func rich() *matrix.Matrix {
	m := sample()
	m.Evidence = append(m.Evidence, matrix.Evidence{ID: "policy-report", Kind: "PolicyReport", File: "evidence/policy-report.json", SHA256: strings.Repeat("b", 64)})
	b := builder{m}
	hostile := "<script>alert(1)</script> & \"quoted\" =HYPERLINK(\"http://x\")\nsecond line"
	b.row(matrix.Destination{Namespace: "shop", Service: "frontend", Port: 8080, AppProtocol: "http", Mesh: "sidecar"}, cellsOf(matrix.DestinationChecks, nil, map[string]matrix.Cell{
		matrix.CheckPlaintextRefused:  {Status: matrix.Fail, Reason: hostile, Evidence: []string{"probe-report#results[1]"}},
		matrix.CheckTLSMinVersion:     {Status: matrix.Pass, Reason: "TLSv1.2 and TLSv1.3 only", Evidence: []string{"probe-report#results[1]", "unknown-doc#x"}},
		matrix.CheckCipherSuites:      {Status: matrix.Warn, Reason: "-transitional suite", Evidence: []string{"probe-report#results[1]"}},
		matrix.CheckServerCertificate: {Status: matrix.Error, Reason: "probe could not test TLS: reset", Evidence: []string{"probe-report#results[1]"}},
		matrix.CheckClientCertificate: {Status: matrix.Waived, Reason: "waived by W-2 until 2027-01-01", Evidence: []string{"probe-report#results[1]"}, Waiver: "W-2"},
	}))
	var carts []string
	for i := range 7 {
		carts = append(carts, fmt.Sprintf("cart-%d", i))
	}
	b.class("mesh none; client plaintext", "none", workloads("shop", "Deployment", "none", carts...), cellsOf(matrix.SourceChecks, nil, map[string]matrix.Cell{
		matrix.CheckMeshPolicy:      {Status: matrix.Fail, Reason: "PERMISSIVE", Evidence: []string{"policy-report#paths[0]"}, Waiver: "W-1 (expired)"},
		matrix.CheckEncryptedOnWire: {Status: matrix.Pass, Reason: "TLS from the first byte", Evidence: []string{"flow-report#flows[1]"}},
		matrix.CheckFIPSCrypto:      {Status: matrix.NA, Reason: "no image"},
	}))
	b.class("=mesh none; client DISABLE by shop/<dr> | x\nnext", "none", workloads("shop", "Deployment", "none", "checkout"), cellsOf(matrix.SourceChecks, nil, map[string]matrix.Cell{
		matrix.CheckMeshPolicy:        {Status: matrix.Pass, Reason: "STRICT", Evidence: []string{"policy-report#paths[1]"}},
		matrix.CheckEncryptedOnWire:   {Status: matrix.Warn, Reason: "flow seen in cleartext", Evidence: []string{"flow-report#flows[2]"}, Waiver: "W-3 (expired)"},
		matrix.CheckFIPSCrypto:        {Status: matrix.NA, Reason: "no image"},
		matrix.CheckPolicyObservation: {Status: matrix.Fail, Reason: "@plaintext seen, the policy predicts mTLS", Evidence: []string{"policy-report#paths[1]", "probe-report#results[1]"}},
	}))
	m.Waivers = []matrix.WaiverUse{
		{ID: "W-1", Cells: 1, Expired: true, Expires: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Approver: "isso@example.gov", Justification: "<b>legacy</b>"},
		{ID: "W-2", Cells: 1, Expires: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Approver: "isso@example.gov", Justification: "public"},
	}
	m.Summarize()
	return m
}

// empty is a matrix with no paths at all.
func empty() *matrix.Matrix {
	m := sample()
	m.Rows = nil
	m.Groups = nil
	m.Evidence = nil
	m.Problems = nil
	m.Summarize()
	return m
}

// poamCells counts the failing cells a POA&M asset identifier stands for:
// the row's own, or one per class listed.
func poamCells(asset string) int {
	if _, classes, ok := strings.Cut(asset, " classes: "); ok {
		return len(strings.Split(classes, ", "))
	}
	return 1
}

func TestGoldenRich(t *testing.T) {
	for _, f := range []string{"html", "junit", "sarif", "oscal", "poam"} {
		var buf bytes.Buffer
		if err := Render(&buf, rich(), f, Options{}); err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, "rich."+Extension(f), buf.Bytes())
	}
}

func TestFileNames(t *testing.T) {
	got := map[string]string{}
	for _, f := range BundleFormats {
		got[f] = FileName(f)
	}
	want := map[string]string{"json": "matrix.json", "markdown": "matrix.md", "csv": "matrix.csv", "html": "matrix.html",
		"oscal": "oscal-assessment-results.json", "junit": "junit.xml", "sarif": "sarif.json", "poam": "poam.csv"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bundle file names (-want +got):\n%s", diff)
	}
	seen := map[string]string{}
	for _, f := range Formats {
		e := Extension(f)
		if prev, ok := seen[e]; ok {
			t.Errorf("formats %s and %s share the extension %s", prev, f, e)
		}
		seen[e] = f
	}
}

// counted is what one format says about a matrix.
type counted struct {
	Fail, Error, Warn, Waived, Skipped int
}

func countJUnit(t *testing.T, data []byte) counted {
	t.Helper()
	var doc junitSuites
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var c counted
	failures, errors, skipped := 0, 0, 0
	for _, s := range doc.Suites {
		failures += s.Failures
		errors += s.Errors
		skipped += s.Skipped
		for _, tc := range s.Cases {
			switch {
			case tc.Failure != nil:
				c.Fail++
			case tc.Error != nil:
				c.Error++
			case tc.Skipped != nil && strings.HasPrefix(tc.Skipped.Message, "not run in this scan: "):
				// A check that did not run: one testcase for its cells.
				var n int
				if _, err := fmt.Sscanf(tc.Name[strings.LastIndex(tc.Name, "(")+1:], "%d", &n); err != nil || n == 0 {
					t.Errorf("not-run testcase %q does not count its cells", tc.Name)
				}
				c.Skipped += n
				skipped += n - 1
			case tc.Skipped != nil:
				c.Skipped++
			case strings.HasPrefix(tc.SystemOut, "WARN"):
				c.Warn++
			case strings.HasPrefix(tc.SystemOut, "WAIVED"):
				c.Waived++
			}
		}
	}
	if failures != c.Fail || errors != c.Error || skipped != c.Skipped || doc.Failures != c.Fail || doc.Errors != c.Error {
		t.Errorf("junit attributes (failures %d/%d, errors %d/%d, skipped %d) disagree with its testcases %+v", failures, doc.Failures, errors, doc.Errors, skipped, c)
	}
	return c
}

func countSARIF(t *testing.T, data []byte) counted {
	t.Helper()
	var doc sarifLog
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var c counted
	for _, r := range doc.Runs[0].Results {
		switch r.Properties["status"] {
		case "FAIL":
			c.Fail++
		case "ERROR":
			c.Error++
		case "WARN":
			c.Warn++
		}
	}
	return c
}

func countOSCAL(t *testing.T, data []byte) counted {
	t.Helper()
	var doc oscalDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var c counted
	for _, o := range doc.AssessmentResults.Results[0].Observations {
		for _, p := range o.Props {
			if p.Name != "status" {
				continue
			}
			switch p.Value {
			case "FAIL":
				c.Fail++
			case "WARN":
				c.Warn++
			case "WAIVED":
				c.Waived++
			}
		}
	}
	return c
}

var htmlFindingRE = regexp.MustCompile(`<li><span class="badge (fail|err|warn)">`)

func countHTML(t *testing.T, data []byte) counted {
	t.Helper()
	var c counted
	// The findings list, not the rows' details, which explain every cell.
	if i := bytes.Index(data, []byte(`<h2 id="findings">`)); i >= 0 {
		data = data[i:]
	}
	for _, m := range htmlFindingRE.FindAllSubmatch(data, -1) {
		switch string(m[1]) {
		case "fail":
			c.Fail++
		case "err":
			c.Error++
		case "warn":
			c.Warn++
		}
	}
	return c
}

// TestNewFormatsAgree renders each matrix in every new format and checks
// that each tells the summary's story: the same FAIL (and ERROR, WARN,
// WAIVED where the format carries them) counts.
func TestNewFormatsAgree(t *testing.T) {
	for name, m := range map[string]*matrix.Matrix{"sample": sample(), "rich": rich(), "empty": empty()} {
		t.Run(name, func(t *testing.T) {
			s := m.Summary.Counts
			render := func(f string) []byte {
				var buf bytes.Buffer
				if err := Render(&buf, m, f, Options{}); err != nil {
					t.Fatal(err)
				}
				return buf.Bytes()
			}
			tests := []struct {
				format string
				got    counted
				want   counted
			}{
				{"junit", countJUnit(t, render("junit")), counted{Fail: s[matrix.Fail], Error: s[matrix.Error], Warn: s[matrix.Warn], Waived: s[matrix.Waived], Skipped: s[matrix.NotTested] + s[matrix.NA]}},
				{"sarif", countSARIF(t, render("sarif")), counted{Fail: s[matrix.Fail], Error: s[matrix.Error], Warn: s[matrix.Warn]}},
				{"oscal", countOSCAL(t, render("oscal")), counted{Fail: s[matrix.Fail], Warn: s[matrix.Warn], Waived: s[matrix.Waived]}},
				{"html", countHTML(t, render("html")), counted{Fail: s[matrix.Fail], Error: s[matrix.Error], Warn: s[matrix.Warn]}},
			}
			for _, tt := range tests {
				if diff := cmp.Diff(tt.want, tt.got); diff != "" {
					t.Errorf("%s counts (-summary +%s):\n%s", tt.format, tt.format, diff)
				}
			}
			// POA&M: every FAIL cell and every expired-waiver cell is the
			// row or one class of exactly one item.
			recs, err := csv.NewReader(bytes.NewReader(render("poam"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			_ = eachCell(m, func(_ *matrix.Row, _ *matrix.Class, c *matrix.Cell) error {
				if c.Status == matrix.Fail || expiredWaiver(*c) {
					want++
				}
				return nil
			})
			got := 0
			for _, r := range recs[1:] {
				got += poamCells(r[6])
			}
			if got != want {
				t.Errorf("poam lists %d failing cells, the matrix has %d", got, want)
			}
		})
	}
}

func TestHTMLSelfContainedAndEscaped(t *testing.T) {
	var buf bytes.Buffer
	if err := HTML(&buf, rich(), Options{}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<link", " src=", "url(", "@import", "<b>legacy"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	// One inline script, allowed by its hash and nothing else.
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d scripts, want the one inline", n)
	}
	_, script, _ := strings.Cut(page, "<script>")
	script, _, _ = strings.Cut(script, "</script>")
	for _, bad := range []string{"fetch(", "XMLHttpRequest", "WebSocket", "http", "import(", "eval("} {
		if strings.Contains(script, bad) {
			t.Errorf("the script contains %q: it must read only the page", bad)
		}
	}
	sum := sha256.Sum256([]byte(script))
	csp := `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-` + base64.StdEncoding.EncodeToString(sum[:]) + `'"`
	if !strings.Contains(page, csp) {
		t.Errorf("the page's policy does not allow its script by hash: want %s", csp)
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;legacy", "sc-8.1_obj", strings.Repeat("a", 64),
		`class="s fail"`, "W-2", "shop/frontend:8080", "no evidence: probe: not gathered in this run", "7 sources",
		"shop/Deployment/cart-0, shop/Deployment/cart-1, shop/Deployment/cart-2, shop/Deployment/cart-3, shop/Deployment/cart-4 and 2 more",
		"=mesh none; client DISABLE by shop/&lt;dr&gt; | x"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Every destination port is one group, every class one line in it.
	if n := strings.Count(page, `<tbody class="r" id="r-`); n != 3 {
		t.Errorf("%d destination groups, want 3", n)
	}
	if n := strings.Count(page, `<tr class="c"><td>&#8627; `); n != 5 {
		t.Errorf("%d class lines, want 5", n)
	}
}

// TestHTMLDetails: a row's details hold what Options.Details says of the
// evidence its cells cite, once per piece, with the checks citing it;
// Once facts the row already says are left out; and the budget for
// details, once spent, leaves the later rows naming no evidence and the
// page saying how many.
func TestHTMLDetails(t *testing.T) {
	m := rich()
	var asked []string
	details := func(ref string) (Detail, bool) {
		asked = append(asked, ref)
		return Detail{Heading: "Piece " + ref, Facts: []Fact{{Label: "Said", Value: strings.Repeat("x", 30) + ref},
			{Label: "Again", Value: strings.Repeat("x", 30) + ref, Once: true}}}, true
	}
	render := func(budget int) string {
		asked = nil
		var buf bytes.Buffer
		if err := HTML(&buf, m, Options{Details: details, DetailBytes: budget}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	page := render(0)
	if len(asked) == 0 {
		t.Fatal("no evidence was asked for")
	}
	for i, row := range strings.Split(page, "<tbody")[1:] {
		for _, ref := range asked {
			if n := strings.Count(row, "<strong>Piece "+ref+"</strong>"); n > 1 {
				t.Errorf("row %d details %s %d times, want once", i, ref, n)
			}
		}
	}
	if !strings.Contains(page, "<strong>Piece probe-report#results[0]</strong> <code>probe-report#results[0]</code> <small>for PLAIN MINVER") {
		t.Error("the probe evidence does not say which checks cite it")
	}
	if strings.Contains(page, "<dt>Again</dt>") {
		t.Error("a Once fact the row already says was repeated")
	}
	if strings.Contains(page, "destination ports show their cells without the evidence details") {
		t.Error("the default budget was spent on a small matrix")
	}
	page = render(1)
	if n := strings.Count(page, `<div class="ev">`); n == 0 || n >= len(asked)+1 {
		t.Errorf("%d pieces detailed with a budget of one byte: want the first row's only", n)
	}
	if !strings.Contains(page, "2 destination ports show their cells without the evidence details") {
		t.Error("the page does not say how many ports went without details")
	}
	if page = render(-1); strings.Contains(page, `<div class="ev">`) {
		t.Error("a negative budget still details evidence")
	}
}

func TestJUnitMapping(t *testing.T) {
	var buf bytes.Buffer
	if err := JUnit(&buf, rich()); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != len(matrix.Catalog) {
		t.Fatalf("%d suites, want one per check", len(doc.Suites))
	}
	find := func(check, name string) junitCase {
		for _, s := range doc.Suites {
			if s.Name != check {
				continue
			}
			for _, tc := range s.Cases {
				if tc.Name == name {
					return tc
				}
			}
		}
		t.Fatalf("no testcase %s %q", check, name)
		return junitCase{}
	}
	// One testcase per (row x destination check), one per (class x source
	// check).
	// A check that did not run is one testcase for its NOT-TESTED cells.
	collapsed := notRun(rich())
	if len(collapsed) == 0 {
		t.Error("rich has no check that did not run")
	}
	for _, s := range doc.Suites {
		chk, _ := matrix.CheckByID(s.Name)
		want := 3
		if chk.Level == matrix.LevelSource {
			want = 5
		}
		if nr, ok := collapsed[s.Name]; ok {
			want -= nr.cells - 1
		}
		if len(s.Cases) != want || s.Tests != want {
			t.Errorf("suite %s: %d testcases (tests=%d), want %d", s.Name, len(s.Cases), s.Tests, want)
		}
	}
	row := "shop/frontend:8080"
	cart := row + " <- mesh none; client plaintext"
	if tc := find(matrix.CheckClientCertificate, row); tc.Failure != nil || tc.Skipped != nil || !strings.HasPrefix(tc.SystemOut, "WAIVED (W-2)") {
		t.Errorf("waived cell: %+v", tc)
	}
	if tc := find(matrix.CheckFIPSCrypto, cart); tc.Skipped == nil || !strings.HasPrefix(tc.Skipped.Message, "not applicable") {
		t.Errorf("N/A cell: %+v", tc)
	}
	if tc := find(matrix.CheckPolicyObservation, cart); tc.Skipped == nil || !strings.HasPrefix(tc.Skipped.Message, "not tested: no evidence") {
		t.Errorf("NOT-TESTED cell: %+v", tc)
	}
	if tc := find(matrix.CheckServerCertificate, row); tc.Error == nil {
		t.Errorf("ERROR cell: %+v", tc)
	}
	if tc := find(matrix.CheckPlaintextRefused, row); tc.Failure == nil || !strings.Contains(tc.Failure.Message, "<script>") {
		t.Errorf("FAIL cell: %+v", tc)
	}
	tc := find(matrix.CheckMeshPolicy, cart)
	if tc.Failure == nil || !strings.Contains(tc.Failure.Text, "7 sources: shop/Deployment/cart-0, shop/Deployment/cart-1, shop/Deployment/cart-2 and 4 more") ||
		!strings.Contains(tc.Failure.Text, "class "+rich().Rows[2].Classes[0].ID) || !strings.Contains(tc.Failure.Text, "row "+rich().Rows[2].ID) {
		t.Errorf("class FAIL cell: %+v", tc)
	}
}

func TestSARIFShape(t *testing.T) {
	m := rich()
	var buf bytes.Buffer
	if err := SARIF(&buf, m); err != nil {
		t.Fatal(err)
	}
	var doc sarifLog
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatalf("version %s, %d runs", doc.Version, len(doc.Runs))
	}
	run := doc.Runs[0]
	if len(run.Tool.Driver.Rules) != len(m.Checks) {
		t.Errorf("%d rules, want %d", len(run.Tool.Driver.Rules), len(m.Checks))
	}
	rowIDs, classIDs := map[string]bool{}, map[string]bool{}
	for _, r := range m.Rows {
		rowIDs[r.ID] = true
		for _, cl := range r.Classes {
			classIDs[cl.ID] = true
		}
	}
	for _, r := range run.Results {
		rule := run.Tool.Driver.Rules[r.RuleIndex]
		if rule.ID != r.RuleID {
			t.Errorf("result %s points at rule %s", r.RuleID, rule.ID)
		}
		want := map[string]string{"FAIL": "error", "ERROR": "error", "WARN": "warning"}[r.Properties["status"].(string)]
		if r.Level != want || r.Kind != "fail" {
			t.Errorf("%s result: level %s kind %s", r.Properties["status"], r.Level, r.Kind)
		}
		loc := r.Locations[0].LogicalLocations[0].Name
		if !rowIDs[r.PartialFingerprints["rowId/v1"]] || len(r.Locations) != 1 || !strings.Contains(r.Locations[0].LogicalLocations[0].FullyQualifiedName, "/"+strings.Fields(loc)[0]) {
			t.Errorf("result without row fingerprint or location: %+v", r)
		}
		if id, ok := r.PartialFingerprints["classId/v1"]; ok {
			if !classIDs[id] || !strings.Contains(loc, " from ") || !strings.Contains(r.Message.Text, loc+" (") || !strings.Contains(r.Message.Text, "mesh ") {
				t.Errorf("class result without class fingerprint, location or key: %+v", r)
			}
		}
	}
	var cart string
	for _, r := range run.Results {
		if r.RuleID == matrix.CheckMeshPolicy {
			cart = r.Message.Text
		}
	}
	if want := "FAIL: shop/frontend:8080 from 7 sources (mesh none; client plaintext: shop/Deployment/cart-0, shop/Deployment/cart-1, shop/Deployment/cart-2 and 4 more): PERMISSIVE"; cart != want {
		t.Errorf("class result message\n got %q\nwant %q", cart, want)
	}
	controls, _ := json.Marshal(run.Tool.Driver.Rules[0].Properties)
	if !strings.Contains(string(controls), `"NIST-800-53:sc-8.1"`) {
		t.Errorf("rule properties lack the controls: %s", controls)
	}
}

func TestPOAM(t *testing.T) {
	var buf bytes.Buffer
	if err := POAM(&buf, rich()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(POAMColumns, recs[0]); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	type row struct{ source, asset, due, rating, deviation string }
	var got []row
	for _, r := range recs[1:] {
		if len(r) != len(POAMColumns) {
			t.Fatalf("row of %d fields", len(r))
		}
		for i, f := range r {
			if t0 := strings.TrimLeft(f, " "); t0 != "" && strings.ContainsRune("=+-@", rune(t0[0])) {
				t.Errorf("column %s starts a formula: %q", recs[0][i], f)
			}
			if strings.ContainsAny(f, "\r\n") {
				t.Errorf("column %s spans lines: %q", recs[0][i], f)
			}
		}
		if r[col["Original Detection Date"]] != "2026-11-27" || r[col["Weakness Detector Source"]] != "sc8scan v0.0.0-test" {
			t.Errorf("detection: %q %q", r[col["Original Detection Date"]], r[col["Weakness Detector Source"]])
		}
		asset, _, _ := strings.Cut(r[col["Asset Identifier"]], " row ")
		got = append(got, row{r[col["Weakness Source Identifier"]], asset, r[col["Scheduled Completion Date"]], r[col["Original Risk Rating"]], r[col["Deviation Rationale"]]})
	}
	want := []row{
		{"plaintext-refused", "data/redis:6379", "2026-12-27", "High", ""},
		{"plaintext-refused", "shop/frontend:8080", "2026-12-27", "High", ""},
		{"encrypted-on-wire", "shop/frontend:8080", "2026-12-27", "High", "Waiver W-3 (expired) no longer applies: the weakness is open again."},
		{"mesh-policy-enforcing", "shop/frontend:8080", "2027-02-25", "Moderate", "Waiver W-1 (expired) no longer applies: the weakness is open again."},
		{"policy-observation-agree", "shop/frontend:8080", "2027-05-26", "Low", ""},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(row{})); diff != "" {
		t.Errorf("POA&M rows (-want +got):\n%s", diff)
	}
	m := rich()
	frontend := m.Rows[2]
	if got, want := recs[1][col["Asset Identifier"]], "data/redis:6379 row "+m.Rows[1].ID; got != want {
		t.Errorf("destination asset identifier %q, want %q", got, want)
	}
	if got, want := recs[4][col["Asset Identifier"]], "shop/frontend:8080 row "+frontend.ID+" classes: "+frontend.Classes[0].ID+" (7 sources)"; got != want {
		t.Errorf("class asset identifier %q, want %q", got, want)
	}
}

func TestCheckSeverity(t *testing.T) {
	for _, c := range matrix.Catalog {
		s := CheckSeverity(c.ID)
		if s != High && s != Moderate && s != Low {
			t.Errorf("%s: severity %q", c.ID, s)
		}
		if _, ok := remediation[c.ID]; !ok {
			t.Errorf("%s: no remediation plan", c.ID)
		}
	}
	if High.Days() != 30 || Moderate.Days() != 90 || Low.Days() != 180 {
		t.Error("FedRAMP deadlines are 30, 90 and 180 days")
	}
}
