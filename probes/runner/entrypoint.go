package runner

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/evidence/frame"
	"github.com/sc8scan/sc8scan/probes/plan"
)

// maxPlanBytes bounds the plan a probe pod reads.
const maxPlanBytes = 64 << 20

// Main is the probe-pod program (cmd/sc8probe): it reads a Plan as JSON
// from the file named by -plan (default "-", stdin), runs it and writes the
// ProbeReport as JSON to out. Logs go to errw. An error means the plan could
// not be read or run; findings are never errors.
func Main(ctx context.Context, in io.Reader, out, errw io.Writer, args []string) error {
	fs := flag.NewFlagSet("sc8probe", flag.ContinueOnError)
	fs.SetOutput(errw)
	planPath := fs.String("plan", "-", "plan JSON file, or - for stdin")
	verbose := fs.Bool("v", false, "log each target to stderr")
	istioQuit := fs.Bool("istio-quit", false, "when done, ask the pod's Istio sidecar to exit (POST 127.0.0.1:15020/quitquitquit) so the Job can complete")
	frameName := fs.String("frame", "", "write the report as one log frame named this (for the in-cluster dispatcher: digest and length checked when read back) instead of indented JSON")
	fs.Usage = func() {
		fmt.Fprintln(errw, "usage: sc8probe [-plan FILE|-] [-frame NAME] [-v]\n\nReads a ProbePlan (JSON), probes every target and writes a ProbeReport (JSON) to stdout.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (the plan comes from -plan)", fs.Args())
	}
	r := in
	if *planPath != "-" {
		f, err := os.Open(*planPath)
		if err != nil {
			return fmt.Errorf("opening plan: %w", err)
		}
		defer f.Close()
		r = f
	}
	p, err := ReadPlan(r)
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewJSONHandler(errw, &slog.HandlerOptions{Level: level}))
	rep, err := Run(ctx, p, WithLogger(log), WithScannerName("sc8probe"))
	if err != nil {
		return err
	}
	if *istioQuit {
		defer quitSidecar(ctx, log)
	}
	if *frameName != "" {
		b, err := json.Marshal(rep)
		if err != nil {
			return fmt.Errorf("writing report: %w", err)
		}
		if err := frame.Write(out, evidence.KindProbeReport, *frameName, b); err != nil {
			return fmt.Errorf("writing report: %w", err)
		}
		return nil
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// ReadPlan decodes and validates a plan, bounded in size. Unknown fields
// are refused so a misspelt limit is not silently ignored.
func ReadPlan(r io.Reader) (plan.Plan, error) {
	var p plan.Plan
	lr := &io.LimitedReader{R: r, N: maxPlanBytes + 1}
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		if lr.N <= 0 {
			return p, fmt.Errorf("reading plan: larger than %d bytes", maxPlanBytes)
		}
		return p, fmt.Errorf("reading plan: %w", err)
	}
	if dec.More() {
		return p, errors.New("reading plan: more than one JSON document")
	}
	if p.APIVersion != "" && p.APIVersion != evidence.APIVersion {
		return p, fmt.Errorf("reading plan: apiVersion %q, want %s", p.APIVersion, evidence.APIVersion)
	}
	if p.Kind != "" && p.Kind != "ProbePlan" {
		return p, fmt.Errorf("reading plan: kind %q, want ProbePlan", p.Kind)
	}
	return p, Validate(p)
}

// sidecarQuitURL is where an Istio sidecar's agent takes the request to
// exit; a Job's pod completes only once every container has.
var sidecarQuitURL = "http://127.0.0.1:15020/quitquitquit"

// quitSidecar asks the pod's sidecar to exit. A sidecar that is not there
// or does not answer is logged: the report is already written.
func quitSidecar(ctx context.Context, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sidecarQuitURL, nil)
	if err != nil {
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Warn("asking the sidecar to exit", "err", err)
		return
	}
	resp.Body.Close()
}
