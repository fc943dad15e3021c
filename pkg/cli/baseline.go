package cli

import (
	"fmt"
	"os"

	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/report"
	"github.com/spf13/pflag"
)

// baselineFlags compare a matrix with an earlier one and gate on the
// difference.
type baselineFlags struct {
	file, failOn string
}

func (f *baselineFlags) add(fl *pflag.FlagSet) {
	fl.StringVar(&f.file, "baseline", "", "an earlier matrix.json to compare with: every row, class and cell is marked new, regressed, improved or unchanged, and what is gone resolved")
	fl.StringVar(&f.failOn, "fail-on", matrix.FailOnAny, "with --baseline, what exits 3: new (FAIL cells that were not FAIL in the baseline), regressed (any cell worse than in the baseline, or a new FAIL) or any (every FAIL cell)")
}

func (f *baselineFlags) check() error {
	switch f.failOn {
	case matrix.FailOnAny, matrix.FailOnNew, matrix.FailOnRegressed:
	default:
		return fmt.Errorf("--fail-on %q: want new, regressed or any", f.failOn)
	}
	if f.failOn != matrix.FailOnAny && f.file == "" {
		return fmt.Errorf("--fail-on %s needs --baseline", f.failOn)
	}
	return nil
}

// compare reads the baseline and marks m against it.
func (f *baselineFlags) compare(m *matrix.Matrix) error {
	if f.file == "" {
		return nil
	}
	in, err := os.Open(f.file)
	if err != nil {
		return fmt.Errorf("reading --baseline: %w", err)
	}
	defer in.Close()
	old, err := report.Read(in)
	if err != nil {
		return fmt.Errorf("--baseline %s: %w", f.file, err)
	}
	return matrix.Compare(m, old, f.file)
}
