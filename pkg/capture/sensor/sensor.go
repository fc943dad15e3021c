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
	"bufio"
	"bytes"
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
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return frame.Write(w.stdout, evidence.KindFlowReport, w.frame+"."+safeName(name), b)
	}
	if w.dir == "" {
		return writeLine(w.stdout, r)
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

// writeLine writes r as one line of JSON, the bytes json.Marshal gives
// plus a newline, encoding one flow at a time: a report of many flows is
// never held whole in memory a second time. The certificate chains, most
// of the bytes of a report of TLS 1.2 flows and repeated from flow to
// flow, are encoded once per chain.
func writeLine(out io.Writer, r *evidence.FlowReport) error {
	if r.Flows == nil {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = out.Write(append(b, '\n'))
		return err
	}
	shell := *r
	shell.Flows = []evidence.Flow{}
	b, err := json.Marshal(&shell)
	if err != nil {
		return err
	}
	// Inside a JSON string every quote is escaped, so this is the key.
	const marker = `"flows":[]`
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		return fmt.Errorf("encoding report: no flows key")
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	bw.Write(b[:i+len(marker)-1])
	fe := flowEncoder{chains: map[string][]byte{}}
	for k := range r.Flows {
		if k > 0 {
			bw.WriteByte(',')
		}
		if err := fe.encode(bw, &r.Flows[k]); err != nil {
			return err
		}
	}
	bw.Write(b[i+len(marker)-1:])
	bw.WriteByte('\n')
	return bw.Flush()
}

// flowEncoder encodes flows as json.Marshal does, with each certificate
// chain encoded once.
type flowEncoder struct {
	buf        bytes.Buffer
	enc        *json.Encoder
	chains     map[string][]byte
	chainBytes int
}

// maxChainBytes bounds the encoded chains kept; past it they are dropped
// and encoded afresh.
const maxChainBytes = 4 << 20

func (fe *flowEncoder) encode(w *bufio.Writer, f *evidence.Flow) error {
	if fe.enc == nil {
		fe.enc = json.NewEncoder(&fe.buf)
	}
	fe.buf.Reset()
	t := f.TLS
	if t == nil || len(t.ServerCertificates) == 0 && len(t.ClientCertificates) == 0 {
		if err := fe.enc.Encode(f); err != nil {
			return err
		}
		w.Write(bytes.TrimSuffix(fe.buf.Bytes(), []byte("\n")))
		return nil
	}
	// The chains are FlowTLS's last fields: encode the flow without them,
	// then put them back before the end of the "tls" object.
	bare := *t
	bare.ServerCertificates, bare.ClientCertificates = nil, nil
	fc := *f
	fc.TLS = &bare
	if err := fe.enc.Encode(&fc); err != nil {
		return err
	}
	b := bytes.TrimSuffix(fe.buf.Bytes(), []byte("\n"))
	start := bytes.Index(b, []byte(`"tls":{`))
	end := -1
	if start >= 0 {
		end = objectEnd(b, start+len(`"tls":`))
	}
	if end < 0 {
		return fmt.Errorf("encoding flow %s>%s: no tls object", f.Client, f.Server)
	}
	w.Write(b[:end])
	for _, c := range []struct {
		key   string
		chain []evidence.Certificate
	}{{`,"serverCertificates":`, t.ServerCertificates}, {`,"clientCertificates":`, t.ClientCertificates}} {
		if len(c.chain) == 0 {
			continue
		}
		j, err := fe.chain(c.chain)
		if err != nil {
			return err
		}
		w.WriteString(c.key)
		w.Write(j)
	}
	w.Write(b[end:])
	return nil
}

// chain returns the JSON of a certificate chain. A certificate's fields
// all follow from its DER, which its SHA-256 names.
func (fe *flowEncoder) chain(certs []evidence.Certificate) ([]byte, error) {
	var key strings.Builder
	for _, c := range certs {
		key.WriteString(c.SHA256)
		key.WriteByte(',')
	}
	if j, ok := fe.chains[key.String()]; ok {
		return j, nil
	}
	j, err := json.Marshal(certs)
	if err != nil {
		return nil, err
	}
	if fe.chainBytes+len(j) > maxChainBytes {
		clear(fe.chains)
		fe.chainBytes = 0
	}
	fe.chains[key.String()] = j
	fe.chainBytes += len(j)
	return j, nil
}

// objectEnd returns the index of the brace closing the JSON object that
// starts at b[open], or -1.
func objectEnd(b []byte, open int) int {
	depth, inString := 0, false
	for i := open; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}
