package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// CSVColumns are the columns of CSV.
var CSVColumns = []string{"row_id", "destination", "class_id", "class_key", "members", "check", "status", "reason", "evidence", "waiver"}

// CSVExpandedColumns are the columns of CSVExpanded.
var CSVExpandedColumns = []string{"path_id", "source", "source_mesh", "destination", "row_id", "class_id", "check", "status", "reason", "evidence", "waiver"}

// CSV writes one line per cell (CSVColumns): a destination cell names its
// row and port and leaves the class columns empty, a source cell adds its
// class's id, key and member count. A check that did not run in the scan
// (every cell NOT-TESTED for one reason) is one line, after the others,
// with empty ids, "*" as destination and its cell count as members. Lines
// follow rows and classes, never paths; CSVExpanded writes one line per
// path and check.
func CSV(w io.Writer, m *matrix.Matrix) error {
	cw := csv.NewWriter(w)
	cols := CSVColumns
	if m.Baseline != nil {
		// Compared with a baseline: each cell's change since, last.
		cols = append(cols[:len(cols):len(cols)], "change")
	}
	if err := cw.Write(cols); err != nil {
		return err
	}
	skipped := notRun(m)
	rec := make([]string, len(cols))
	err := eachCell(m, func(r *matrix.Row, cl *matrix.Class, c *matrix.Cell) error {
		if skipped.stated(c) {
			return nil
		}
		rec[0], rec[1] = r.ID, csvSafe(dstName(r.Destination))
		rec[2], rec[3], rec[4] = "", "", ""
		if cl != nil {
			rec[2], rec[3], rec[4] = cl.ID, csvSafe(cl.Key), strconv.Itoa(cl.Members)
		}
		rec[5], rec[6], rec[7], rec[8], rec[9] = c.Check, string(c.Status), csvSafe(c.Reason), csvSafe(strings.Join(c.Evidence, " ")), csvSafe(c.Waiver)
		if m.Baseline != nil {
			rec[10] = c.Change
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	for _, chk := range m.Checks {
		if nr, ok := skipped[chk.ID]; ok {
			line := []string{"", "*", "", "", strconv.Itoa(nr.cells), chk.ID, string(matrix.NotTested), csvSafe("not run in this scan: " + nr.reason), "", ""}
			if m.Baseline != nil {
				line = append(line, "")
			}
			if err := cw.Write(line); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// CSVExpanded writes one line per (path x check) of the paths f selects
// (CSVExpandedColumns), streamed: the paths are walked one at a time and
// never listed, so a matrix of any size expands in constant memory. A
// filter that selects nothing is an error wrapping ErrNoPath, written
// before any line; an empty filter expands every path.
func CSVExpanded(w io.Writer, m *matrix.Matrix, f matrix.Filter) error {
	ix := matrix.NewIndex(m)
	if !f.Empty() && !anyPath(ix, f) {
		return noPath(f)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVExpandedColumns); err != nil {
		return err
	}
	rec := make([]string, len(CSVExpandedColumns))
	var cache pathCells
	err := ix.Paths(f, func(p matrix.Path) error {
		cells := cache.of(p)
		rec[0], rec[1], rec[2], rec[3], rec[4], rec[5] = p.ID, csvSafe(p.Source.String()), csvSafe(p.Source.Mesh), csvSafe(cache.dst), p.Row.ID, p.Class.ID
		for i := range cells {
			c := &cells[i]
			rec[6], rec[7], rec[8], rec[9], rec[10] = c.Check, string(c.Status), csvSafe(c.Reason), csvSafe(strings.Join(c.Evidence, " ")), csvSafe(c.Waiver)
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
