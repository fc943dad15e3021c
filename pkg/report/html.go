package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

//go:embed html.tmpl
var htmlSource string

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
	Groups     []htmlGroup
	Findings   []htmlFinding
	NotTested  []htmlCount
	Waivers    []htmlWaiver
	Columns    []matrix.Check
	ColumnHead []string
	// Span is the width of a destination's heading cell in the matrix.
	Span int
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
	Head, ID, Title, Description, Controls, Counts string
	Status                                         matrix.Status
}

type htmlGroup struct {
	Destination, Mesh, Protocol string
	Status                      matrix.Status
	Rows                        []htmlRow
}

type htmlRow struct {
	PathID, Short, Source, Mesh string
	Status                      matrix.Status
	Cells                       []htmlCell
}

type htmlCell struct {
	Status matrix.Status
	Title  string
}

type htmlFinding struct {
	Status                                     matrix.Status
	Check, Source, Destination, PathID, Reason string
	Evidence, Waiver                           string
}

type htmlWaiver struct {
	matrix.WaiverUse
	ExpiresOn string
}

// HTML writes the matrix as one self-contained page for an auditor: inline
// CSS, no scripts, nothing fetched. It shows the scope, the roll-ups per
// control objective, the matrix grouped by destination with coloured cells
// (each cell's reason in its tooltip), every FAIL, ERROR and WARN cell with
// its reason and evidence ids, the cells not tested grouped by reason, the
// waivers and the evidence documents with their SHA-256. Every text from
// the matrix is escaped by html/template.
func HTML(w io.Writer, m *matrix.Matrix) error {
	p := htmlPage{M: m, Generated: m.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC"), Coverage: pct(m.Summary.Coverage), Columns: m.Checks, Span: len(m.Checks) + 1}
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
		hc := htmlCheck{Head: head(c.ID), ID: c.ID, Title: c.Title, Description: c.Description, Controls: controlNames(c.Controls), Status: matrix.NotTested, Counts: "none"}
		if i < len(m.Summary.ByCheck) && m.Summary.ByCheck[i].ID == c.ID {
			hc.Status, hc.Counts = m.Summary.ByCheck[i].Status, counts(m.Summary.ByCheck[i].Counts)
		}
		p.Checks = append(p.Checks, hc)
		p.ColumnHead = append(p.ColumnHead, head(c.ID))
	}
	groupOf := map[string]int{}
	notTested := map[string]int{}
	var ntOrder []string
	for _, r := range m.Rows {
		src, dst := rowName(r)
		gi, ok := groupOf[dst]
		if !ok {
			gi = len(p.Groups)
			groupOf[dst] = gi
			p.Groups = append(p.Groups, htmlGroup{Destination: dst, Mesh: r.Destination.Mesh, Protocol: r.Destination.AppProtocol})
		}
		hr := htmlRow{PathID: r.PathID, Short: shortID(r.PathID), Source: src, Mesh: r.Source.Mesh, Status: r.Status}
		for _, c := range m.Checks {
			cell := r.Cell(c.ID)
			if cell == nil {
				hr.Cells = append(hr.Cells, htmlCell{Status: matrix.NotTested, Title: c.ID + ": no cell"})
				continue
			}
			hr.Cells = append(hr.Cells, htmlCell{Status: cell.Status, Title: fmt.Sprintf("%s %s: %s", c.ID, cell.Status, cell.Reason)})
		}
		g := &p.Groups[gi]
		g.Rows = append(g.Rows, hr)
		if g.Status == "" {
			g.Status = r.Status
		} else {
			g.Status = matrix.Worst(g.Status, r.Status)
		}
		for _, c := range r.Cells {
			if needsAttention(c.Status) {
				p.Findings = append(p.Findings, htmlFinding{Status: c.Status, Check: c.Check, Source: src, Destination: dst, PathID: r.PathID,
					Reason: c.Reason, Evidence: strings.Join(c.Evidence, ", "), Waiver: c.Waiver})
			}
			if c.Status == matrix.NotTested {
				if notTested[c.Reason] == 0 {
					ntOrder = append(ntOrder, c.Reason)
				}
				notTested[c.Reason]++
			}
		}
	}
	rank := map[matrix.Status]int{matrix.Fail: 0, matrix.Error: 1, matrix.Warn: 2}
	sort.SliceStable(p.Findings, func(i, j int) bool { return rank[p.Findings[i].Status] < rank[p.Findings[j].Status] })
	for _, r := range ntOrder {
		p.NotTested = append(p.NotTested, htmlCount{Status: matrix.NotTested, Label: r, N: notTested[r]})
	}
	for _, wv := range m.Waivers {
		p.Waivers = append(p.Waivers, htmlWaiver{WaiverUse: wv, ExpiresOn: wv.Expires.Format("2006-01-02")})
	}
	return htmlTemplate.Execute(w, p)
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
