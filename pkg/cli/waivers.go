package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/report"
	"github.com/sc8scan/sc8scan/pkg/waivers"
	"github.com/spf13/cobra"
)

type waiversFlags struct {
	matrix, output, at string
	within             dayDuration
}

func newWaiversCmd(s Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "waivers",
		Short: "Keep a waiver file healthy: validate it, list expired, expiring, unused and overlapping waivers",
	}
	cmd.AddCommand(newWaiversCheckCmd(s))
	return cmd
}

func newWaiversCheckCmd(s Streams) *cobra.Command {
	f := &waiversFlags{}
	cmd := &cobra.Command{
		Use:   "check WAIVERS.yaml [--matrix MATRIX.json] [--within 30d]",
		Short: "Validate a waiver file and list expired, expiring, unused and overlapping waivers",
		Long: `check reads a waiver file (kind Waivers) and reports, each with its line:

  error     an entry a scan would refuse: unknown field, unknown check, bad
            glob, no approver, justification or expiry, an id used twice
  expired   past its expiry: its cells FAIL again and a scan exits 5
  expiring  expires within --within (default 30 days)
  unused    with --matrix: matches no FAIL, WARN or WAIVED cell of it
  overlap   with --matrix: shares cells with another waiver

Exit codes: 0 nothing wrong (expiring, unused and overlapping waivers are
listed, not failed); 1 the file is invalid or cannot be read; 5 a waiver
has expired.`,
		Example: `  sc8scan waivers check waivers.yaml
  sc8scan waivers check waivers.yaml --matrix out/matrix.json --within 45d -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			now := time.Now()
			if f.at != "" {
				t, err := time.Parse("2006-01-02", f.at)
				if err != nil {
					return usageErr("--at %q: want YYYY-MM-DD", f.at)
				}
				now = t
			}
			if f.output != "text" && f.output != "json" {
				return usageErr("-o %q: want text or json", f.output)
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return &ExitErr{Code: ExitError, Err: fmt.Errorf("reading waivers: %w", err)}
			}
			var m *matrix.Matrix
			if f.matrix != "" {
				in, err := os.Open(f.matrix)
				if err != nil {
					return &ExitErr{Code: ExitError, Err: fmt.Errorf("reading matrix: %w", err)}
				}
				m, err = report.Read(in)
				in.Close()
				if err != nil {
					return &ExitErr{Code: ExitError, Err: fmt.Errorf("%s: %w", f.matrix, err)}
				}
			}
			rep, err := waivers.Check(args[0], data, m, now, time.Duration(f.within))
			if err != nil {
				return &ExitErr{Code: ExitError, Err: err}
			}
			if f.output == "json" {
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				for _, fd := range rep.Findings {
					who := ""
					if fd.Waiver != "" {
						who = " " + fd.Waiver
					}
					fmt.Fprintf(s.Out, "%s:%d: %s%s: %s\n", rep.File, fd.Line, strings.ToUpper(fd.Kind), who, fd.Text)
				}
				fmt.Fprintf(s.Out, "%d waivers: %d errors, %d expired, %d expiring within %s, %d unused, %d overlapping%s\n", rep.Waivers,
					rep.Count(waivers.KindError), rep.Count(waivers.KindExpired), rep.Count(waivers.KindExpiring), days(time.Duration(f.within)),
					rep.Count(waivers.KindUnused), rep.Count(waivers.KindOverlap), map[bool]string{true: "", false: " (give --matrix to check use and overlap)"}[m != nil])
			}
			switch {
			case rep.Count(waivers.KindError) > 0:
				return &ExitErr{Code: ExitError, Err: fmt.Errorf("%s is invalid: %d errors", args[0], rep.Count(waivers.KindError))}
			case rep.Count(waivers.KindExpired) > 0:
				return &ExitErr{Code: ExitExpiredWaiver, Err: fmt.Errorf("%d waivers have expired", rep.Count(waivers.KindExpired))}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.matrix, "matrix", "", "a matrix.json to check the waivers' use and overlap against")
	f.within = dayDuration(30 * 24 * time.Hour)
	fl.Var(&f.within, "within", "list waivers that expire within this long: 30d, 2w, 720h")
	fl.StringVar(&f.at, "at", "", "check as of this date (YYYY-MM-DD; default today)")
	fl.StringVarP(&f.output, "output", "o", "text", "text or json")
	return cmd
}

func days(d time.Duration) string { return fmt.Sprintf("%d days", int(d.Hours()/24)) }

// dayDuration is a duration flag that also takes days (30d) and weeks (2w).
type dayDuration time.Duration

func (d *dayDuration) String() string { return days(time.Duration(*d)) }

func (d *dayDuration) Type() string { return "duration" }

func (d *dayDuration) Set(s string) error {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			var v int
			if _, err := fmt.Sscanf(n, "%d", &v); err != nil || v < 0 || fmt.Sprint(v) != n {
				return fmt.Errorf("%q: want a whole number of days or weeks, or a Go duration", s)
			}
			*d = dayDuration(time.Duration(v) * unit)
			return nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("%q: want 30d, 2w or a Go duration such as 720h", s)
	}
	*d = dayDuration(v)
	return nil
}
