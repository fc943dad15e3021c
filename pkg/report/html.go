package report

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

//go:embed html.tmpl
var htmlSource string

// htmlScript is the page's one script: filters and expandable rows. The
// page's Content-Security-Policy allows it by its hash and nothing else.
//
//go:embed html.js
var htmlScript string

// htmlCSP is the page's policy: no fetch of any kind, inline styles, and
// the one script by its SHA-256.
var htmlCSP = func() template.HTML {
	sum := sha256.Sum256([]byte(htmlScript))
	return template.HTML(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-` +
		base64.StdEncoding.EncodeToString(sum[:]) + `'">`)
}()

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
	CSP        template.HTML
	Script     template.JS
	Namespaces []string
	M          *matrix.Matrix
	Generated  string
	Coverage   string
	Statuses   []htmlCount
	Controls   []htmlRollup
	Checks     []htmlCheck
	NotTested  []htmlCount
	Waivers    []htmlWaiver
	Listed     int
	// Findings says whether any finding was written.
	Findings bool
	// FindingsListed is how many findings of a check and status are
	// listed in full.
	FindingsListed int
	// Changes is the baseline comparison, when there is one.
	Changes *htmlChanges
	// Spent counts the rows whose evidence is named but not detailed, the
	// budget for details being spent.
	Spent int
	// Budget is that budget in MiB.
	Budget string
}

// DetailBytes is how much evidence detail (Options.Details) the HTML page
// holds by default, about 1 MiB: a cluster of a few hundred workloads
// has all of it; at thousands the first rows have it and the others name
// their evidence, so that the page stays within the bundle's size target.
const DetailBytes = 1 << 20

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
	Title, ID, Objective, Counts, Coverage string
	Status                                 matrix.Status
}

type htmlCheck struct {
	Head, ID, Title, Description, Level, Controls, Counts string
	Status                                                matrix.Status
}

// htmlRow is one destination port of the matrix with its classes; one is
// built at a time.
type htmlRow struct {
	ID, Short, Destination, Namespace, Mesh, Protocol, Size string
	Status                                                  matrix.Status
	Cells                                                   []htmlCell
	Classes                                                 []htmlClass
	// Span is the number of columns, Notes the destination cells
	// explained and Evidence what the row's cells cite, for the row's
	// details.
	Span     int
	Notes    []htmlNote
	Evidence []htmlEvidence
	// Spent is true when the page's budget for evidence details was
	// spent before this row: its evidence is named, not detailed.
	Spent bool
}

type htmlClass struct {
	Short, Key, Size, Names string
	Status                  matrix.Status
	Cells                   []htmlCell
	Notes                   []htmlNote
}

// htmlCell is one cell of the grid; Empty for a check decided at the
// other level. Change and Mark are its change since the baseline (new,
// regressed or improved) and its short mark.
type htmlCell struct {
	Empty bool
	// Span is the number of columns an empty cell stands for.
	Span         int
	Status       matrix.Status
	Change, Mark string
}

// htmlNote is one cell explained in a row's details; Check is the
// check's column head.
type htmlNote struct {
	Status                        matrix.Status
	Check, Change, Reason, Waiver string
}

// htmlEvidence is one evidence piece a row's cells cite, with the column
// heads of the cells citing it and what it says when the caller told the
// page (Options.Details).
type htmlEvidence struct {
	Ref, Heading, Cited string
	Facts               []Fact
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

// Detail is what one evidence piece says, as the HTML page shows it in
// the details of the rows that cite it: a heading and labelled facts.
type Detail struct {
	Heading string
	Facts   []Fact
}

// Fact is one labelled line of a Detail. A fact Once is left out of a row
// whose text already holds its value (a policy reason that a cell's
// reason quotes, or that another class of the port shares).
type Fact struct {
	Label, Value string
	Once         bool
}

// changeMark is the short mark of a change in the grid; unchanged cells
// have none.
var changeMark = map[string]string{matrix.ChangeNew: "new", matrix.ChangeRegressed: "reg", matrix.ChangeImproved: "imp"}

// HTML writes the matrix as one self-contained page for an auditor: inline
// CSS and one inline script allowed by its hash, nothing fetched, usable
// from file:// and printable. It shows the scope, the roll-ups per control
// objective with their coverage, the matrix (one row per destination port
// with its destination cells, under it one per source class with its key,
// member count, first members and source cells) with filters by status,
// check, namespace, change and text, each row opening onto its cells'
// reasons, waivers and changes and the evidence they cite (what
// o.Details says of it), every FAIL, ERROR and WARN cell with its reason
// and a link to its row, the cells not tested grouped by reason, the
// waivers and the evidence documents with their SHA-256. Without the
// script every row shows its details. Every text from the matrix is
// escaped by html/template. The page is written row by row and its size
// follows rows and classes, never paths.
func HTML(w io.Writer, m *matrix.Matrix, o Options) error {
	bw := bufio.NewWriter(w)
	ix := matrix.NewIndex(m)
	p := htmlPage{CSP: htmlCSP, Script: template.JS(htmlScript), M: m, Generated: m.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC"),
		Coverage: pct(m.Summary.Coverage), Listed: listed, FindingsListed: findingsListed}
	for _, s := range matrix.Statuses {
		p.Statuses = append(p.Statuses, htmlCount{Status: s, Label: string(s), N: m.Summary.Counts[s]})
	}
	ctl := map[string]matrix.Control{}
	for _, c := range m.Controls {
		ctl[c.ID] = c
	}
	for _, r := range m.Summary.ByControl {
		c := ctl[r.ID]
		p.Controls = append(p.Controls, htmlRollup{Title: c.Title, ID: r.ID, Objective: c.Objective, Counts: counts(r.Counts), Coverage: coverage(r.Counts), Status: r.Status})
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
	}
	nss := map[string]bool{}
	for i := range m.Rows {
		nss[m.Rows[i].Destination.Namespace] = true
	}
	for ns := range nss {
		p.Namespaces = append(p.Namespaces, ns)
	}
	sort.Strings(p.Namespaces)
	order, nt := notTested(m)
	for _, r := range order {
		p.NotTested = append(p.NotTested, htmlCount{Status: matrix.NotTested, Label: r, N: nt[r]})
	}
	waivers := map[string]matrix.WaiverUse{}
	for _, wv := range m.Waivers {
		p.Waivers = append(p.Waivers, htmlWaiver{WaiverUse: wv, ExpiresOn: wv.Expires.Format("2006-01-02")})
		waivers[wv.ID] = wv
	}
	p.Changes = changes(m, ctl)
	if err := htmlTemplate.ExecuteTemplate(bw, "head", p); err != nil {
		return err
	}
	skipped := notRun(m)
	budget := o.DetailBytes
	if budget == 0 {
		budget = DetailBytes
	}
	p.Budget = fmt.Sprintf("%.0f MiB", float64(max(budget, 0))/(1<<20))
	cell := func(c *matrix.Cell) htmlCell {
		if c == nil {
			return htmlCell{Status: matrix.NotTested}
		}
		hc := htmlCell{Status: c.Status}
		if mark := changeMark[c.Change]; mark != "" {
			hc.Change, hc.Mark = c.Change, mark
		}
		return hc
	}
	// note explains a cell in the row's details; a cell of a check that
	// did not run is stated once under Not tested instead. It gathers the
	// evidence the row's cells cite, in order, with the checks citing it.
	var refs []string
	cited := map[string][]string{}
	var said strings.Builder // the row's text so far, so that no fact repeats it
	note := func(notes []htmlNote, c *matrix.Cell) []htmlNote {
		if c == nil || skipped.stated(c) {
			return notes
		}
		h := head(c.Check)
		for _, ref := range c.Evidence {
			if _, ok := cited[ref]; !ok {
				refs = append(refs, ref)
			}
			cited[ref] = append(cited[ref], h)
		}
		said.WriteString(c.Reason)
		said.WriteByte('\n')
		n := htmlNote{Status: c.Status, Check: h, Reason: c.Reason}
		if id, _, _ := strings.Cut(c.Waiver, " "); id != "" && !strings.Contains(c.Reason, id) {
			n.Waiver = waiverNote(c.Waiver, waivers) // the reason does not name it already
		}
		if changeMark[c.Change] != "" {
			n.Change = c.Change
		}
		return append(notes, n)
	}
	for i := range m.Rows {
		r := &m.Rows[i]
		refs = refs[:0]
		clear(cited)
		said.Reset()
		hr := htmlRow{ID: r.ID, Short: shortID(r.ID), Destination: dstName(r.Destination), Namespace: r.Destination.Namespace, Mesh: r.Destination.Mesh,
			Protocol: r.Destination.AppProtocol, Size: rowSize(r), Status: r.Status, Span: len(m.Checks) + 3}
		for _, c := range m.Checks {
			if isSource(c) {
				hr.Cells = append(hr.Cells, htmlCell{Empty: true})
				continue
			}
			hr.Cells = append(hr.Cells, cell(r.Cell(c.ID)))
			hr.Notes = note(hr.Notes, r.Cell(c.ID))
		}
		for j := range r.Classes {
			cl := &r.Classes[j]
			said.WriteString(cl.Key)
			said.WriteByte('\n')
			hc := htmlClass{Short: shortID(cl.ID), Key: cl.Key, Size: sources(cl.Members), Names: memberList(ix, cl, listed), Status: cl.Status}
			for _, c := range m.Checks {
				if !isSource(c) {
					hc.Cells = append(hc.Cells, htmlCell{Empty: true})
					continue
				}
				hc.Cells = append(hc.Cells, cell(cl.Cell(c.ID)))
				hc.Notes = note(hc.Notes, cl.Cell(c.ID))
			}
			hc.Cells = spans(hc.Cells)
			hr.Classes = append(hr.Classes, hc)
		}
		hr.Cells = spans(hr.Cells)
		for _, ref := range refs {
			if o.Details != nil && budget <= 0 {
				// Spent: matrix.json names each cell's evidence.
				hr.Spent = true
				break
			}
			e := htmlEvidence{Ref: ref, Cited: strings.Join(unique(cited[ref]), " ")}
			if o.Details != nil {
				if d, ok := o.Details(ref); ok {
					e.Heading = d.Heading
					e.Facts = unsaid(d.Facts, &said)
					budget -= len(e.Heading)
					for _, f := range e.Facts {
						budget -= len(f.Label) + len(f.Value) + 20
					}
				}
			}
			hr.Evidence = append(hr.Evidence, e)
		}
		if hr.Spent {
			p.Spent++
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

// spans merges runs of empty cells into one cell spanning their columns.
func spans(cells []htmlCell) []htmlCell {
	out := cells[:0]
	for _, c := range cells {
		if c.Empty && len(out) > 0 && out[len(out)-1].Empty {
			out[len(out)-1].Span++
			continue
		}
		if c.Empty {
			c.Span = 1
		}
		out = append(out, c)
	}
	return out
}

// unsaid drops the facts marked Once whose value the row already says.
// Short values are always kept: they are cheap, and a word found
// elsewhere is not the same fact.
func unsaid(facts []Fact, said *strings.Builder) []Fact {
	const long = 24
	var out []Fact
	for _, f := range facts {
		if len(f.Value) < long {
			out = append(out, f)
			continue
		}
		if f.Once && strings.Contains(said.String(), f.Value) {
			continue
		}
		said.WriteString(f.Value)
		said.WriteByte('\n')
		out = append(out, f)
	}
	return out
}

// unique drops repeated strings, keeping the first of each.
func unique(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// waiverNote names a cell's waiver with its approver and expiry: "W-7
// (approved by J. Doe, expires 2027-01-31)".
func waiverNote(w string, ws map[string]matrix.WaiverUse) string {
	if w == "" {
		return ""
	}
	id, expired := strings.CutSuffix(w, " (expired)")
	u, ok := ws[id]
	if !ok {
		return w
	}
	state := "expires"
	if expired || u.Expired {
		state = "expired"
	}
	return fmt.Sprintf("%s (approved by %s, %s %s)", id, u.Approver, state, u.Expires.Format("2006-01-02"))
}

// coverage is the share of a roll-up's applicable cells (all but N/A)
// that rest on evidence.
func coverage(c map[matrix.Status]int) string {
	applicable, tested := 0, 0
	for st, n := range c {
		if st != matrix.NA {
			applicable += n
		}
		if st.Tested() {
			tested += n
		}
	}
	if applicable == 0 {
		return "n/a"
	}
	return pct(float64(tested) / float64(applicable))
}

// htmlMore is the line that counts the findings of a check and status
// left out of the list.
type htmlMore struct {
	Status matrix.Status
	Check  string
	N      int
}
