package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// FuzzRender puts arbitrary text in every place a matrix carries text from
// outside (reasons, names, class keys, waivers, problems) and renders
// every format and every path format: none may fail, the HTML page may
// hold no markup from the input, the XML, CSV and JSON must parse, the
// OSCAL uuid graph must hold, and the POA&M must stay one line per row
// with no formula.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"", "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "line\nbreak\r\n", "\x00\xff\xfe", " -1+1", "]]><x/>", "{{.M}}"} {
		f.Add(s, "shop")
	}
	f.Fuzz(func(t *testing.T, text, name string) {
		m := rich()
		m.Cluster = name
		m.Groups[0].Members[0].Name = name
		m.Rows[2].Destination.Service = name
		m.Rows[2].Classes[1].Key = "<fuzz-" + text
		_ = eachCell(m, func(_ *matrix.Row, _ *matrix.Class, c *matrix.Cell) error {
			c.Reason = "<fuzz-" + text + c.Reason
			return nil
		})
		m.Waivers[0].Justification = text
		m.Problems = []string{text}
		m.Scope = []string{text}
		m.Summarize()
		for _, format := range Formats {
			var buf bytes.Buffer
			if err := Render(&buf, m, format, Options{}); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			out := buf.Bytes()
			switch format {
			case "html":
				if bytes.Contains(out, []byte("<fuzz-")) {
					t.Errorf("html holds a reason unescaped")
				}
			case "junit":
				if err := xml.Unmarshal(out, new(junitSuites)); err != nil {
					t.Errorf("junit: %v", err)
				}
			case "csv":
				if _, err := csv.NewReader(bytes.NewReader(out)).ReadAll(); err != nil {
					t.Errorf("csv: %v", err)
				}
			case "sarif", "json":
				if !json.Valid(out) {
					t.Errorf("%s: invalid JSON", format)
				}
			case "oscal":
				var doc oscalDocument
				if err := json.Unmarshal(out, &doc); err != nil {
					t.Fatalf("oscal: %v", err)
				}
				if err := checkOSCALRefs(doc); err != nil {
					t.Error(err)
				}
			case "poam":
				recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
				if err != nil {
					t.Fatalf("poam: %v", err)
				}
				for _, r := range recs[1:] {
					for _, field := range r {
						if strings.ContainsAny(field, "\r\n") {
							t.Errorf("poam field spans lines: %q", field)
						}
						if tr := strings.TrimLeft(field, " "); tr != "" && strings.ContainsRune("=+-@\t\r", rune(tr[0])) {
							t.Errorf("poam field starts a formula: %q", field)
						}
					}
				}
			}
		}
		for _, format := range PathFormats {
			var buf bytes.Buffer
			if err := WritePaths(&buf, m, matrix.Filter{}, format); err != nil {
				t.Fatalf("paths %s: %v", format, err)
			}
			switch format {
			case "json":
				if !json.Valid(buf.Bytes()) {
					t.Errorf("paths json: invalid JSON")
				}
			case "csv":
				if _, err := csv.NewReader(&buf).ReadAll(); err != nil {
					t.Errorf("paths csv: %v", err)
				}
			}
		}
	})
}
