package runner

import (
	"context"
	"io"
	"log/slog"
	"net"
	"time"
)

// Option changes how Run works.
type Option func(*config)

type config struct {
	log      *slog.Logger
	progress func(done, total int)
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	authWait time.Duration
	scanner  string
	now      func() time.Time
}

func newConfig(opts []Option) *config {
	c := &config{
		log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		dial:     (&net.Dialer{}).DialContext,
		authWait: time.Second,
		scanner:  "sc8scan",
		now:      time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// WithLogger sends progress and per-target failures to l (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithProgress calls f after each target ends with the number done and the
// total (default: none). f is called from one goroutine at a time.
func WithProgress(f func(done, total int)) Option { return func(c *config) { c.progress = f } }

// WithDialer makes connections with d (default: a net.Dialer). Tests and
// network namespaces use it.
func WithDialer(d func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = d }
}

// WithClientAuthWait is how long to wait, on TLS 1.3, for a server to
// refuse an empty client Certificate after the handshake (default 1s; it
// never exceeds the connection timeout).
func WithClientAuthWait(d time.Duration) Option { return func(c *config) { c.authWait = d } }

// WithScannerName names the binary in the report header (default
// "sc8scan").
func WithScannerName(n string) Option { return func(c *config) { c.scanner = n } }
