package capture

import (
	"io"
	"log/slog"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// Option configures ReadFile and Live.
type Option func(*config)

type config struct {
	inv          *inventory.Inventory
	log          *slog.Logger
	maxFlows     int
	streamBytes  int
	totalBytes   int64
	idleTimeout  time.Duration
	closeLinger  time.Duration
	bpf          string
	snaplen      int
	period       time.Duration
	onReport     func(r *evidence.FlowReport, final bool)
	scannerName  string
	inputDisplay string
}

func newConfig(opts []Option) *config {
	c := &config{
		log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		maxFlows:    1 << 18,
		streamBytes: 32 << 10,
		totalBytes:  256 << 20,
		idleTimeout: 5 * time.Minute,
		closeLinger: 5 * time.Second,
		snaplen:     65535,
		period:      time.Minute,
		scannerName: "sc8scan",
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// WithInventory maps flows onto pods, workloads and Services of inv (pod
// IPs and ClusterIPs) and sets Flow.PathID from inv.Paths (source workload
// to destination Service port). Default: no mapping.
func WithInventory(inv *inventory.Inventory) Option { return func(c *config) { c.inv = inv } }

// WithLogger sets the logger. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

// WithMaxFlows caps the flows followed at once; when full, the least
// recently active flow is finished early and counted in Stats.Evicted.
// Default: 262144.
func WithMaxFlows(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxFlows = n
		}
	}
}

// WithStreamBytes caps the bytes kept from the start of each direction of a
// TCP connection. Default: 32 KiB, enough for a TLS 1.2 handshake with
// certificate chains on both sides.
func WithStreamBytes(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.streamBytes = n
		}
	}
}

// WithTotalBytes caps the bytes buffered over all flows; payload beyond it
// is not inspected and is counted in Stats.Dropped. Default: 256 MiB.
func WithTotalBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.totalBytes = n
		}
	}
}

// WithIdleTimeout finishes a flow that has seen no packet for d (capture
// time), counting it in Stats.Evicted. Default: 5 minutes.
func WithIdleTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.idleTimeout = d
		}
	}
}

// WithBPF sets a capture filter in tcpdump syntax for live capture
// (compiled with tcpdump -ddd). Default: none.
func WithBPF(expr string) Option { return func(c *config) { c.bpf = expr } }

// WithPeriod sets how often Live hands a snapshot of finished and active
// flows to the WithReport callback. Default: one minute.
func WithPeriod(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.period = d
		}
	}
}

// WithReport sets the callback Live calls every period with the flows
// finished since the previous call and those still active, and once at the
// end with final set. Default: none (only the final report is returned).
func WithReport(fn func(r *evidence.FlowReport, final bool)) Option {
	return func(c *config) { c.onReport = fn }
}

// WithScanner names the binary in the report header. Default: "sc8scan".
func WithScanner(name string) Option {
	return func(c *config) {
		if name != "" {
			c.scannerName = name
		}
	}
}
