package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

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

// Table writes the matrix for a terminal: one line per path with a short
// status per check, then the roll-ups and the findings with their reasons.
func Table(w io.Writer, m *matrix.Matrix, o Options) error {
	paint := func(s matrix.Status, text string) string {
		if !o.Color {
			return text
		}
		return colors[s] + text + reset
	}
	fmt.Fprintf(w, "SC-8 matrix for %s (%s), profile %s, %d paths\n", m.Cluster, m.Source, m.Profile, len(m.Rows))
	if !o.ByPath {
		fmt.Fprintln(w, "One line per destination; each column is the worst status over the paths to it (--by-path for every path).")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if o.ByPath {
		pathTable(tw, m, o, paint)
	} else {
		destinationTable(tw, m, o, paint)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nColumns:")
	for _, c := range m.Checks {
		fmt.Fprintf(w, "  %-7s %s (%s)\n", head(c.ID), c.Title, strings.Join(c.Controls, ", "))
	}
	fmt.Fprintln(w, "\nControl objectives:")
	for _, r := range m.Summary.ByControl {
		fmt.Fprintf(w, "  %-7s %s  %s\n", r.ID, paint(r.Status, fmt.Sprintf("%-10s", r.Status)), counts(r.Counts))
	}
	fmt.Fprintf(w, "\nCoverage: %s of applicable cells rest on evidence (%d of %d applicable cells tested, %d cells in all)\n", pct(m.Summary.Coverage), m.Summary.Tested, m.Summary.Applicable, m.Summary.Cells)
	fmt.Fprintf(w, "Overall: %s  (%s)\n", paint(m.Summary.Status, string(m.Summary.Status)), counts(m.Summary.Counts))
	if fs := findings(m); len(fs) > 0 {
		fmt.Fprintln(w, "\nFindings:")
		for _, f := range fs {
			fmt.Fprintf(w, "  %s %s %s\n      from %s\n", paint(f.status, fmt.Sprintf("%-5s", short(f.status))), head(f.check), f.reason, pathList(f.paths))
		}
	}
	for _, wv := range m.Waivers {
		state := "applied"
		if wv.Expired {
			state = "EXPIRED"
		}
		fmt.Fprintf(w, "\nWaiver %s (%s, until %s, approved by %s): %d cells\n", wv.ID, state, wv.Expires.Format("2006-01-02"), wv.Approver, wv.Cells)
	}
	if len(m.Problems) > 0 {
		fmt.Fprintf(w, "\nInput problems (%d):\n", len(m.Problems))
		for i, p := range m.Problems {
			if i == 20 {
				fmt.Fprintf(w, "  ... %d more (see matrix.json)\n", len(m.Problems)-i)
				break
			}
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	return nil
}

func pathTable(tw io.Writer, m *matrix.Matrix, o Options, paint func(matrix.Status, string) string) {
	hdr := []string{"SOURCE", "DESTINATION"}
	for _, c := range m.Checks {
		hdr = append(hdr, head(c.ID))
	}
	hdr = append(hdr, "PATH")
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	for i, r := range m.Rows {
		if o.MaxRows > 0 && i >= o.MaxRows {
			fmt.Fprintf(tw, "... %d more rows (see matrix.csv)\n", len(m.Rows)-i)
			break
		}
		src, dst := rowName(r)
		cols := []string{src, dst}
		for _, c := range m.Checks {
			st := matrix.NotTested
			if cell := r.Cell(c.ID); cell != nil {
				st = cell.Status
			}
			cols = append(cols, paint(st, short(st)))
		}
		cols = append(cols, paint(r.Status, short(r.Status)))
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
}

// destinationTable prints one line per destination port: each check shows
// the worst status over every path (source) to it.
func destinationTable(tw io.Writer, m *matrix.Matrix, o Options, paint func(matrix.Status, string) string) {
	type group struct {
		dst     string
		sources int
		worst   map[string][]matrix.Status
		row     []matrix.Status
	}
	var order []string
	groups := map[string]*group{}
	for _, r := range m.Rows {
		_, dst := rowName(r)
		g := groups[dst]
		if g == nil {
			g = &group{dst: dst, worst: map[string][]matrix.Status{}}
			groups[dst] = g
			order = append(order, dst)
		}
		g.sources++
		for _, c := range r.Cells {
			g.worst[c.Check] = append(g.worst[c.Check], c.Status)
		}
		g.row = append(g.row, r.Status)
	}
	hdr := []string{"DESTINATION", "SOURCES"}
	for _, c := range m.Checks {
		hdr = append(hdr, head(c.ID))
	}
	hdr = append(hdr, "WORST")
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	for i, k := range order {
		if o.MaxRows > 0 && i >= o.MaxRows {
			fmt.Fprintf(tw, "... %d more destinations (see matrix.csv)\n", len(order)-i)
			break
		}
		g := groups[k]
		cols := []string{g.dst, fmt.Sprint(g.sources)}
		for _, c := range m.Checks {
			st := matrix.Worst(g.worst[c.ID]...)
			cols = append(cols, paint(st, short(st)))
		}
		st := matrix.Worst(g.row...)
		cols = append(cols, paint(st, short(st)))
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
}

func pathList(ps []string) string {
	if len(ps) <= 3 {
		return strings.Join(ps, ", ")
	}
	return strings.Join(ps[:3], ", ") + fmt.Sprintf(" and %d more sources", len(ps)-3)
}
