package matrix

import (
	"fmt"
	"sort"
	"time"
)

// Changes of a row, class or cell since a baseline matrix.
const (
	ChangeNew       = "new"       // not in the baseline
	ChangeResolved  = "resolved"  // in the baseline, gone now
	ChangeRegressed = "regressed" // its status is worse than in the baseline
	ChangeImproved  = "improved"  // its status is better
	ChangeUnchanged = "unchanged"
)

// Changes lists the change kinds in report order.
var Changes = []string{ChangeNew, ChangeRegressed, ChangeImproved, ChangeResolved, ChangeUnchanged}

// Baseline says what changed since an earlier matrix of the same cluster:
// the cells counted by change, per control objective too, and what the
// baseline had that is gone. Rows, classes and cells carry their own
// change (rows and classes only when new).
type Baseline struct {
	// GeneratedAt is the baseline matrix's time; File where it was read.
	GeneratedAt time.Time      `json:"generatedAt"`
	File        string         `json:"file,omitempty"`
	Counts      map[string]int `json:"counts"`
	// Controls counts the changed cells of each control objective's checks.
	Controls []ControlChanges `json:"controls"`
	// Resolved are the baseline's cells whose row or class is gone, with
	// the status they had.
	Resolved []ResolvedCell `json:"resolved,omitempty"`
}

// ControlChanges counts cells by change for one control objective.
type ControlChanges struct {
	Control string         `json:"control"`
	Counts  map[string]int `json:"counts"`
}

// ResolvedCell is a baseline cell with no counterpart now.
type ResolvedCell struct {
	Row         string `json:"row"`
	Class       string `json:"class,omitempty"`
	Destination string `json:"destination"`
	ClassKey    string `json:"classKey,omitempty"`
	Check       string `json:"check"`
	Was         Status `json:"was"`
}

// Compare marks m's rows, classes and cells against the baseline old (by
// their stable ids and the check) and sets m.Baseline. A matrix of another
// apiVersion is refused: its ids and checks are not comparable.
func Compare(m, old *Matrix, file string) error {
	if old.APIVersion != APIVersion || old.Kind != Kind {
		return fmt.Errorf("the baseline is %s %s, this matrix %s %s: scan the baseline again with this sc8scan", old.APIVersion, old.Kind, APIVersion, Kind)
	}
	b := &Baseline{GeneratedAt: old.GeneratedAt, File: file, Counts: map[string]int{}}
	perControl := map[string]map[string]int{}
	count := func(check, change string) {
		b.Counts[change]++
		if c, ok := CheckByID(check); ok {
			for _, ctl := range c.Controls {
				if perControl[ctl] == nil {
					perControl[ctl] = map[string]int{}
				}
				perControl[ctl][change]++
			}
		}
	}
	type cellKey struct{ owner, check string }
	was := map[cellKey]Status{}
	oldRows := map[string]*Row{}
	oldClasses := map[string]bool{}
	for i := range old.Rows {
		r := &old.Rows[i]
		oldRows[r.ID] = r
		for _, c := range r.Cells {
			was[cellKey{r.ID, c.Check}] = c.Status
		}
		for _, cl := range r.Classes {
			oldClasses[cl.ID] = true
			for _, c := range cl.Cells {
				was[cellKey{cl.ID, c.Check}] = c.Status
			}
		}
	}
	seen := map[cellKey]bool{}
	mark := func(owner string, cells []Cell, ownerNew bool) {
		for i := range cells {
			c := &cells[i]
			k := cellKey{owner, c.Check}
			seen[k] = true
			prev, ok := was[k]
			switch {
			case ownerNew || !ok:
				c.Change = ChangeNew
			case c.Status == prev:
				c.Change = ChangeUnchanged
			case Worst(c.Status, prev) == c.Status && c.Status.severity() != prev.severity():
				c.Change = ChangeRegressed
			case Worst(c.Status, prev) == prev && c.Status.severity() != prev.severity():
				c.Change = ChangeImproved
			default:
				c.Change = ChangeUnchanged
			}
			count(c.Check, c.Change)
		}
	}
	for i := range m.Rows {
		r := &m.Rows[i]
		rowNew := oldRows[r.ID] == nil
		if rowNew {
			r.Change = ChangeNew
		}
		mark(r.ID, r.Cells, rowNew)
		for j := range r.Classes {
			cl := &r.Classes[j]
			classNew := !oldClasses[cl.ID]
			if classNew {
				cl.Change = ChangeNew
			}
			mark(cl.ID, cl.Cells, classNew)
		}
	}
	for i := range old.Rows {
		r := &old.Rows[i]
		dst := fmt.Sprintf("%s/%s:%d", r.Destination.Namespace, r.Destination.Service, r.Destination.Port)
		for _, c := range r.Cells {
			if !seen[cellKey{r.ID, c.Check}] {
				b.Resolved = append(b.Resolved, ResolvedCell{Row: r.ID, Destination: dst, Check: c.Check, Was: c.Status})
				count(c.Check, ChangeResolved)
			}
		}
		for _, cl := range r.Classes {
			for _, c := range cl.Cells {
				if !seen[cellKey{cl.ID, c.Check}] {
					b.Resolved = append(b.Resolved, ResolvedCell{Row: r.ID, Class: cl.ID, Destination: dst, ClassKey: cl.Key, Check: c.Check, Was: c.Status})
					count(c.Check, ChangeResolved)
				}
			}
		}
	}
	ctls := make([]string, 0, len(perControl))
	for c := range perControl {
		ctls = append(ctls, c)
	}
	sort.Strings(ctls)
	for _, c := range ctls {
		b.Controls = append(b.Controls, ControlChanges{Control: c, Counts: perControl[c]})
	}
	m.Baseline = b
	return nil
}

// Fail-on modes for gating on a baseline.
const (
	FailOnNew       = "new"       // a FAIL cell that was not FAIL in the baseline
	FailOnRegressed = "regressed" // a cell worse than in the baseline, or a new FAIL
	FailOnAny       = "any"       // any FAIL cell, as without a baseline
)

// Gating counts the cells that fail mode on a compared matrix.
func (m *Matrix) Gating(mode string) int {
	n := 0
	each := func(cells []Cell) {
		for _, c := range cells {
			switch {
			case mode == FailOnAny && c.Status == Fail:
				n++
			case mode == FailOnNew && c.Status == Fail && (c.Change == ChangeNew || c.Change == ChangeRegressed):
				n++
			case mode == FailOnRegressed && (c.Change == ChangeRegressed || c.Change == ChangeNew && c.Status == Fail):
				n++
			}
		}
	}
	for i := range m.Rows {
		each(m.Rows[i].Cells)
		for j := range m.Rows[i].Classes {
			each(m.Rows[i].Classes[j].Cells)
		}
	}
	return n
}
