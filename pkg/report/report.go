package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// Formats lists the formats Render accepts.
var Formats = []string{"table", "markdown", "csv", "json", "html", "junit", "sarif", "oscal", "poam"}

// BundleFormats are the formats a scan bundle holds by default.
var BundleFormats = []string{"json", "markdown", "csv", "html", "oscal", "junit", "sarif", "poam"}

// Extension returns the file name extension of a format, distinct for
// each format ("sarif.json", "oscal.json", "junit.xml", "poam.csv").
func Extension(format string) string {
	switch format {
	case "markdown":
		return "md"
	case "table":
		return "txt"
	case "junit":
		return "junit.xml"
	case "sarif":
		return "sarif.json"
	case "oscal":
		return "oscal.json"
	case "poam":
		return "poam.csv"
	}
	return format
}

// FileName returns the name of a format's file in the scan bundle:
// matrix.<ext> for the matrix renderings, and the names the consuming
// tools expect for the others (oscal-assessment-results.json, junit.xml,
// sarif.json, poam.csv).
func FileName(format string) string {
	switch format {
	case "oscal":
		return "oscal-assessment-results.json"
	case "junit":
		return "junit.xml"
	case "sarif":
		return "sarif.json"
	case "poam":
		return "poam.csv"
	}
	return "matrix." + Extension(format)
}

// Options tune rendering.
type Options struct {
	// Color adds ANSI colours to the table (the CLI sets it on a TTY).
	Color bool
	// MaxRows limits the table's rows (0: all); the summary always counts
	// every row.
	MaxRows int
	// ByPath prints one table line per path instead of one per destination.
	ByPath bool
}

// Render writes m to w in format.
func Render(w io.Writer, m *matrix.Matrix, format string, o Options) error {
	switch format {
	case "table":
		return Table(w, m, o)
	case "markdown":
		return Markdown(w, m)
	case "csv":
		return CSV(w, m)
	case "json":
		return JSON(w, m)
	case "html":
		return HTML(w, m)
	case "junit":
		return JUnit(w, m)
	case "sarif":
		return SARIF(w, m)
	case "oscal":
		return OSCAL(w, m)
	case "poam":
		return POAM(w, m)
	}
	return fmt.Errorf("unknown format %q (known: %s)", format, strings.Join(Formats, ", "))
}

// JSON writes the matrix document.
func JSON(w io.Writer, m *matrix.Matrix) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// Read decodes a matrix document written by JSON, checking its apiVersion
// and kind.
func Read(r io.Reader) (*matrix.Matrix, error) {
	var m matrix.Matrix
	dec := json.NewDecoder(io.LimitReader(r, 1<<30))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decoding matrix: %w", err)
	}
	if m.Kind != matrix.Kind || m.APIVersion != matrix.APIVersion {
		return nil, fmt.Errorf("not a %s %s document (apiVersion %q, kind %q)", matrix.APIVersion, matrix.Kind, m.APIVersion, m.Kind)
	}
	return &m, nil
}

func short(s matrix.Status) string {
	switch s {
	case matrix.NotTested:
		return "N/T"
	case matrix.Waived:
		return "WVD"
	case matrix.Error:
		return "ERR"
	}
	return string(s)
}

func rowName(r matrix.Row) (string, string) {
	return fmt.Sprintf("%s/%s", r.Source.Namespace, r.Source.Name), fmt.Sprintf("%s/%s:%d", r.Destination.Namespace, r.Destination.Service, r.Destination.Port)
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

func counts(c map[matrix.Status]int) string {
	var parts []string
	for _, s := range matrix.Statuses {
		if n := c[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// findings lists the cells that need attention (FAIL, ERROR, WARN), worst
// first, one per (status, check, destination) with the first path's reason,
// so that one cause reads once; matrix.md and matrix.csv list every cell.
type finding struct {
	status matrix.Status
	check  string
	reason string
	paths  []string
}

func findings(m *matrix.Matrix) []finding {
	idx := map[string]*finding{}
	var order []string
	for _, r := range m.Rows {
		src, dst := rowName(r)
		for _, c := range r.Cells {
			if c.Status != matrix.Fail && c.Status != matrix.Error && c.Status != matrix.Warn {
				continue
			}
			k := string(c.Status) + "\x00" + c.Check + "\x00" + dst
			f := idx[k]
			if f == nil {
				f = &finding{status: c.Status, check: c.Check, reason: dst + ": " + c.Reason}
				idx[k] = f
				order = append(order, k)
			}
			f.paths = append(f.paths, src)
		}
	}
	out := make([]finding, 0, len(order))
	for _, k := range order {
		out = append(out, *idx[k])
	}
	rank := map[matrix.Status]int{matrix.Fail: 0, matrix.Error: 1, matrix.Warn: 2}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].status] < rank[out[j].status] })
	return out
}
