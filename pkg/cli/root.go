package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Streams are the command's standard streams.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// Exit codes. 2 is left to the Go runtime (panics), so a crash never reads
// as a finding.
const (
	ExitOK            = 0
	ExitError         = 1
	ExitFail          = 3
	ExitCoverage      = 4
	ExitExpiredWaiver = 5
	ExitUnverified    = 6
)

// ExitErr carries an exit code out of a command. A nil Err means the
// command ran and only the code matters (a finding, not a failure).
type ExitErr struct {
	Code int
	Err  error
}

func (e *ExitErr) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitErr) Unwrap() error { return e.Err }

// ExitCode turns the error Run returned into the process exit code, writing
// the message (if any) to w.
func ExitCode(err error, w io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitErr
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintf(w, "sc8scan: %v\n", ee.Err)
		}
		return ee.Code
	}
	fmt.Fprintf(w, "sc8scan: %v\n", err)
	return ExitError
}

const exitCodesHelp = `Exit codes:
  0  compliant (scan, report) / the command ran (probe, policy, capture, images)
  1  sc8scan could not do its job: bad flags, unreadable input, no cluster
  3  at least one cell is FAIL
  4  coverage is below --min-coverage
  5  a waiver has expired
  6  verify: the bundle does not verify
  (2 is left to the Go runtime: a crash never reads as a finding)`

// Run executes sc8scan with args.
func Run(ctx context.Context, s Streams, args []string) error {
	root := newRoot(s)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

func newRoot(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "sc8scan",
		Short: "Prove encryption in transit across a Kubernetes cluster (NIST SP 800-53 SC-8)",
		Long: `sc8scan proves, for every service path in a Kubernetes cluster, that data in
transit is encrypted and authenticated as NIST SP 800-53 SC-8, SC-8(1), SC-13,
SC-23, IA-3 and IA-5(2) require under FedRAMP, and writes an SC-8 compliance
matrix with the evidence behind every cell.

Evidence comes from four places: what the cluster declares (mesh policy),
what each port accepts (active probes), what flows on the wire (captures) and
which crypto modules the images use (FIPS inspection). A check that could not
run is NOT-TESTED with its reason, never PASS.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		newScanCmd(s),
		newReportCmd(s),
		newVersionCmd(s),
		newCaptureCmd(s),
		newProbeCmd(s),
		newPolicyCmd(s),
		newImagesCmd(s),
		newGenCmd(s),
		newVerifyCmd(s),
		newWaiversCmd(s),
	)
	return root
}

// usageErr marks bad flags or arguments: exit 1 with the message.
func usageErr(format string, a ...any) error {
	return &ExitErr{Code: ExitError, Err: fmt.Errorf(format, a...)}
}
