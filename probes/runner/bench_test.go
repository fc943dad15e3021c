package runner_test

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/sc8scan/sc8scan/probes/runner"
)

// BenchmarkRun measures ports per second over loopback Go TLS servers:
// classification (quick) and full enumeration.
func BenchmarkRun(b *testing.B) {
	var targets []plan.Target
	for i := 0; i < 8; i++ {
		h, p := tlsServer(b, &tls.Config{})
		for j := 0; j < 8; j++ {
			targets = append(targets, plan.Target{Host: h, Port: p})
		}
	}
	for _, mode := range []struct {
		name      string
		enumerate bool
	}{{"quick", false}, {"enumerate", true}} {
		b.Run(mode.name, func(b *testing.B) {
			p := plan.Plan{Targets: targets, Limits: plan.Limits{Enumerate: mode.enumerate, ConnTimeout: plan.Duration(5 * time.Second)}}
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, err := runner.Run(context.Background(), p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(targets))/time.Since(start).Seconds(), "ports/s")
		})
	}
}
