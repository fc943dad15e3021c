package evaluate

import (
	"fmt"
	"path"
	"time"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// Waiver accepts a FAIL or WARN cell for a while, with a justification and
// an approver. An expired waiver no longer applies: its cells stay FAIL and
// the matrix records the expiry (scan exits 5).
type Waiver struct {
	ID    string `json:"id"`
	Check string `json:"check"` // a check id, or "*"
	// RowID names one destination port (a matrix row id), ClassID one
	// class under it; Source and Destination are globs. A waiver with a
	// source never waives a destination cell: that cell speaks for every
	// source. The classes whose members it names only in part are split so
	// that it waives whole classes.
	RowID       string `json:"rowId,omitempty"`
	ClassID     string `json:"classId,omitempty"`
	Source      string `json:"source,omitempty"`      // "ns/Kind/name" glob, e.g. "monitoring/*/*"
	Destination string `json:"destination,omitempty"` // "ns/service:port" glob, e.g. "monitoring/node-exporter:*"
	// PathID is refused: paths are no longer rows. Name the source and
	// the destination instead.
	PathID        string    `json:"pathId,omitempty"`
	Justification string    `json:"justification"`
	Approver      string    `json:"approver"`
	Expires       time.Time `json:"expires"`
	// Deviation is FedRAMP's deviation type: "RA" risk adjustment, "FP"
	// false positive, "OR" operational requirement, "VD" vendor dependency.
	Deviation string `json:"deviation,omitempty"`
	POAM      string `json:"poam,omitempty"`
}

func validateWaivers(ws []Waiver) error {
	seen := map[string]bool{}
	for i, w := range ws {
		switch {
		case w.ID == "":
			return fmt.Errorf("waiver %d: no id", i)
		case seen[w.ID]:
			return fmt.Errorf("waiver %s: id used twice", w.ID)
		case w.Check == "":
			return fmt.Errorf("waiver %s: no check (use \"*\" for every check)", w.ID)
		case w.Justification == "" || w.Approver == "":
			return fmt.Errorf("waiver %s: a justification and an approver are required", w.ID)
		case w.Expires.IsZero():
			return fmt.Errorf("waiver %s: an expiry date is required", w.ID)
		case w.PathID != "":
			return fmt.Errorf("waiver %s: pathId is no longer accepted (matrix rows are destination ports): name the path by source and destination instead", w.ID)
		case w.RowID == "" && w.ClassID == "" && w.Source == "" && w.Destination == "":
			return fmt.Errorf("waiver %s: name a rowId, a classId, a source or a destination", w.ID)
		}
		if w.Check != "*" {
			if _, ok := matrix.CheckByID(w.Check); !ok {
				return fmt.Errorf("waiver %s: unknown check %q", w.ID, w.Check)
			}
		}
		for _, g := range []string{w.Source, w.Destination} {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("waiver %s: bad pattern %q: %w", w.ID, g, err)
			}
		}
		seen[w.ID] = true
	}
	return nil
}

// matches reports whether w waives check in row r, for class c (nil for
// a destination cell) whose members are ms.
func (w Waiver) matches(r *matrix.Row, c *matrix.Class, ms []matrix.Endpoint, check string) bool {
	if w.Check != "*" && w.Check != check {
		return false
	}
	if w.RowID != "" && w.RowID != r.ID {
		return false
	}
	if c == nil && (w.Source != "" || w.ClassID != "") {
		return false
	}
	if c != nil && w.ClassID != "" && w.ClassID != c.ID {
		return false
	}
	dst := fmt.Sprintf("%s/%s:%d", r.Destination.Namespace, r.Destination.Service, r.Destination.Port)
	if w.Destination != "" {
		if ok, _ := path.Match(w.Destination, dst); !ok {
			return false
		}
	}
	if c != nil && w.Source != "" {
		// Every member must match: the split made the class whole.
		for _, m := range ms {
			if ok, _ := path.Match(w.Source, m.String()); !ok {
				return false
			}
		}
	}
	return true
}

func applyWaivers(m *matrix.Matrix, ws []Waiver, now time.Time) {
	ix := matrix.NewIndex(m)
	for _, w := range ws {
		expired := !now.Before(w.Expires)
		n := 0
		apply := func(r *matrix.Row, cl *matrix.Class, ms []matrix.Endpoint, cells []matrix.Cell) {
			for j := range cells {
				c := &cells[j]
				if (c.Status != matrix.Fail && c.Status != matrix.Warn) || !w.matches(r, cl, ms, c.Check) {
					continue
				}
				n++
				if expired {
					c.Reason += fmt.Sprintf(" [waiver %s expired on %s]", w.ID, w.Expires.Format("2006-01-02"))
					c.Waiver = w.ID + " (expired)"
					continue
				}
				c.Reason = fmt.Sprintf("waived by %s until %s (%s, approved by %s): %s", w.ID, w.Expires.Format("2006-01-02"), w.Justification, w.Approver, c.Reason)
				c.Status = matrix.Waived
				c.Waiver = w.ID
			}
		}
		for i := range m.Rows {
			r := &m.Rows[i]
			apply(r, nil, nil, r.Cells)
			for j := range r.Classes {
				cl := &r.Classes[j]
				var ms []matrix.Endpoint
				if w.Source != "" {
					ms = ix.Members(cl)
				}
				apply(r, cl, ms, cl.Cells)
			}
		}
		m.Waivers = append(m.Waivers, matrix.WaiverUse{ID: w.ID, Cells: n, Expired: expired, Expires: w.Expires, Approver: w.Approver, Justification: w.Justification})
	}
}

// WaiverReach is what one waiver covers in a matrix.
type WaiverReach struct {
	// Cells is how many FAIL, WARN or WAIVED cells the waiver matches: the
	// cells it waives, or would waive were it in force.
	Cells int
	// Shared maps another waiver's id to how many of these cells it
	// matches too.
	Shared map[string]int
}

// Reach says, for each waiver of ws (in order), which cells of m it
// matches among those a waiver can act on (FAIL, WARN, and WAIVED ones),
// and which other waivers match the same cells. It changes nothing.
func Reach(m *matrix.Matrix, ws []Waiver) []WaiverReach {
	out := make([]WaiverReach, len(ws))
	for i := range out {
		out[i].Shared = map[string]int{}
	}
	ix := matrix.NewIndex(m)
	var hit []int
	visit := func(r *matrix.Row, cl *matrix.Class, cells []matrix.Cell) {
		var ms []matrix.Endpoint
		for _, c := range cells {
			if c.Status != matrix.Fail && c.Status != matrix.Warn && c.Status != matrix.Waived {
				continue
			}
			hit = hit[:0]
			for i, w := range ws {
				if cl != nil && w.Source != "" && ms == nil {
					ms = ix.Members(cl)
				}
				if w.matches(r, cl, ms, c.Check) {
					hit = append(hit, i)
				}
			}
			for _, i := range hit {
				out[i].Cells++
				for _, j := range hit {
					if j != i {
						out[i].Shared[ws[j].ID]++
					}
				}
			}
		}
	}
	for i := range m.Rows {
		r := &m.Rows[i]
		visit(r, nil, r.Cells)
		for j := range r.Classes {
			visit(r, &r.Classes[j], r.Classes[j].Cells)
		}
	}
	return out
}

// ValidateWaiver checks one waiver as the scan does before it applies
// any: an id, a known check or "*", a justification, an approver, an
// expiry, something to match, and patterns that compile.
func ValidateWaiver(w Waiver) error {
	return validateWaivers([]Waiver{w})
}
