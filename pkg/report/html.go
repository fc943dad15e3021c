package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

//go:embed html.tmpl
var htmlSource string

// htmlTemplate holds the page's parts: head, one row per destination
// port, mid, one finding per cell needing attention, and tail, executed
// in turn so that the page streams out.
var htmlTemplate = template.Must(template.New("matrix").Funcs(template.FuncMap{
	"class": statusClass,
	"short": short,
}).Parse(htmlSource))

// statusClass names the CSS class of a status.
func statusClass(s matrix.Status) string {
	switch s {
	case matrix.Pass:
		return "pass"
	case matrix.Fail:
		return "fail"
	case matrix.Warn:
		return "warn"
	case matrix.Waived:
		return "waived"
	case matrix.NotTested:
		return "nt"
	case matrix.NA:
		return "na"
	case matrix.Error:
		return "err"
	}
	return "unknown"
}

type htmlPage struct {
	M          *matrix.Matrix
	Generated  string
	Coverage   string
	Statuses   []htmlCount
	Controls   []htmlRollup
	Checks     []htmlCheck
	NotTested  []htmlCount
	Waivers    []htmlWaiver
	ColumnHead []string
	Listed     int
	// Findings says whether any finding was written.
	Findings bool
	// FindingsListed is how many findings of a check and status are
	// listed in full.
	FindingsListed int
	// Changes is the baseline comparison, when there is one.
	Changes *htmlChanges
}

type htmlChanges struct {
	Generated, File, Counts string
	Kinds                   []string
	Controls                []htmlChangeRow
	Lists                   []htmlChangeList
}

type htmlChangeRow struct {
	Title, Objective string
	N                []int
}

type htmlChangeList struct {
	Heading string
	Items   []htmlChangeItem
	More    int
}

type htmlChangeItem struct {
	Status               matrix.Status
	Check, Where, Reason string
}

// changes lays out the baseline comparison for the page: counts per
// control objective, then the regressed, new (not passing), improved and
// resolved cells, the first ones of each listed.
func changes(m *matrix.Matrix, ctl map[string]matrix.Control) *htmlChanges {
	b := m.Baseline
	if b == nil {
		return nil
	}
	hc := &htmlChanges{Generated: b.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC"), File: b.File, Counts: changeCounts(b.Counts), Kinds: matrix.Changes}
	for _, cc := range b.Controls {
		c := ctl[cc.Control]
		row := htmlChangeRow{Title: c.Title, Objective: c.Objective}
		for _, k := range matrix.Changes {
			row.N = append(row.N, cc.Counts[k])
		}
		hc.Controls = append(hc.Controls, row)
	}
	const most = listed * 10
	for _, want := range []struct{ change, heading string }{
		{matrix.ChangeRegressed, "Regressed"}, {matrix.ChangeNew, "New"}, {matrix.ChangeImproved, "Improved"},
	} {
		l := htmlChangeList{Heading: want.heading}
		_ = eachCell(m, func(r *matrix.Row, cl *matrix.Class, c *matrix.Cell) error {
			if c.Change != want.change || (want.change == matrix.ChangeNew && c.Status == matrix.Pass) {
				return nil
			}
			if len(l.Items) == most {
				l.More++
				return nil
			}
			where := dstName(r.Destination)
			if cl != nil {
				where += " ↳ " + cl.Key
			}
			l.Items = append(l.Items, htmlChangeItem{Status: c.Status, Check: c.Check, Where: where, Reason: c.Reason})
			return nil
		})
		if len(l.Items) > 0 {
			hc.Lists = append(hc.Lists, l)
		}
	}
	if len(b.Resolved) > 0 {
		l := htmlChangeList{Heading: "Resolved (gone since the baseline)"}
		for _, r := range b.Resolved {
			if len(l.Items) == most {
				l.More++
				continue
			}
			where := r.Destination
			if r.ClassKey != "" {
				where += " ↳ " + r.ClassKey
			}
			l.Items = append(l.Items, htmlChangeItem{Status: r.Was, Check: r.Check, Where: where, Reason: "was " + string(r.Was)})
		}
		hc.Lists = append(hc.Lists, l)
	}
	return hc
}

type htmlCount struct {
	Status matrix.Status
	Label  string
	N      int
}

type htmlRollup struct {
	Title, ID, Objective, Counts string
	Status                       matrix.Status
}

type htmlCheck struct {
	Head, ID, Title, Description, Level, Controls, Counts string
	Status                                                matrix.Status
}

// htmlRow is one destination port of the matrix with its classes; one is
// built at a time.
type htmlRow struct {
	ID, Short, Destination, Mesh, Protocol, Size string
	Status                                       matrix.Status
	Cells                                        []htmlCell
	Classes                                      []htmlClass
}

type htmlClass struct {
	ID, Short, Key, Size, Names string
	Status                      matrix.Status
	Cells                       []htmlCell
}

// htmlCell is one cell of the matrix; Empty for a check decided at the
// other level.
type htmlCell struct {
	Empty  bool
	Status matrix.Status
	Title  string
}

type htmlFinding struct {
	Status                                           matrix.Status
	Class                                            bool
	Check, Destination, RowID, ClassID, Key, Sources string
	Reason, Evidence, Waiver                         string
}

type htmlWaiver struct {
	matrix.WaiverUse
	ExpiresOn string
}

// HTML writes the matrix as one self-contained page for an auditor: inline
// CSS, no scripts, nothing fetched. It shows the scope, the roll-ups per
// control objective, the matrix (one row per destination port with its
// destination cells, under it one per source class with its key, member
// count, first members and source cells; each cell's reason in its
// tooltip), every FAIL, ERROR and WARN cell with its reason and evidence
// ids, the cells not tested grouped by reason, the waivers and the
// evidence documents with their SHA-256. Every text from the matrix is
// escaped by html/template. The page is written row by row and its size
// follows rows and classes, never paths.
func HTML(w io.Writer, m *matrix.Matrix) error {
	bw := bufio.NewWriter(w)
	ix := matrix.NewIndex(m)
	p := htmlPage{M: m, Generated: m.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC"), Coverage: pct(m.Summary.Coverage), Listed: listed, FindingsListed: findingsListed}
	for _, s := range matrix.Statuses {
		p.Statuses = append(p.Statuses, htmlCount{Status: s, Label: string(s), N: m.Summary.Counts[s]})
	}
	ctl := map[string]matrix.Control{}
	for _, c := range m.Controls {
		ctl[c.ID] = c
	}
	for _, r := range m.Summary.ByControl {
		c := ctl[r.ID]
		p.Controls = append(p.Controls, htmlRollup{Title: c.Title, ID: r.ID, Objective: c.Objective, Counts: counts(r.Counts), Status: r.Status})
	}
	for i, c := range m.Checks {
		hc := htmlCheck{Head: head(c.ID), ID: c.ID, Title: c.Title, Description: c.Description, Level: "per destination port", Controls: controlNames(c.Controls), Status: matrix.NotTested, Counts: "none"}
		if isSource(c) {
			hc.Level = "per source class"
		}
		if i < len(m.Summary.ByCheck) && m.Summary.ByCheck[i].ID == c.ID {
			hc.Status, hc.Counts = m.Summary.ByCheck[i].Status, counts(m.Summary.ByCheck[i].Counts)
		}
		p.Checks = append(p.Checks, hc)
		p.ColumnHead = append(p.ColumnHead, head(c.ID))
	}
	order, nt := notTested(m)
	for _, r := range order {
		p.NotTested = append(p.NotTested, htmlCount{Status: matrix.NotTested, Label: r, N: nt[r]})
	}
	for _, wv := range m.Waivers {
		p.Waivers = append(p.Waivers, htmlWaiver{WaiverUse: wv, ExpiresOn: wv.Expires.Format("2006-01-02")})
	}
	p.Changes = changes(m, ctl)
	if err := htmlTemplate.ExecuteTemplate(bw, "head", p); err != nil {
		return err
	}
	skipped := notRun(m)
	cell := func(check string, c *matrix.Cell) htmlCell {
		if c == nil {
			return htmlCell{Status: matrix.NotTested, Title: check + ": no cell"}
		}
		if skipped.stated(c) {
			return htmlCell{Status: c.Status}
		}
		return htmlCell{Status: c.Status, Title: fmt.Sprintf("%s %s: %s", check, c.Status, c.Reason)}
	}
	for i := range m.Rows {
		r := &m.Rows[i]
		hr := htmlRow{ID: r.ID, Short: shortID(r.ID), Destination: dstName(r.Destination), Mesh: r.Destination.Mesh, Protocol: r.Destination.AppProtocol,
			Size: rowSize(r), Status: r.Status}
		for _, c := range m.Checks {
			if isSource(c) {
				hr.Cells = append(hr.Cells, htmlCell{Empty: true})
				continue
			}
			hr.Cells = append(hr.Cells, cell(c.ID, r.Cell(c.ID)))
		}
		for j := range r.Classes {
			cl := &r.Classes[j]
			hc := htmlClass{ID: cl.ID, Short: shortID(cl.ID), Key: cl.Key, Size: sources(cl.Members), Names: memberList(ix, cl, listed), Status: cl.Status}
			for _, c := range m.Checks {
				if !isSource(c) {
					hc.Cells = append(hc.Cells, htmlCell{Empty: true})
					continue
				}
				hc.Cells = append(hc.Cells, cell(c.ID, cl.Cell(c.ID)))
			}
			hr.Classes = append(hr.Classes, hc)
		}
		if err := htmlTemplate.ExecuteTemplate(bw, "row", hr); err != nil {
			return err
		}
	}
	if err := htmlTemplate.ExecuteTemplate(bw, "mid", p); err != nil {
		return err
	}
	err := eachListedFinding(m, findingsListed, func(r *matrix.Row, cl *matrix.Class, c *matrix.Cell) error {
		p.Findings = true
		f := htmlFinding{Status: c.Status, Check: c.Check, Destination: dstName(r.Destination), RowID: r.ID,
			Reason: c.Reason, Evidence: strings.Join(c.Evidence, ", "), Waiver: c.Waiver}
		if cl != nil {
			f.Class, f.ClassID, f.Key, f.Sources = true, cl.ID, cl.Key, sources(cl.Members)
		}
		return htmlTemplate.ExecuteTemplate(bw, "finding", f)
	}, func(check string, st matrix.Status, more int) error {
		return htmlTemplate.ExecuteTemplate(bw, "more", htmlMore{Status: st, Check: check, N: more})
	})
	if err != nil {
		return err
	}
	if err := htmlTemplate.ExecuteTemplate(bw, "tail", p); err != nil {
		return err
	}
	return bw.Flush()
}

// htmlMore is the line that counts the findings of a check and status
// left out of the list.
type htmlMore struct {
	Status matrix.Status
	Check  string
	N      int
}
