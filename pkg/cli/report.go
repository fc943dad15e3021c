package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/report"
	"github.com/spf13/cobra"
)

type reportFlags struct {
	output      string
	gate        bool
	minCoverage float64
	maxRows     int
	byPath      bool
}

func newReportCmd(s Streams) *cobra.Command {
	f := &reportFlags{}
	cmd := &cobra.Command{
		Use:   "report MATRIX.json",
		Short: "Re-render a saved matrix (table, markdown, csv, json, html, junit, sarif, oscal, poam) and optionally gate on it",
		Long: `report reads a matrix.json written by scan and renders it again, for a
person (table, markdown) or a spreadsheet (csv). With --gate it exits as scan
does, so a pipeline can gate on a matrix produced elsewhere.

` + exitCodesHelp,
		Example: `  sc8scan report out/matrix.json
  sc8scan report out/matrix.json -o markdown > SC-8.md
  sc8scan report out/matrix.json --gate --min-coverage 80`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !contains(report.Formats, f.output) {
				return usageErr("--output %q: want one of %s", f.output, strings.Join(report.Formats, ", "))
			}
			in, err := os.Open(args[0])
			if err != nil {
				return &ExitErr{Code: ExitError, Err: fmt.Errorf("reading matrix: %w", err)}
			}
			defer in.Close()
			m, err := report.Read(in)
			if err != nil {
				return &ExitErr{Code: ExitError, Err: fmt.Errorf("%s: %w", args[0], err)}
			}
			m.Summarize()
			if err := report.Render(s.Out, m, f.output, report.Options{Color: colorable(s.Out), MaxRows: f.maxRows, ByPath: f.byPath}); err != nil {
				return &ExitErr{Code: ExitError, Err: err}
			}
			if f.gate {
				return gate(m, f.minCoverage)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", "table", strings.Join(report.Formats, ", "))
	cmd.Flags().BoolVar(&f.gate, "gate", false, "exit 3/4/5 as scan does when the matrix has FAIL cells, low coverage or expired waivers")
	cmd.Flags().Float64Var(&f.minCoverage, "min-coverage", 0, "with --gate: exit 4 below this percentage of tested cells")
	cmd.Flags().IntVar(&f.maxRows, "max-rows", 0, "table: show at most this many rows (0: all)")
	cmd.Flags().BoolVar(&f.byPath, "by-path", false, "table: one line per path instead of one per destination")
	return cmd
}
