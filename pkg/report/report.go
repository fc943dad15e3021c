package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
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
	// Default: no colour.
	Color bool
	// MaxRows limits the table to this many destination ports (0, the
	// default: all); the summary always counts every row.
	MaxRows int
	// ByClass adds under each destination port of the table one line per
	// source class, with the class's key, member count and source cells.
	// Default: one line per destination port only.
	ByClass bool
	// Details says what an evidence piece cited by a cell ("probe-report#results[3]")
	// holds, for the HTML page's row details; nil, or false for a
	// reference, names the reference only.
	Details func(ref string) (Detail, bool)
	// DetailBytes bounds the evidence details on the HTML page (0: the
	// default DetailBytes; negative: none).
	DetailBytes int
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
		return HTML(w, m, o)
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

// JSON writes the matrix document, row by row and group by group.
func JSON(w io.Writer, m *matrix.Matrix) error {
	env := *m
	env.Rows, env.Groups = nil, nil
	return writeJSON(w, &env,
		jsonArray{Line: `  "rows": null`, Items: items(m.Rows)},
		jsonArray{Line: `  "groups": null`, Items: items(m.Groups)})
}

// headSize is how much of a document Read keeps to name its apiVersion
// when the rest does not decode.
const headSize = 4096

// Read decodes a matrix document written by JSON, checking its kind and
// apiVersion (a matrix of another version is refused with the advice to
// scan again) and that every class's group is in the document.
func Read(r io.Reader) (*matrix.Matrix, error) {
	var m matrix.Matrix
	head := &prefixWriter{max: headSize}
	dec := json.NewDecoder(io.TeeReader(io.LimitReader(r, 1<<30), head))
	if err := dec.Decode(&m); err != nil {
		if v := headVersion(head.buf.Bytes()); v != "" && v != matrix.APIVersion {
			return nil, versionError(v)
		}
		return nil, fmt.Errorf("decoding matrix: %w", err)
	}
	if m.Kind != matrix.Kind {
		return nil, fmt.Errorf("not a %s %s document (apiVersion %q, kind %q)", matrix.APIVersion, matrix.Kind, m.APIVersion, m.Kind)
	}
	if m.APIVersion != matrix.APIVersion {
		return nil, versionError(m.APIVersion)
	}
	groups := make(map[string]bool, len(m.Groups))
	for _, g := range m.Groups {
		groups[g.ID] = true
	}
	for _, row := range m.Rows {
		for _, c := range row.Classes {
			if c.Members > 0 && !groups[c.Group] {
				return nil, fmt.Errorf("reading matrix: row %s class %s: its group %q is not in the document", row.ID, c.ID, c.Group)
			}
		}
	}
	return &m, nil
}

func versionError(v string) error {
	return fmt.Errorf("matrix.json is %s; this sc8scan reads %s: re-run the scan", v, matrix.APIVersion)
}

// prefixWriter keeps the first max bytes written to it.
type prefixWriter struct {
	buf bytes.Buffer
	max int
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if room := p.max - p.buf.Len(); room > 0 {
		p.buf.Write(b[:min(room, len(b))])
	}
	return len(b), nil
}

// headVersion returns the top-level apiVersion of the JSON document that
// head begins, or "" when head does not reach it.
func headVersion(head []byte) string {
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return ""
		}
		if k == "apiVersion" {
			if v, err := dec.Token(); err == nil {
				if s, ok := v.(string); ok {
					return s
				}
			}
			return ""
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
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

// dstName names a destination port, "ns/service:port".
func dstName(d matrix.Destination) string {
	return d.Namespace + "/" + d.Service + ":" + strconv.Itoa(d.Port)
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

// plural counts n things: "1 source", "12 sources".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func sources(n int) string { return plural(n, "source", "sources") }

// rowSize says how many classes and sources a row has: "3 classes, 412
// sources".
func rowSize(r *matrix.Row) string {
	n := 0
	for i := range r.Classes {
		n += r.Classes[i].Members
	}
	return plural(len(r.Classes), "class", "classes") + ", " + sources(n)
}

// memberNames returns up to n of the class's members as ns/Kind/name, and
// how many it left out. It never looks past the n it names.
func memberNames(ix *matrix.Index, c *matrix.Class, n int) ([]string, int) {
	ms := ix.Members(c)
	if len(ms) > n {
		ms = ms[:n]
	}
	names := make([]string, len(ms))
	for i, e := range ms {
		names[i] = e.String()
	}
	return names, max(0, c.Members-len(names))
}

// memberList renders up to n of the class's members: "a, b, c and 9
// more".
func memberList(ix *matrix.Index, c *matrix.Class, n int) string {
	names, more := memberNames(ix, c, n)
	s := strings.Join(names, ", ")
	if more > 0 {
		if s == "" {
			return fmt.Sprintf("%d unnamed", more)
		}
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// isSource reports whether check c is decided per source class (its
// cells live in Class.Cells) rather than per destination port.
func isSource(c matrix.Check) bool {
	if c.Level == "" {
		if cat, ok := matrix.CheckByID(c.ID); ok {
			return cat.Level == matrix.LevelSource
		}
	}
	return c.Level == matrix.LevelSource
}

// statusOf is the status of a cell, NOT-TESTED when there is none.
func statusOf(c *matrix.Cell) matrix.Status {
	if c == nil {
		return matrix.NotTested
	}
	return c.Status
}

// rowStatus is the status a row shows for check c: its own cell for a
// destination check, the worst over its classes for a source check
// (NOT-TESTED for a row without classes: emptiness is never PASS).
func rowStatus(r *matrix.Row, c matrix.Check) matrix.Status {
	if !isSource(c) {
		return statusOf(r.Cell(c.ID))
	}
	sts := make([]matrix.Status, 0, len(r.Classes))
	for i := range r.Classes {
		sts = append(sts, statusOf(r.Classes[i].Cell(c.ID)))
	}
	return matrix.Worst(sts...)
}

// eachCell calls fn for every cell of m in matrix order: a row's cells,
// then the cells of each of its classes; class is nil for a row's cell.
func eachCell(m *matrix.Matrix, fn func(r *matrix.Row, class *matrix.Class, c *matrix.Cell) error) error {
	for i := range m.Rows {
		r := &m.Rows[i]
		for j := range r.Cells {
			if err := fn(r, nil, &r.Cells[j]); err != nil {
				return err
			}
		}
		for k := range r.Classes {
			cl := &r.Classes[k]
			for j := range cl.Cells {
				if err := fn(r, cl, &cl.Cells[j]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// attention lists the statuses that make a finding, worst first.
var attention = []matrix.Status{matrix.Fail, matrix.Error, matrix.Warn}

// eachFinding calls fn for every FAIL cell, then every ERROR cell, then
// every WARN cell, each in matrix order. It holds nothing: a finding is a
// cell, written once for its row or class however many paths share it.
func eachFinding(m *matrix.Matrix, fn func(r *matrix.Row, class *matrix.Class, c *matrix.Cell) error) error {
	for _, st := range attention {
		err := eachCell(m, func(r *matrix.Row, class *matrix.Class, c *matrix.Cell) error {
			if c.Status != st {
				return nil
			}
			return fn(r, class, c)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// findingsListed is how many findings of one check and status the
// Markdown and HTML reports list in full; the rest are counted (the
// matrix table, matrix.csv and matrix.json hold every one).
const findingsListed = 100

// eachListedFinding is eachFinding for people: it calls fn for the first
// limit findings of each check and status, and more with the number left
// out, after the listed ones of that status.
func eachListedFinding(m *matrix.Matrix, limit int, fn func(r *matrix.Row, class *matrix.Class, c *matrix.Cell) error, more func(check string, st matrix.Status, n int) error) error {
	for _, st := range attention {
		shown := map[string]int{}
		err := eachCell(m, func(r *matrix.Row, class *matrix.Class, c *matrix.Cell) error {
			if c.Status != st {
				return nil
			}
			shown[c.Check]++
			if shown[c.Check] > limit {
				return nil
			}
			return fn(r, class, c)
		})
		if err != nil {
			return err
		}
		for _, chk := range m.Checks {
			if n := shown[chk.ID] - limit; n > 0 {
				if err := more(chk.ID, st, n); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// notRun returns the checks that did not run in this scan, each with its
// reason: every cell of the check is NOT-TESTED for one reason (its
// evidence was not gathered at all, as probes without --probe) or N/A
// (judged without evidence). Formats for people and CI state its NOT-TESTED
// cells once instead of in every cell; its N/A cells stay as they are.
func notRun(m *matrix.Matrix) notRunChecks {
	n := notRunChecks{}
	mixed := map[string]bool{}
	_ = eachCell(m, func(_ *matrix.Row, _ *matrix.Class, c *matrix.Cell) error {
		if mixed[c.Check] || c.Status == matrix.NA {
			return nil
		}
		nr, seen := n[c.Check]
		if c.Status != matrix.NotTested || (seen && nr.reason != c.Reason) {
			mixed[c.Check] = true
			delete(n, c.Check)
			return nil
		}
		n[c.Check] = notRunCheck{c.Reason, nr.cells + 1}
		return nil
	})
	return n
}

// notRunCheck is a check that did not run: the reason of its NOT-TESTED
// cells and their number.
type notRunCheck struct {
	reason string
	cells  int
}

// notRunChecks are the checks that did not run, by check id.
type notRunChecks map[string]notRunCheck

// stated reports whether c is stated once with its check instead of on its
// own: a NOT-TESTED cell of a check that did not run.
func (n notRunChecks) stated(c *matrix.Cell) bool {
	_, ok := n[c.Check]
	return ok && c.Status == matrix.NotTested
}

// notTested counts the NOT-TESTED cells by reason, in order of first
// appearance.
func notTested(m *matrix.Matrix) ([]string, map[string]int) {
	n := map[string]int{}
	var order []string
	_ = eachCell(m, func(_ *matrix.Row, _ *matrix.Class, c *matrix.Cell) error {
		if c.Status == matrix.NotTested {
			if n[c.Reason] == 0 {
				order = append(order, c.Reason)
			}
			n[c.Reason]++
		}
		return nil
	})
	return order, n
}
