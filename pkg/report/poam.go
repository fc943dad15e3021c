package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// POAMColumns are the columns of the FedRAMP Rev5 POA&M template's Open
// tab, in its order.
var POAMColumns = []string{
	"POAM ID", "Controls", "Weakness Name", "Weakness Description", "Weakness Detector Source",
	"Weakness Source Identifier", "Asset Identifier", "Point of Contact", "Resources Required",
	"Overall Remediation Plan", "Original Detection Date", "Scheduled Completion Date",
	"Planned Milestones", "Milestone Changes", "Status Date", "Vendor Dependency",
	"Last Vendor Check-in Date", "Vendor Dependent Product Name", "Original Risk Rating",
	"Adjusted Risk Rating", "Risk Adjustment", "False Positive", "Operational Requirement",
	"Deviation Rationale", "Supporting Documents", "Comments", "Auto-Approve",
	"Binding Operational Directive 22-01 tracking", "Binding Operational Directive 22-01 Due Date", "CVE",
}

// poamItem gathers the failing cells of one (check x destination port)
// weakness: the row's own cell for a destination check, the cells of its
// classes for a source check.
type poamItem struct {
	check, dst, rowID string
	// row says the row's own cell is in the item.
	row bool
	// classes are the failing classes, "<class id> (N sources)".
	classes  []string
	sources  int
	fails    int
	expired  []string
	reason   string
	evidence []string
}

func (it *poamItem) add(c *matrix.Cell) {
	if it.reason == "" {
		it.reason = c.Reason
	}
	if c.Status == matrix.Fail {
		it.fails++
	}
	if expiredWaiver(*c) && !contains(it.expired, c.Waiver) {
		it.expired = append(it.expired, c.Waiver)
	}
	for _, e := range c.Evidence {
		if d := evidenceDoc(e); !contains(it.evidence, d) {
			it.evidence = append(it.evidence, d)
		}
	}
}

// poamOf returns the item of check on row r, or nil when no cell of it
// fails or sits under an expired waiver.
func poamOf(r *matrix.Row, check string) *poamItem {
	open := func(c *matrix.Cell) bool { return c != nil && (c.Status == matrix.Fail || expiredWaiver(*c)) }
	var it *poamItem
	item := func() *poamItem {
		if it == nil {
			it = &poamItem{check: check, dst: dstName(r.Destination), rowID: r.ID}
		}
		return it
	}
	if c := r.Cell(check); open(c) {
		item().row = true
		it.add(c)
	}
	for j := range r.Classes {
		cl := &r.Classes[j]
		if c := cl.Cell(check); open(c) {
			item().classes = append(it.classes, fmt.Sprintf("%s (%s)", cl.ID, sources(cl.Members)))
			it.sources += cl.Members
			it.add(c)
		}
	}
	return it
}

// asset is the item's asset identifier: the destination port and its row
// id, and for a source check the failing classes with their member
// counts ("shop/cart:8080 row <id> classes: <id> (12 sources), <id> (1
// source)"). It never lists paths.
func (it *poamItem) asset() string {
	s := it.dst + " row " + it.rowID
	if len(it.classes) > 0 {
		s += " classes: " + strings.Join(it.classes, ", ")
	}
	return s
}

// POAM writes a POA&M CSV with the FedRAMP Rev5 template's Open-tab
// columns: one row per (check x destination port) with a FAIL cell or a
// cell under an expired waiver, the row's own cell for a destination
// check, its classes' cells for a source check. The asset identifier
// names the destination port and its row id, and for a source check the
// failing classes with their member counts; the detection date is the
// matrix's generation time; the scheduled completion date follows the
// check's severity (CheckSeverity: High 30 days, Moderate 90, Low 180),
// and the items come in that order, then in matrix order. Every field is
// guarded against spreadsheet formula injection. Items are written as
// they are found; their number follows rows, never paths.
func POAM(w io.Writer, m *matrix.Matrix) error {
	checks := map[string]matrix.Check{}
	for _, c := range m.Checks {
		checks[c.ID] = c
	}
	files := map[string]matrix.Evidence{}
	for _, e := range m.Evidence {
		files[e.ID] = e
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(POAMColumns); err != nil {
		return err
	}
	detected := m.GeneratedAt.UTC()
	detector := strings.TrimSpace(m.Scanner.Name + " " + m.Scanner.Version)
	row := make([]string, len(POAMColumns))
	for _, sev := range []Severity{High, Moderate, Low} {
		for i := range m.Rows {
			for _, chk := range m.Checks {
				if CheckSeverity(chk.ID) != sev {
					continue
				}
				it := poamOf(&m.Rows[i], chk.ID)
				if it == nil {
					continue
				}
				if err := cw.Write(poamRow(row, m, it, chk, files, detected, detector)); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func poamRow(row []string, m *matrix.Matrix, it *poamItem, chk matrix.Check, files map[string]matrix.Evidence, detected time.Time, detector string) []string {
	sev := CheckSeverity(it.check)
	var docs []string
	for _, d := range it.evidence {
		if e, ok := files[d]; ok && e.File != "" {
			s := e.File
			if e.SHA256 != "" {
				s += " (sha256 " + e.SHA256 + ")"
			}
			docs = append(docs, s)
		} else {
			docs = append(docs, d)
		}
	}
	var affected string
	var comments []string
	if it.row {
		affected = fmt.Sprintf("Destination port %s, every source of it.", it.dst)
		if it.fails > 0 {
			comments = append(comments, fmt.Sprintf("The port FAILs %s for every source.", it.check))
		}
	}
	if len(it.classes) > 0 {
		affected = strings.TrimSpace(affected + fmt.Sprintf(" %s in %s to %s.", sources(it.sources), plural(len(it.classes), "source class", "source classes"), it.dst))
		if n := it.fails; n > 0 && !it.row {
			comments = append(comments, fmt.Sprintf("%s of the port FAIL %s.", plural(n, "source class", "source classes"), it.check))
		}
	}
	deviation := ""
	if len(it.expired) > 0 {
		deviation = "Waiver " + strings.Join(it.expired, ", ") + " no longer applies: the weakness is open again."
		comments = append(comments, "Cells under an expired waiver: "+strings.Join(it.expired, ", ")+".")
	}
	title := chk.Title
	if title == "" {
		title = it.check
	}
	copy(row, []string{
		"SC8-" + stableID(m.Cluster, "poam", it.check, it.dst)[:8],
		controlNames(chk.Controls),
		fmt.Sprintf("%s not met: %s", title, it.dst),
		fmt.Sprintf("%s Affected: %s First: %s", chk.Description, affected, it.reason),
		detector,
		it.check,
		it.asset(),
		"", "",
		remediationOf(it.check),
		detected.Format("2006-01-02"),
		detected.AddDate(0, 0, sev.Days()).Format("2006-01-02"),
		"", "",
		detected.Format("2006-01-02"),
		"No", "", "",
		string(sev), "",
		"No", "No", "No",
		deviation,
		strings.Join(docs, "; "),
		strings.Join(comments, " "),
		"No", "", "", "",
	})
	for i := range row {
		row[i] = formulaSafe(oneLine(row[i]))
	}
	return row
}

// formulaSafe keeps a spreadsheet from reading a field as a formula, even
// behind leading blanks.
func formulaSafe(s string) string {
	t := strings.TrimLeft(s, " ")
	if t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
		return "'" + s
	}
	return s
}

// oneLine folds line breaks so that a spreadsheet row stays one line.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
