package runner_test

import (
	"context"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/sc8scan/sc8scan/probes/runner"
)

// A thousand targets run with bounded file descriptors and memory: the
// run never holds more connections than its limits allow.
func TestThousandTargetsStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("opens about five thousand loopback connections")
	}
	var targets []plan.Target
	for i := 0; i < 10; i++ {
		h, p := permissiveHostPort(t)
		for j := 0; j < 100; j++ {
			targets = append(targets, plan.Target{Host: h, Port: p})
		}
	}
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skipf("no /proc/self/fd: %v", err)
		}
		return len(ents)
	}
	base := fds()
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				if n := int64(fds() - base); n > peak.Load() {
					peak.Store(n)
				}
			}
		}
	}()
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := plan.Plan{Targets: targets, Limits: plan.Limits{Concurrency: 16, PerEndpoint: 4, ConnTimeout: plan.Duration(3 * time.Second)}}
	rep, err := runner.Run(context.Background(), p, runner.WithClientAuthWait(100*time.Millisecond))
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rep.Results {
		if !r.TLS.Offered || !r.Plaintext.Accepted {
			t.Fatalf("target %d: tls %v plaintext %v errors %v", i, r.TLS.Offered, r.Plaintext.Accepted, r.Errors)
		}
	}
	// Ten endpoints, four connections each, both ends in this process.
	if max := int64(10*4*2 + 16); peak.Load() > max {
		t.Errorf("peak of %d extra file descriptors, want at most %d", peak.Load(), max)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 64<<20 {
		t.Errorf("heap grew by %d MiB over a thousand targets", grown>>20)
	}
	t.Logf("peak extra fds %d", peak.Load())
}
