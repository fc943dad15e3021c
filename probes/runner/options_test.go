package runner_test

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/sc8scan/sc8scan/probes/runner"
)

// countingConn reports its close once.
type countingConn struct {
	net.Conn
	once  sync.Once
	close func()
}

func (c *countingConn) Close() error {
	c.once.Do(c.close)
	return c.Conn.Close()
}

func TestPoliteness(t *testing.T) {
	h1, p1 := tlsServer(t, &tls.Config{})
	h2, p2 := tlsServer(t, &tls.Config{MaxVersion: tls.VersionTLS12})
	var (
		mu          sync.Mutex
		open, peak  = map[string]int{}, map[string]int{}
		dials       int
		progress    []int
		progressTot int
	)
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		dials++
		open[addr]++
		if open[addr] > peak[addr] {
			peak[addr] = open[addr]
		}
		mu.Unlock()
		return &countingConn{Conn: c, close: func() { mu.Lock(); open[addr]--; mu.Unlock() }}, nil
	}
	p := plan.Plan{Targets: []plan.Target{{Host: h1, Port: p1}, {Host: h2, Port: p2}},
		Limits: plan.Limits{Enumerate: true, PerEndpoint: 2, ConnTimeout: plan.Duration(2 * time.Second)}}
	_, err := runner.Run(context.Background(), p, runner.WithDialer(dial), runner.WithProgress(func(done, total int) {
		progress = append(progress, done)
		progressTot = total
	}))
	if err != nil {
		t.Fatal(err)
	}
	if dials < 20 {
		t.Errorf("only %d connections went through the dialer", dials)
	}
	for addr, n := range peak {
		if n > 2 {
			t.Errorf("%s had %d connections at once, limit 2", addr, n)
		}
	}
	for addr, n := range open {
		if n != 0 {
			t.Errorf("%s: %d connections left open", addr, n)
		}
	}
	if len(progress) != 2 || progress[1] != 2 || progressTot != 2 {
		t.Errorf("progress calls %v of %d", progress, progressTot)
	}
}
