package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/defenseunicorns/go-oscal/src/pkg/validation"

	"github.com/sc8scan/sc8scan/pkg/internal/lab"
	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/report"
)

// TestDemoMatrixEveryFormat scans testdata/demo against the real loopback
// lab (as make demo does), renders the matrix in every format, and checks
// that each format reports the summary's FAIL count and that the OSCAL
// document is valid OSCAL 1.1.3.
func TestDemoMatrixEveryFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo lab")
	}
	res, err := lab.ScanDemo(context.Background(), "../..", time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Matrix
	fails := m.Summary.Counts[matrix.Fail]
	if fails == 0 || m.Summary.Counts[matrix.Waived] == 0 {
		t.Fatalf("the demo matrix should have FAIL and WAIVED cells: %v", m.Summary.Counts)
	}
	out := map[string][]byte{}
	for _, f := range report.Formats {
		var buf bytes.Buffer
		if err := report.Render(&buf, m, f, report.Options{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = buf.Bytes()
	}

	v, err := validation.NewValidator(out["oscal"])
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(); err != nil {
		t.Fatalf("demo OSCAL: %v", err)
	}

	got := map[string]int{}
	var junit struct {
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(out["junit"], &junit); err != nil {
		t.Fatal(err)
	}
	got["junit"] = junit.Failures
	var sarif struct {
		Runs []struct {
			Results []struct {
				Properties map[string]any `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out["sarif"], &sarif); err != nil {
		t.Fatal(err)
	}
	for _, r := range sarif.Runs[0].Results {
		if r.Properties["status"] == "FAIL" {
			got["sarif"]++
		}
	}
	var ar struct {
		AR struct {
			Results []struct {
				Observations []struct {
					Props []struct{ Name, Value string } `json:"props"`
				} `json:"observations"`
			} `json:"results"`
		} `json:"assessment-results"`
	}
	if err := json.Unmarshal(out["oscal"], &ar); err != nil {
		t.Fatal(err)
	}
	for _, o := range ar.AR.Results[0].Observations {
		for _, p := range o.Props {
			if p.Name == "status" && p.Value == "FAIL" {
				got["oscal"]++
			}
		}
	}
	got["html"] = bytes.Count(out["html"], []byte(`<li><span class="badge fail">FAIL</span>`))
	got["markdown"] = bytes.Count(out["markdown"], []byte("- **FAIL**"))
	recs, err := csv.NewReader(bytes.NewReader(out["csv"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		if r[6] == "FAIL" {
			got["csv"]++
		}
	}
	back, err := report.Read(bytes.NewReader(out["json"]))
	if err != nil {
		t.Fatal(err)
	}
	got["json"] = back.Summary.Counts[matrix.Fail]
	poam, err := csv.NewReader(bytes.NewReader(out["poam"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// A POA&M item stands for its row's cell or for one cell per class it
	// lists; expired waivers add cells that are not FAIL.
	poamCells := 0
	for _, r := range poam[1:] {
		if _, classes, ok := strings.Cut(r[6], " classes: "); ok {
			poamCells += len(strings.Split(classes, ", "))
		} else {
			poamCells++
		}
	}
	open := 0
	count := func(cs []matrix.Cell) {
		for _, c := range cs {
			if c.Status == matrix.Fail || strings.HasSuffix(c.Waiver, "(expired)") {
				open++
			}
		}
	}
	for _, r := range m.Rows {
		count(r.Cells)
		for _, c := range r.Classes {
			count(c.Cells)
		}
	}
	if poamCells != open {
		t.Errorf("poam stands for %d cells, the matrix has %d FAIL or expired-waiver cells", poamCells, open)
	}
	for _, f := range []string{"junit", "sarif", "oscal", "html", "markdown", "csv", "json"} {
		if got[f] != fails {
			t.Errorf("%s reports %d FAIL cells, the summary %d", f, got[f], fails)
		}
	}
}
