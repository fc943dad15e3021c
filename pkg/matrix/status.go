package matrix

import "fmt"

// Status is the state of one cell.
type Status string

// Cell statuses. NOT-TESTED and ERROR never roll up to PASS.
const (
	Pass      Status = "PASS"
	Fail      Status = "FAIL"
	Warn      Status = "WARN"
	Waived    Status = "WAIVED"
	NotTested Status = "NOT-TESTED"
	NA        Status = "N/A"
	Error     Status = "ERROR"
)

// Statuses lists every status in report order.
var Statuses = []Status{Pass, Fail, Warn, Waived, NotTested, NA, Error}

// severity orders statuses for roll-ups: the worst wins.
func (s Status) severity() int {
	switch s {
	case Fail:
		return 6
	case Error:
		return 5
	case NotTested:
		return 4
	case Warn:
		return 3
	case Waived:
		return 2
	case Pass:
		return 1
	case NA:
		return 0
	}
	return 7
}

// Valid reports whether s is one of the defined statuses.
func (s Status) Valid() bool { return s.severity() < 7 }

// Tested reports whether a cell of this status rests on evidence: PASS,
// FAIL, WARN and WAIVED do; NOT-TESTED, N/A and ERROR do not.
func (s Status) Tested() bool {
	switch s {
	case Pass, Fail, Warn, Waived:
		return true
	}
	return false
}

// Worst returns the worst of the statuses by roll-up order (FAIL, ERROR,
// NOT-TESTED, WARN, WAIVED, PASS, N/A). With no statuses it returns
// NOT-TESTED: emptiness is never PASS.
func Worst(ss ...Status) Status {
	if len(ss) == 0 {
		return NotTested
	}
	w := ss[0]
	for _, s := range ss[1:] {
		if s.severity() > w.severity() {
			w = s
		}
	}
	return w
}

// UnmarshalText rejects unknown statuses.
func (s *Status) UnmarshalText(b []byte) error {
	v := Status(b)
	if !v.Valid() {
		return fmt.Errorf("unknown status %q", b)
	}
	*s = v
	return nil
}
