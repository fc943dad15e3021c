package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// PathFormats are the formats WritePaths accepts.
var PathFormats = []string{"table", "markdown", "csv", "json"}

// PathQueryKind is the kind of the JSON document WritePaths writes; its
// apiVersion is matrix.APIVersion.
const PathQueryKind = "PathQuery"

// ErrNoPath is wrapped by the error of WritePaths and CSVExpanded when
// the filter selects no path; the message names the filter:
// "no path matches --source shop/cart --destination data/redis:6379".
var ErrNoPath = errors.New("no path matches")

func noPath(f matrix.Filter) error {
	var sel string
	if f.Source != "" {
		sel += " --source " + f.Source
	}
	if f.Destination != "" {
		sel += " --destination " + f.Destination
	}
	if sel == "" {
		sel = ": the matrix has no paths"
	}
	return fmt.Errorf("%w%s", ErrNoPath, sel)
}

// errStop ends a walk at its first path.
var errStop = errors.New("stop")

// anyPath reports whether f selects at least one path.
func anyPath(ix *matrix.Index, f matrix.Filter) bool {
	return ix.Paths(f, func(matrix.Path) error { return errStop }) == errStop
}

// pathCells remembers the cells of the last (row, class) a walk met: the
// walk goes class by class, so a path's cells are built once per class,
// not once per path.
type pathCells struct {
	row    *matrix.Row
	class  *matrix.Class
	cells  []matrix.Cell
	status matrix.Status
	dst    string
}

func (pc *pathCells) of(p matrix.Path) []matrix.Cell {
	if p.Row != pc.row || p.Class != pc.class {
		pc.row, pc.class = p.Row, p.Class
		pc.cells = p.Cells()
		sts := make([]matrix.Status, len(pc.cells))
		for i, c := range pc.cells {
			sts[i] = c.Status
		}
		pc.status = matrix.Worst(sts...)
		pc.dst = dstName(p.Row.Destination)
	}
	return pc.cells
}

// pathQuery is the JSON document of WritePaths.
type pathQuery struct {
	APIVersion  string      `json:"apiVersion"`
	Kind        string      `json:"kind"`
	Source      string      `json:"source"`
	Destination string      `json:"destination"`
	Paths       []pathEntry `json:"paths"`
}

type pathEntry struct {
	ID          string             `json:"id"`
	Source      matrix.Endpoint    `json:"source"`
	Destination matrix.Destination `json:"destination"`
	RowID       string             `json:"rowId"`
	ClassID     string             `json:"classId"`
	ClassKey    string             `json:"classKey"`
	Status      matrix.Status      `json:"status"`
	Cells       []matrix.Cell      `json:"cells"`
}

// WritePaths answers a path query (sc8scan report --source --destination):
// for every path f selects, its source, destination, path id, row id,
// class id and key, status, and every cell (the row's, then the class's,
// in catalog order) with its status, reason, evidence ids and waiver.
// format is one of PathFormats: "table" and "markdown" for people, "csv"
// one line per (path x check) (CSVExpandedColumns with class_key after
// class_id), "json" a document of kind PathQuery. Paths are streamed one
// at a time however many match. When none does, nothing is written and
// the error wraps ErrNoPath.
func WritePaths(w io.Writer, m *matrix.Matrix, f matrix.Filter, format string) error {
	var write func(io.Writer, *matrix.Matrix, *matrix.Index, matrix.Filter) error
	switch format {
	case "table":
		write = pathsTable
	case "markdown":
		write = pathsMarkdown
	case "csv":
		write = pathsCSV
	case "json":
		write = pathsJSON
	default:
		return fmt.Errorf("unknown path format %q (known: %s)", format, strings.Join(PathFormats, ", "))
	}
	ix := matrix.NewIndex(m)
	if !anyPath(ix, f) {
		return noPath(f)
	}
	return write(w, m, ix, f)
}

func pathsTable(w io.Writer, _ *matrix.Matrix, ix *matrix.Index, f matrix.Filter) error {
	bw := bufio.NewWriter(w)
	var cache pathCells
	// cellBuf holds one path's cells while tabwriter aligns them.
	var cellBuf bytes.Buffer
	n := 0
	err := ix.Paths(f, func(p matrix.Path) error {
		cells := cache.of(p)
		if n > 0 {
			bw.WriteByte('\n')
		}
		n++
		fmt.Fprintf(bw, "%s -> %s  %s\n", term(p.Source.String()), term(cache.dst), cache.status)
		fmt.Fprintf(bw, "  path   %s\n  row    %s\n  class  %s  %s (%s)\n", p.ID, p.Row.ID, p.Class.ID, term(p.Class.Key), sources(p.Class.Members))
		cellBuf.Reset()
		tw := tabwriter.NewWriter(&cellBuf, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CHECK\tSTATUS\tREASON\tEVIDENCE\tWAIVER")
		for _, c := range cells {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", c.Check, c.Status, term(c.Reason), term(strings.Join(c.Evidence, " ")), term(c.Waiver))
		}
		tw.Flush()
		for _, line := range strings.SplitAfter(cellBuf.String(), "\n") {
			if line != "" {
				bw.WriteString(strings.TrimRight(line, " \n") + "\n")
			}
		}
		return bufErr(bw)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(bw, "\n%s\n", plural(n, "path", "paths"))
	return bw.Flush()
}

func pathsMarkdown(w io.Writer, m *matrix.Matrix, ix *matrix.Index, f matrix.Filter) error {
	bw := bufio.NewWriter(w)
	var sel []string
	if f.Source != "" {
		sel = append(sel, "from "+mdEscape(f.Source))
	}
	if f.Destination != "" {
		sel = append(sel, "to "+mdEscape(f.Destination))
	}
	fmt.Fprintf(bw, "# SC-8 paths %s: %s\n", strings.Join(sel, " "), mdEscape(m.Cluster))
	var cache pathCells
	n := 0
	err := ix.Paths(f, func(p matrix.Path) error {
		cells := cache.of(p)
		n++
		fmt.Fprintf(bw, "\n## %s -> %s: **%s**\n\n", mdEscape(p.Source.String()), mdEscape(cache.dst), cache.status)
		fmt.Fprintf(bw, "- Path: `%s`\n- Row: `%s`\n- Class: `%s` %s (%s)\n\n", p.ID, p.Row.ID, p.Class.ID, mdEscape(p.Class.Key), sources(p.Class.Members))
		bw.WriteString("| Check | Status | Reason | Evidence | Waiver |\n|---|---|---|---|---|\n")
		for _, c := range cells {
			fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", c.Check, c.Status, mdEscape(c.Reason), mdEscape(strings.Join(c.Evidence, ", ")), mdEscape(c.Waiver))
		}
		return bufErr(bw)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(bw, "\n%s.\n", plural(n, "path", "paths"))
	return bw.Flush()
}

func pathsCSV(w io.Writer, _ *matrix.Matrix, ix *matrix.Index, f matrix.Filter) error {
	cw := csv.NewWriter(w)
	cols := append(append(append([]string{}, CSVExpandedColumns[:6]...), "class_key"), CSVExpandedColumns[6:]...)
	if err := cw.Write(cols); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	var cache pathCells
	err := ix.Paths(f, func(p matrix.Path) error {
		cells := cache.of(p)
		rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6] = p.ID, csvSafe(p.Source.String()), csvSafe(p.Source.Mesh), csvSafe(cache.dst), p.Row.ID, p.Class.ID, csvSafe(p.Class.Key)
		for i := range cells {
			c := &cells[i]
			rec[7], rec[8], rec[9], rec[10], rec[11] = c.Check, string(c.Status), csvSafe(c.Reason), csvSafe(strings.Join(c.Evidence, " ")), csvSafe(c.Waiver)
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

func pathsJSON(w io.Writer, _ *matrix.Matrix, ix *matrix.Index, f matrix.Filter) error {
	doc := pathQuery{APIVersion: matrix.APIVersion, Kind: PathQueryKind, Source: f.Source, Destination: f.Destination}
	return writeJSON(w, &doc, jsonArray{Line: `  "paths": null`, Items: func(emit func(any) error) error {
		var cache pathCells
		return ix.Paths(f, func(p matrix.Path) error {
			cells := cache.of(p)
			return emit(&pathEntry{ID: p.ID, Source: p.Source, Destination: p.Row.Destination, RowID: p.Row.ID,
				ClassID: p.Class.ID, ClassKey: p.Class.Key, Status: cache.status, Cells: cells})
		})
	}})
}
