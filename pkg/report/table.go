package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

var colors = map[matrix.Status]string{
	matrix.Pass: "\x1b[32m", matrix.Fail: "\x1b[31;1m", matrix.Warn: "\x1b[33m", matrix.Waived: "\x1b[36m",
	matrix.NotTested: "\x1b[90m", matrix.NA: "\x1b[90m", matrix.Error: "\x1b[35m",
}

const reset = "\x1b[0m"

// columnHeads are the short headings of the checks, in catalog order.
var columnHeads = map[string]string{
	matrix.CheckPlaintextRefused:  "PLAIN",
	matrix.CheckTLSMinVersion:     "MINVER",
	matrix.CheckCipherSuites:      "SUITES",
	matrix.CheckServerCertificate: "CERT",
	matrix.CheckClientCertificate: "MTLS",
	matrix.CheckMeshPolicy:        "POLICY",
	matrix.CheckEncryptedOnWire:   "WIRE",
	matrix.CheckFIPSCrypto:        "FIPS",
	matrix.CheckPolicyObservation: "AGREE",
}

func head(check string) string {
	if h, ok := columnHeads[check]; ok {
		return h
	}
	return strings.ToUpper(check)
}

// term makes text from the matrix safe for a terminal: line breaks and
// tabs become blanks, other control characters (escape sequences) '?'.
func term(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return '?'
		}
		return r
	}, s)
}

// pad left-aligns s in a column of width runes.
func pad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// Table writes the matrix for a terminal: one line per destination port
// with a short status per check (a destination check's own cell, a source
// check's worst over the port's classes) and its class and source counts;
// with ByClass one line per source class under it. Then the roll-ups and
// the findings with their reasons. Its size follows rows and classes,
// never paths.
func Table(w io.Writer, m *matrix.Matrix, o Options) error {
	bw := bufio.NewWriter(w)
	ix := matrix.NewIndex(m)
	paint := func(s matrix.Status, text string) string {
		if !o.Color {
			return text
		}
		return colors[s] + text + reset
	}
	s := m.Summary
	fmt.Fprintf(bw, "SC-8 matrix for %s (%s), profile %s: %s, %s, %s\n", term(m.Cluster), term(m.Source), term(m.Profile),
		plural(s.Rows, "destination port", "destination ports"), plural(s.Classes, "source class", "source classes"), plural(s.Paths, "path", "paths"))
	if o.ByClass {
		fmt.Fprintln(bw, "One line per destination port with its destination checks, then one per source class under it with its source checks; every source of a class shares its cells.")
	} else {
		fmt.Fprintln(bw, "One line per destination port: destination checks are decided once per port, a source check shows the worst over the port's source classes (--by-class for every class).")
	}
	fmt.Fprintln(bw)
	tableLines(bw, m, o, paint)

	fmt.Fprintln(bw, "\nColumns:")
	for _, c := range m.Checks {
		level := "per destination port"
		if isSource(c) {
			level = "per source class"
		}
		fmt.Fprintf(bw, "  %-7s %s (%s; %s)\n", head(c.ID), c.Title, strings.Join(c.Controls, ", "), level)
	}
	fmt.Fprintln(bw, "\nControl objectives:")
	for _, r := range s.ByControl {
		fmt.Fprintf(bw, "  %-7s %s  %s\n", r.ID, paint(r.Status, fmt.Sprintf("%-10s", r.Status)), counts(r.Counts))
	}
	fmt.Fprintf(bw, "\nCoverage: %s of applicable cells rest on evidence (%d of %d applicable cells tested, %d cells in all)\n", pct(s.Coverage), s.Tested, s.Applicable, s.Cells)
	fmt.Fprintf(bw, "Overall: %s  (%s)\n", paint(s.Status, string(s.Status)), counts(s.Counts))
	n := 0
	_ = eachFinding(m, func(r *matrix.Row, class *matrix.Class, c *matrix.Cell) error {
		if n == 0 {
			fmt.Fprintln(bw, "\nFindings:")
		}
		n++
		fmt.Fprintf(bw, "  %s %-6s %s: %s\n", paint(c.Status, fmt.Sprintf("%-5s", short(c.Status))), head(c.Check), term(dstName(r.Destination)), term(c.Reason))
		if class != nil {
			fmt.Fprintf(bw, "      from %s (%s): %s\n", sources(class.Members), term(class.Key), term(memberList(ix, class, 3)))
		}
		return nil
	})
	for _, wv := range m.Waivers {
		state := "applied"
		if wv.Expired {
			state = "EXPIRED"
		}
		fmt.Fprintf(bw, "\nWaiver %s (%s, until %s, approved by %s): %d cells\n", term(wv.ID), state, wv.Expires.Format("2006-01-02"), term(wv.Approver), wv.Cells)
	}
	if len(m.Problems) > 0 {
		fmt.Fprintf(bw, "\nInput problems (%d):\n", len(m.Problems))
		for i, p := range m.Problems {
			if i == 20 {
				fmt.Fprintf(bw, "  ... %d more (see matrix.json)\n", len(m.Problems)-i)
				break
			}
			fmt.Fprintf(bw, "  %s\n", term(p))
		}
	}
	return bw.Flush()
}

// tableLines writes the matrix lines. Column widths are measured first
// over the rows and classes shown, so that lines stream out aligned
// (colour codes do not count).
func tableLines(w io.Writer, m *matrix.Matrix, o Options, paint func(matrix.Status, string) string) {
	shown := len(m.Rows)
	if o.MaxRows > 0 && o.MaxRows < shown {
		shown = o.MaxRows
	}
	const classIndent = "  class "
	dstW, srcW := len("DESTINATION"), len("SOURCES")
	for i := range m.Rows[:shown] {
		r := &m.Rows[i]
		dstW = max(dstW, utf8.RuneCountInString(term(dstName(r.Destination))))
		srcW = max(srcW, len(rowSize(r)))
		if o.ByClass {
			dstW = max(dstW, len(classIndent)+8)
			for j := range r.Classes {
				srcW = max(srcW, len(sources(r.Classes[j].Members)))
			}
		}
	}
	widths := make([]int, len(m.Checks))
	hdr := []string{pad("DESTINATION", dstW), pad("SOURCES", srcW)}
	for i, c := range m.Checks {
		widths[i] = max(len(head(c.ID)), 4)
		hdr = append(hdr, pad(head(c.ID), widths[i]))
	}
	hdr = append(hdr, "WORST")
	if o.ByClass {
		hdr[len(hdr)-1] = pad("WORST", 5)
		hdr = append(hdr, "CLASS")
	}
	line := func(cols []string) { fmt.Fprintln(w, strings.TrimRight(strings.Join(cols, "  "), " ")) }
	line(hdr)
	cell := func(st matrix.Status, width int) string {
		return paint(st, short(st)) + strings.Repeat(" ", max(0, width-len(short(st))))
	}
	for i := range m.Rows[:shown] {
		r := &m.Rows[i]
		cols := []string{pad(term(dstName(r.Destination)), dstW), pad(rowSize(r), srcW)}
		for k, c := range m.Checks {
			cols = append(cols, cell(rowStatus(r, c), widths[k]))
		}
		cols = append(cols, paint(r.Status, short(r.Status)))
		line(cols)
		if !o.ByClass {
			continue
		}
		for j := range r.Classes {
			cl := &r.Classes[j]
			cols := []string{pad(classIndent+shortID(cl.ID), dstW), pad(sources(cl.Members), srcW)}
			for k, c := range m.Checks {
				if !isSource(c) {
					cols = append(cols, pad("-", widths[k]))
					continue
				}
				cols = append(cols, cell(statusOf(cl.Cell(c.ID)), widths[k]))
			}
			cols = append(cols, cell(cl.Status, 5), term(cl.Key))
			line(cols)
		}
	}
	if shown < len(m.Rows) {
		fmt.Fprintf(w, "... %d more destination ports (see matrix.csv)\n", len(m.Rows)-shown)
	}
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
