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
	"bytes"
	"context"
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
	"github.com/sc8scan/sc8scan/pkg/evidence/frame"
)

const sysClassNet = "/sys/class/net"

// AutoInterfaces picks the interfaces that carry a node's pod traffic from
// sysfs (dir is /sys/class/net): its bridges, where a bridge CNI puts every
// pod of the node, so one capture sees pod-to-pod traffic once; without a
// bridge, every interface but loopback and the pods' veth ends (routed
// CNIs, where the node's uplink carries the traffic).
func AutoInterfaces(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing interfaces: %w", err)
	}
	var bridges, others []string
	for _, e := range entries {
		n := e.Name()
		if _, err := os.Stat(filepath.Join(dir, n, "bridge")); err == nil {
			bridges = append(bridges, n)
			continue
		}
		if n == "lo" || strings.HasPrefix(n, "veth") {
			continue
		}
		others = append(others, n)
	}
	if len(bridges) > 0 {
		return bridges, nil
	}
	if len(others) == 0 {
		return nil, fmt.Errorf("no interface to capture on in %s (give -interface)", dir)
	}
	return others, nil
}

// Run runs the sensor with args until ctx is done (SIGTERM), writing
// reports to out (one JSON document per line) or into -out DIR.
func Run(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("sc8sensor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ifaces := fs.String("interface", "", "comma-separated interfaces to capture on (needs CAP_NET_RAW), or auto: the node's bridges (cni0, cbr0 and the like), else every interface but loopback and veths")
	pcaps := fs.String("pcap", "", "comma-separated capture files to classify instead of interfaces")
	bpf := fs.String("bpf", "", "capture filter in tcpdump syntax")
	period := fs.Duration("period", time.Minute, "how often to write a report (flows finished since the last one, and active flows)")
	outDir := fs.String("out", "", "directory for report files (default: JSON lines on stdout)")
	duration := fs.Duration("duration", 0, "stop after this long (default: until SIGTERM)")
	maxFlows := fs.Int("max-flows", 1<<18, "flows followed at once per interface")
	frameName := fs.String("frame", "", "write only each interface's final report, as one log frame named NAME.INTERFACE (for the in-cluster dispatcher), instead of JSON lines")
	hold := fs.Bool("hold", false, "after -duration, stay idle until stopped instead of exiting (a DaemonSet would restart an exited sensor and capture again)")
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
	if *hold && *duration <= 0 {
		return errors.New("-hold needs -duration")
	}
	if *frameName != "" && *outDir != "" {
		return errors.New("give -frame or -out, not both")
	}
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", *outDir, err)
		}
	}
	stop := ctx
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	w := &writer{stdout: stdout, dir: *outDir, frame: *frameName}
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
	names := strings.Split(*ifaces, ",")
	if *ifaces == "auto" {
		var err error
		if names, err = AutoInterfaces(sysClassNet); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "sc8sensor: capturing on %s\n", strings.Join(names, ","))
	var wg sync.WaitGroup
	errs := make([]error, 0)
	var mu sync.Mutex
	for _, ifc := range names {
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
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if *hold {
		// On stdout, after the reports: a reader that sees this line has
		// every report before it (stderr is another stream, and a
		// container runtime may interleave the two in any order).
		w.mu.Lock()
		fmt.Fprintln(stdout, "sc8sensor: capture window over; idle until stopped")
		w.mu.Unlock()
		<-stop.Done()
	}
	return nil
}

// writer serialises reports: JSON lines on stdout, or one file per
// interface replaced atomically each period.
type writer struct {
	mu     sync.Mutex
	stdout io.Writer
	dir    string
	frame  string
}

func (w *writer) write(name string, r *evidence.FlowReport, final bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.frame != "" {
		if !final {
			return nil
		}
		var b bytes.Buffer
		if err := capture.WriteJSON(&b, r, ""); err != nil {
			return err
		}
		return frame.Write(w.stdout, evidence.KindFlowReport, w.frame+"."+safeName(name), bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	}
	if w.dir == "" {
		return capture.WriteJSON(w.stdout, r, "")
	}
	// One file per report: each holds the flows finished since the
	// previous one plus those still active.
	suffix := "-" + time.Now().UTC().Format("20060102T150405.000000000Z") + ".json"
	if final {
		suffix = "-final.json"
	}
	path := filepath.Join(w.dir, "flows-"+safeName(name)+suffix)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	err = capture.WriteJSON(f, r, "  ")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
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
