package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// mdReplacer escapes table-breaking characters; it is immutable and safe for
// concurrent use, so one serves every render.
var mdReplacer = strings.NewReplacer("|", "\\|", "\n", " ", "<", "&lt;", ">", "&gt;")

func mdEscape(s string) string { return mdReplacer.Replace(s) }

// Markdown writes the matrix as a document an auditor can read: scope,
// roll-ups per control objective, the matrix, and every non-passing cell
// with its reason and evidence.
func Markdown(w io.Writer, m *matrix.Matrix) error {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("# SC-8 compliance matrix: %s\n\n", mdEscape(m.Cluster))
	p("Generated %s by %s %s (%s; crypto %s). Profile: %s.\n\n", m.GeneratedAt.Format("2006-01-02 15:04:05 MST"), m.Scanner.Name, m.Scanner.Version, m.Scanner.GoVersion, m.Scanner.CryptoBackend, m.Profile)
	p("## Scope\n\n")
	for _, s := range m.Scope {
		p("- %s\n", mdEscape(s))
	}
	p("\n## Control objectives\n\n| Control | Objective | Status | Cells |\n|---|---|---|---|\n")
	title := map[string]matrix.Control{}
	for _, c := range m.Controls {
		title[c.ID] = c
	}
	for _, r := range m.Summary.ByControl {
		c := title[r.ID]
		p("| %s | %s | **%s** | %s |\n", mdEscape(c.Title), c.Objective, r.Status, counts(r.Counts))
	}
	p("\nCoverage: **%s** of applicable cells rest on evidence (%d of %d applicable cells tested, %d cells in all). Overall: **%s**.\n\n", pct(m.Summary.Coverage), m.Summary.Tested, m.Summary.Applicable, m.Summary.Cells, m.Summary.Status)
	p("## Checks\n\n| Column | Check | Controls | Status | Cells |\n|---|---|---|---|---|\n")
	for i, c := range m.Checks {
		r := m.Summary.ByCheck[i]
		p("| %s | %s: %s | %s | %s | %s |\n", head(c.ID), mdEscape(c.Title), mdEscape(c.Description), strings.Join(c.Controls, ", "), r.Status, counts(r.Counts))
	}
	p("\n## Matrix\n\n| Path id | Source | Destination |")
	for _, c := range m.Checks {
		p(" %s |", head(c.ID))
	}
	p(" Row |\n|---|---|---|")
	for range m.Checks {
		p("---|")
	}
	p("---|\n")
	for _, r := range m.Rows {
		src, dst := rowName(r)
		p("| `%s` | %s (%s) | %s |", r.PathID[:8], mdEscape(src), r.Source.Mesh, mdEscape(dst))
		for _, c := range m.Checks {
			st := matrix.NotTested
			if cell := r.Cell(c.ID); cell != nil {
				st = cell.Status
			}
			p(" %s |", st)
		}
		p(" **%s** |\n", r.Status)
	}
	p("\n## Findings\n\nEvery FAIL, ERROR and WARN cell, with its reason and evidence.\n\n")
	n := 0
	for _, r := range m.Rows {
		src, dst := rowName(r)
		for _, c := range r.Cells {
			if c.Status != matrix.Fail && c.Status != matrix.Error && c.Status != matrix.Warn {
				continue
			}
			n++
			p("- **%s** %s, %s -> %s (path `%s`): %s", c.Status, c.Check, mdEscape(src), mdEscape(dst), r.PathID, mdEscape(c.Reason))
			if len(c.Evidence) > 0 {
				p(" Evidence: %s.", strings.Join(c.Evidence, ", "))
			}
			p("\n")
		}
	}
	if n == 0 {
		p("None.\n")
	}
	p("\n## Not tested\n\nCells no evidence reached, grouped by reason.\n\n")
	reasons := map[string]int{}
	var order []string
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			if c.Status == matrix.NotTested {
				if reasons[c.Reason] == 0 {
					order = append(order, c.Reason)
				}
				reasons[c.Reason]++
			}
		}
	}
	for _, rs := range order {
		p("- %d cells: %s\n", reasons[rs], mdEscape(rs))
	}
	if len(order) == 0 {
		p("None.\n")
	}
	if len(m.Waivers) > 0 {
		p("\n## Waivers\n\n| Id | Cells | Expires | Approver | Justification | State |\n|---|---|---|---|---|---|\n")
		for _, wv := range m.Waivers {
			state := "applied"
			if wv.Expired {
				state = "**expired**"
			}
			p("| %s | %d | %s | %s | %s | %s |\n", wv.ID, wv.Cells, wv.Expires.Format("2006-01-02"), mdEscape(wv.Approver), mdEscape(wv.Justification), state)
		}
	}
	if len(m.Evidence) > 0 {
		p("\n## Evidence\n\n| Id | Kind | File | SHA-256 |\n|---|---|---|---|\n")
		for _, e := range m.Evidence {
			p("| %s | %s | %s | `%s` |\n", e.ID, e.Kind, e.File, e.SHA256)
		}
	}
	if len(m.Problems) > 0 {
		p("\n## Input problems\n\n")
		for _, pr := range m.Problems {
			p("- %s\n", mdEscape(pr))
		}
	}
	return nil
}
