package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// mdReplacer escapes table-breaking characters; it is immutable and safe for
// concurrent use, so one serves every render.
var mdReplacer = strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;")

func mdEscape(s string) string { return mdReplacer.Replace(s) }

// listed is how many members of a class the human formats name; the full
// lists live in matrix.json.
const listed = 5

// Markdown writes the matrix as a document an auditor can read: scope,
// roll-ups per control objective, the matrix (one table row per
// destination port with its destination cells, and under it one per
// source class with its key, member count, first members and source
// cells), and every non-passing cell with its reason and evidence. It is
// written as it goes and its size follows rows and classes, never paths.
func Markdown(w io.Writer, m *matrix.Matrix) error {
	bw := bufio.NewWriter(w)
	ix := matrix.NewIndex(m)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	s := m.Summary
	p("# SC-8 compliance matrix: %s\n\n", mdEscape(m.Cluster))
	p("Generated %s by %s %s (%s; crypto %s). Profile: %s.\n\n", m.GeneratedAt.Format("2006-01-02 15:04:05 MST"), mdEscape(m.Scanner.Name), mdEscape(m.Scanner.Version), mdEscape(m.Scanner.GoVersion), mdEscape(m.Scanner.CryptoBackend), mdEscape(m.Profile))
	p("## Scope\n\n")
	for _, sc := range m.Scope {
		p("- %s\n", mdEscape(sc))
	}
	p("\n## Control objectives\n\n| Control | Objective | Status | Cells |\n|---|---|---|---|\n")
	title := map[string]matrix.Control{}
	for _, c := range m.Controls {
		title[c.ID] = c
	}
	for _, r := range s.ByControl {
		c := title[r.ID]
		p("| %s | %s | **%s** | %s |\n", mdEscape(c.Title), c.Objective, r.Status, counts(r.Counts))
	}
	p("\nCoverage: **%s** of applicable cells rest on evidence (%d of %d applicable cells tested, %d cells in all). Overall: **%s**.\n\n", pct(s.Coverage), s.Tested, s.Applicable, s.Cells, s.Status)
	p("The matrix has %s, %s and %s. A path's cells are the destination cells of its port and the source cells of its class: each verdict is written once, however many paths share it.\n\n",
		plural(s.Rows, "destination port", "destination ports"), plural(s.Classes, "source class", "source classes"), plural(s.Paths, "service path", "service paths"))
	if b := m.Baseline; b != nil {
		markdownChanges(p, m, b, title)
	}
	p("## Checks\n\n| Column | Check | Decided | Controls | Status | Cells |\n|---|---|---|---|---|---|\n")
	for i, c := range m.Checks {
		st, cs := matrix.NotTested, "none"
		if i < len(s.ByCheck) && s.ByCheck[i].ID == c.ID {
			st, cs = s.ByCheck[i].Status, counts(s.ByCheck[i].Counts)
		}
		level := "per destination port"
		if isSource(c) {
			level = "per source class"
		}
		p("| %s | %s: %s | %s | %s | %s | %s |\n", head(c.ID), mdEscape(c.Title), mdEscape(c.Description), level, strings.Join(c.Controls, ", "), st, cs)
	}
	p("\n## Matrix\n\nOne row per destination Service port with its destination cells, then one row (↳) per source class under it with its source cells: the sources the evidence cannot tell apart, with the first %d of them (matrix.json lists them all). A class's status is the status of each of its paths.\n\n", listed)
	p("| Destination / source class | Sources |")
	for _, c := range m.Checks {
		p(" %s |", head(c.ID))
	}
	p(" Status |\n|---|---|")
	for range m.Checks {
		p("---|")
	}
	p("---|\n")
	for i := range m.Rows {
		r := &m.Rows[i]
		p("| **%s** `%s` | %s |", mdEscape(dstName(r.Destination)), shortID(r.ID), rowSize(r))
		for _, c := range m.Checks {
			if isSource(c) {
				p(" |")
				continue
			}
			p(" %s |", statusOf(r.Cell(c.ID)))
		}
		p(" **%s** |\n", r.Status)
		for j := range r.Classes {
			cl := &r.Classes[j]
			p("| ↳ `%s` %s | %s: %s |", shortID(cl.ID), mdEscape(cl.Key), sources(cl.Members), mdEscape(memberList(ix, cl, listed)))
			for _, c := range m.Checks {
				if !isSource(c) {
					p(" |")
					continue
				}
				p(" %s |", statusOf(cl.Cell(c.ID)))
			}
			p(" **%s** |\n", cl.Status)
		}
	}
	p("\n## Findings\n\nEvery FAIL, ERROR and WARN cell, with its reason and evidence: the first %d of each check and status, then their count (the matrix above, matrix.csv and matrix.json list every one).\n\n", findingsListed)
	n := 0
	_ = eachListedFinding(m, findingsListed, func(r *matrix.Row, cl *matrix.Class, c *matrix.Cell) error {
		n++
		if cl == nil {
			p("- **%s** %s, %s (row `%s`): %s", c.Status, c.Check, mdEscape(dstName(r.Destination)), r.ID, mdEscape(c.Reason))
		} else {
			p("- **%s** %s, %s from %s of class `%s` (%s): %s", c.Status, c.Check, mdEscape(dstName(r.Destination)), sources(cl.Members), cl.ID, mdEscape(cl.Key), mdEscape(c.Reason))
		}
		if len(c.Evidence) > 0 {
			p(" Evidence: %s.", mdEscape(strings.Join(c.Evidence, ", ")))
		}
		if c.Waiver != "" {
			p(" Waiver: %s.", mdEscape(c.Waiver))
		}
		p("\n")
		return nil
	}, func(check string, st matrix.Status, more int) error {
		p("- and %d more %s cells of %s.\n", more, st, check)
		return nil
	})
	if n == 0 {
		p("None.\n")
	}
	p("\n## Not tested\n\nCells no evidence reached, grouped by reason.\n\n")
	order, reasons := notTested(m)
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
			p("| %s | %d | %s | %s | %s | %s |\n", mdEscape(wv.ID), wv.Cells, wv.Expires.Format("2006-01-02"), mdEscape(wv.Approver), mdEscape(wv.Justification), state)
		}
	}
	if len(m.Evidence) > 0 {
		p("\n## Evidence\n\n| Id | Kind | File | SHA-256 |\n|---|---|---|---|\n")
		for _, e := range m.Evidence {
			p("| %s | %s | %s | `%s` |\n", mdEscape(e.ID), mdEscape(e.Kind), mdEscape(e.File), mdEscape(e.SHA256))
		}
	}
	if len(m.Problems) > 0 {
		p("\n## Input problems\n\n")
		for _, pr := range m.Problems {
			p("- %s\n", mdEscape(pr))
		}
	}
	return bw.Flush()
}

// markdownChanges writes the "Changes since the baseline" section: counts
// per control objective, then the regressed and new cells, the improved
// ones and the resolved ones, the first listed of each.
func markdownChanges(p func(string, ...any), m *matrix.Matrix, b *matrix.Baseline, title map[string]matrix.Control) {
	p("## Changes since the baseline\n\nBaseline generated %s", b.GeneratedAt.Format("2006-01-02 15:04:05 MST"))
	if b.File != "" {
		p(" (`%s`)", mdEscape(b.File))
	}
	p(". Cells by change: %s.\n\n| Control | Objective |", changeCounts(b.Counts))
	for _, c := range matrix.Changes {
		p(" %s |", c)
	}
	p("\n|---|---|")
	for range matrix.Changes {
		p("---|")
	}
	p("\n")
	for _, cc := range b.Controls {
		c := title[cc.Control]
		p("| %s | %s |", mdEscape(c.Title), c.Objective)
		for _, ch := range matrix.Changes {
			p(" %d |", cc.Counts[ch])
		}
		p("\n")
	}
	for _, want := range []struct{ change, heading string }{
		{matrix.ChangeRegressed, "Regressed"}, {matrix.ChangeNew, "New"}, {matrix.ChangeImproved, "Improved"},
	} {
		n := 0
		_ = eachCell(m, func(r *matrix.Row, cl *matrix.Class, c *matrix.Cell) error {
			if c.Change != want.change || (want.change == matrix.ChangeNew && c.Status == matrix.Pass) {
				return nil
			}
			if n == 0 {
				p("\n### %s\n\n", want.heading)
			}
			n++
			if n <= listed*10 {
				where := mdEscape(dstName(r.Destination))
				if cl != nil {
					where += " ↳ " + mdEscape(cl.Key)
				}
				p("- %s %s: **%s**: %s\n", where, c.Check, c.Status, mdEscape(c.Reason))
			}
			return nil
		})
		if n > listed*10 {
			p("- and %d more (matrix.json and matrix.csv have them all)\n", n-listed*10)
		}
	}
	if len(b.Resolved) > 0 {
		p("\n### Resolved (gone since the baseline)\n\n")
		for i, r := range b.Resolved {
			if i == listed*10 {
				p("- and %d more (matrix.json has them all)\n", len(b.Resolved)-i)
				break
			}
			where := mdEscape(r.Destination)
			if r.ClassKey != "" {
				where += " ↳ " + mdEscape(r.ClassKey)
			}
			p("- %s %s: was %s\n", where, r.Check, r.Was)
		}
	}
	p("\n")
}

// changeCounts renders counts by change in report order.
func changeCounts(c map[string]int) string {
	var parts []string
	for _, ch := range matrix.Changes {
		parts = append(parts, fmt.Sprintf("%d %s", c[ch], ch))
	}
	return strings.Join(parts, ", ")
}
