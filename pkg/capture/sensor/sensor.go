// Package sensor is the packet sensor's program: it runs the capture
// classifier on live interfaces (or replays capture files) and writes a
// FlowReport per interface every period and once more when stopped, with
// the kernel's drop counters in its stats. Each report holds the flows
// finished since the previous one plus the flows still active (these
// reappear, updated, until they finish), so the sensor's memory is bounded
// by the live flows.
//
// It owns flags, output files and the per-interface goroutines. The
// classification itself is pkg/capture's; deploying the sensor as a
// DaemonSet is pkg/dispatch's.
package sensor

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sc8scan/sc8scan/pkg/capture"
	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// Run runs the sensor with args until ctx is done (SIGTERM), writing
// reports to out (one JSON document per line) or into -out DIR.
func Run(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("sc8sensor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ifaces := fs.String("interface", "", "comma-separated interfaces to capture on (needs CAP_NET_RAW)")
	pcaps := fs.String("pcap", "", "comma-separated capture files to classify instead of interfaces")
	bpf := fs.String("bpf", "", "capture filter in tcpdump syntax")
	period := fs.Duration("period", time.Minute, "how often to write a report (flows finished since the last one, and active flows)")
	outDir := fs.String("out", "", "directory for report files (default: JSON lines on stdout)")
	duration := fs.Duration("duration", 0, "stop after this long (default: until SIGTERM)")
	maxFlows := fs.Int("max-flows", 1<<18, "flows followed at once per interface")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sc8sensor -interface IF[,IF...] [-bpf EXPR] [-period D] [-out DIR] | -pcap FILE[,FILE...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*ifaces == "") == (*pcaps == "") {
		fs.Usage()
		return errors.New("give -interface or -pcap")
	}
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", *outDir, err)
		}
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	w := &writer{stdout: stdout, dir: *outDir}
	opts := []capture.Option{capture.WithScanner("sc8sensor"), capture.WithMaxFlows(*maxFlows)}
	if *pcaps != "" {
		for _, p := range strings.Split(*pcaps, ",") {
			r, err := capture.ReadFile(ctx, p, opts...)
			if err != nil {
				return err
			}
			if err := w.write(filepath.Base(p), r, true); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, 0)
	var mu sync.Mutex
	for _, ifc := range strings.Split(*ifaces, ",") {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := append(opts[:len(opts):len(opts)], capture.WithBPF(*bpf), capture.WithPeriod(*period),
				capture.WithReport(func(r *evidence.FlowReport, final bool) {
					if err := w.write(ifc, r, final); err != nil {
						fmt.Fprintf(stderr, "sc8sensor: writing report for %s: %v\n", ifc, err)
					}
				}))
			if _, err := capture.Live(ctx, ifc, o...); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// writer serialises reports: JSON lines on stdout, or one file per
// interface replaced atomically each period.
type writer struct {
	mu     sync.Mutex
	stdout io.Writer
	dir    string
}

func (w *writer) write(name string, r *evidence.FlowReport, final bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dir == "" {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = w.stdout.Write(append(b, '\n'))
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	// One file per report: each holds the flows finished since the
	// previous one plus those still active.
	suffix := "-" + time.Now().UTC().Format("20060102T150405.000000000Z") + ".json"
	if final {
		suffix = "-final.json"
	}
	path := filepath.Join(w.dir, "flows-"+safeName(name)+suffix)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, s)
}
