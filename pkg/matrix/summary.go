package matrix

// Summary holds the roll-ups.
type Summary struct {
	// Status is the worst row status.
	Status    Status         `json:"status"`
	Counts    map[Status]int `json:"counts"`
	ByCheck   []Rollup       `json:"byCheck"`
	ByControl []Rollup       `json:"byControl"`
	// Coverage is the share of applicable cells (all but N/A) that rest on
	// evidence, from 0 to 1.
	Coverage float64 `json:"coverage"`
	// Cells counts the matrix's cells: destination cells of every row and
	// source cells of every class (not one per path).
	Cells int `json:"cells"`
	// Applicable counts the cells that are not N/A: the coverage
	// denominator.
	Applicable int `json:"applicable"`
	Tested     int `json:"tested"`
	// Rows, Classes and Paths count destination ports, source classes and
	// the service paths they stand for (the sum of class members).
	Rows    int `json:"rows"`
	Classes int `json:"classes"`
	Paths   int `json:"paths"`
}

// Rollup is the count of statuses for one check or control.
type Rollup struct {
	ID     string         `json:"id"`
	Status Status         `json:"status"`
	Counts map[Status]int `json:"counts"`
}

// Summarize recomputes every class and row status and the summary from
// the cells.
func (m *Matrix) Summarize() {
	s := Summary{Counts: map[Status]int{}, Rows: len(m.Rows)}
	byCheck := map[string]map[Status]int{}
	byControl := map[string]map[Status]int{}
	controlsOf := map[string][]string{}
	for _, c := range m.Checks {
		controlsOf[c.ID] = c.Controls
		byCheck[c.ID] = map[Status]int{}
		for _, ctl := range c.Controls {
			if byControl[ctl] == nil {
				byControl[ctl] = map[Status]int{}
			}
		}
	}
	count := func(cells []Cell) Status {
		worst := NA
		first := true
		for _, c := range cells {
			if first || Worst(worst, c.Status) != worst {
				worst, first = c.Status, false
			}
			s.Counts[c.Status]++
			s.Cells++
			if c.Status != NA {
				s.Applicable++
			}
			if c.Status.Tested() {
				s.Tested++
			}
			if byCheck[c.Check] == nil {
				byCheck[c.Check] = map[Status]int{}
			}
			byCheck[c.Check][c.Status]++
			for _, ctl := range controlsOf[c.Check] {
				byControl[ctl][c.Status]++
			}
		}
		if first {
			return Worst()
		}
		return worst
	}
	var rowStatuses []Status
	for i := range m.Rows {
		row := &m.Rows[i]
		sts := []Status{count(row.Cells)}
		for j := range row.Classes {
			c := &row.Classes[j]
			c.Status = Worst(sts[0], count(c.Cells))
			sts = append(sts, c.Status)
			s.Classes++
			s.Paths += c.Members
		}
		row.Status = Worst(sts...)
		rowStatuses = append(rowStatuses, row.Status)
	}
	if s.Applicable > 0 {
		s.Coverage = float64(s.Tested) / float64(s.Applicable)
	}
	for _, c := range m.Checks {
		s.ByCheck = append(s.ByCheck, rollup(c.ID, byCheck[c.ID]))
	}
	for _, c := range m.Controls {
		if counts, ok := byControl[c.ID]; ok {
			s.ByControl = append(s.ByControl, rollup(c.ID, counts))
		}
	}
	s.Status = Worst(rowStatuses...)
	m.Summary = s
}

func rollup(id string, counts map[Status]int) Rollup {
	var present []Status
	for st, n := range counts {
		if n > 0 {
			present = append(present, st)
		}
	}
	return Rollup{ID: id, Status: Worst(present...), Counts: counts}
}
