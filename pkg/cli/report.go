package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/report"
	"github.com/sc8scan/sc8scan/pkg/scan"
	"github.com/spf13/cobra"
)

type reportFlags struct {
	output      string
	gate        bool
	minCoverage float64
	maxRows     int
	byClass     bool
	source      string
	destination string
	expand      bool
	base        baselineFlags
}

func newReportCmd(s Streams) *cobra.Command {
	f := &reportFlags{}
	cmd := &cobra.Command{
		Use:   "report MATRIX.json",
		Short: "Re-render a saved matrix (table, markdown, csv, json, html, junit, sarif, oscal, poam) and optionally gate on it",
		Long: `report reads a matrix.json written by scan and renders it again, for a
person (table, markdown) or a spreadsheet (csv). With --gate it exits as scan
does, so a pipeline can gate on a matrix produced elsewhere.

The matrix has one row per destination Service port; the sources of each
row are grouped into classes that the evidence cannot tell apart (same
mesh mode, client TLS settings, client image FIPS verdict and observed
traffic). --source and --destination answer for single paths: they print
the cells of every path they select (the row's cells and the cells of the
class the source belongs to there), with the class and the evidence ids,
in -o table, markdown, csv or json. With -o csv, --expand writes one line
per (path x check) instead of one per cell, streamed.

` + exitCodesHelp,
		Example: `  sc8scan report out/matrix.json
  sc8scan report out/matrix.json -o markdown > SC-8.md
  sc8scan report out/matrix.json --source shop/frontend --destination shop/cart:8080
  sc8scan report out/matrix.json --destination payments/ledger -o json
  sc8scan report out/matrix.json -o csv --expand > paths.csv
  sc8scan report out/matrix.json --gate --min-coverage 80`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !contains(report.Formats, f.output) {
				return usageErr("--output %q: want one of %s", f.output, strings.Join(report.Formats, ", "))
			}
			filter, err := matrix.ParseFilter(f.source, f.destination)
			if err != nil {
				return usageErr("%v", err)
			}
			query := !filter.Empty()
			if query && !contains(report.PathFormats, f.output) {
				return usageErr("--source/--destination print paths as %s, not %s", strings.Join(report.PathFormats, ", "), f.output)
			}
			if err := f.base.check(); err != nil {
				return usageErr("%v", err)
			}
			if f.expand && f.output != "csv" {
				return usageErr("--expand writes CSV: add -o csv")
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
			if err := f.base.compare(m); err != nil {
				return &ExitErr{Code: ExitError, Err: err}
			}
			switch {
			case query && !f.expand:
				if err := report.WritePaths(s.Out, m, filter, f.output); err != nil {
					if errors.Is(err, report.ErrNoPath) {
						return &ExitErr{Code: ExitError, Err: err}
					}
					return &ExitErr{Code: ExitError, Err: err}
				}
			case f.expand:
				if err := report.CSVExpanded(s.Out, m, filter); err != nil {
					return &ExitErr{Code: ExitError, Err: err}
				}
			default:
				o := report.Options{Color: colorable(s.Out), MaxRows: f.maxRows, ByClass: f.byClass}
				if f.output == "html" {
					// The page's row details come from the bundle's
					// evidence next to the matrix, when it is there and
					// unchanged.
					ev, problems := scan.BundleEvidence(filepath.Dir(args[0]), m)
					for _, p := range problems {
						fmt.Fprintf(s.Err, "sc8scan report: %s\n", p)
					}
					o.Details = scan.Details(ev)
				}
				if err := report.Render(s.Out, m, f.output, o); err != nil {
					return &ExitErr{Code: ExitError, Err: err}
				}
			}
			if f.gate || f.base.failOn != matrix.FailOnAny {
				return gate(m, f.minCoverage, f.base.failOn)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", "table", strings.Join(report.Formats, ", "))
	f.base.add(cmd.Flags())
	cmd.Flags().BoolVar(&f.gate, "gate", false, "exit 3/4/5 as scan does when the matrix has FAIL cells, low coverage or expired waivers")
	cmd.Flags().Float64Var(&f.minCoverage, "min-coverage", 0, "with --gate: exit 4 below this percentage of tested cells")
	cmd.Flags().IntVar(&f.maxRows, "max-rows", 0, "table: show at most this many rows (0: all)")
	cmd.Flags().BoolVar(&f.byClass, "by-class", false, "table: one line per source class under each destination port")
	cmd.Flags().StringVar(&f.source, "source", "", "print the paths from this source workload: NAMESPACE/WORKLOAD or NAMESPACE/KIND/WORKLOAD")
	cmd.Flags().StringVar(&f.destination, "destination", "", "print the paths to this destination: NAMESPACE/SERVICE or NAMESPACE/SERVICE:PORT")
	cmd.Flags().BoolVar(&f.expand, "expand", false, "with -o csv: one line per (path x check), streamed; --source/--destination filter it")
	return cmd
}
