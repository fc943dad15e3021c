package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"

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

// poamItem gathers the cells of one (check x destination) weakness.
type poamItem struct {
	check, dst string
	paths      []string
	fails      int
	expired    []string
	reason     string
	evidence   []string
}

// POAM writes a POA&M CSV with the FedRAMP Rev5 template's Open-tab
// columns: one row per (check x destination) with a FAIL cell or a cell
// under an expired waiver. The asset identifier names the destination and
// the path ids; the detection date is the matrix's generation time; the
// scheduled completion date follows the check's severity (CheckSeverity:
// High 30 days, Moderate 90, Low 180). Every field is guarded against
// spreadsheet formula injection.
func POAM(w io.Writer, m *matrix.Matrix) error {
	checks := map[string]matrix.Check{}
	for _, c := range m.Checks {
		checks[c.ID] = c
	}
	files := map[string]matrix.Evidence{}
	for _, e := range m.Evidence {
		files[e.ID] = e
	}
	idx := map[string]*poamItem{}
	var order []string
	for _, r := range m.Rows {
		dst := destKey(r)
		for _, c := range r.Cells {
			exp := expiredWaiver(c)
			if c.Status != matrix.Fail && !exp {
				continue
			}
			k := c.Check + "\x00" + dst
			it := idx[k]
			if it == nil {
				it = &poamItem{check: c.Check, dst: dst, reason: c.Reason}
				idx[k] = it
				order = append(order, k)
			}
			it.paths = append(it.paths, r.PathID)
			if c.Status == matrix.Fail {
				it.fails++
			}
			if exp && !contains(it.expired, c.Waiver) {
				it.expired = append(it.expired, c.Waiver)
			}
			for _, e := range c.Evidence {
				if d := evidenceDoc(e); !contains(it.evidence, d) {
					it.evidence = append(it.evidence, d)
				}
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := idx[order[i]], idx[order[j]]
		if sa, sb := CheckSeverity(a.check).Days(), CheckSeverity(b.check).Days(); sa != sb {
			return sa < sb
		}
		return false
	})
	cw := csv.NewWriter(w)
	if err := cw.Write(POAMColumns); err != nil {
		return err
	}
	detected := m.GeneratedAt.UTC()
	detector := strings.TrimSpace(m.Scanner.Name + " " + m.Scanner.Version)
	for _, k := range order {
		it := idx[k]
		chk := checks[it.check]
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
		var comments []string
		if it.fails > 0 {
			comments = append(comments, fmt.Sprintf("%d of the destination's paths FAIL %s.", it.fails, it.check))
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
		row := []string{
			"SC8-" + stableID(m.Cluster, "poam", it.check, it.dst)[:8],
			controlNames(chk.Controls),
			fmt.Sprintf("%s not met: %s", title, it.dst),
			fmt.Sprintf("%s Paths to %s affected: %d. First: %s", chk.Description, it.dst, len(it.paths), it.reason),
			detector,
			it.check,
			it.dst + " paths: " + strings.Join(it.paths, " "),
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
		}
		for i := range row {
			row[i] = formulaSafe(oneLine(row[i]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
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
