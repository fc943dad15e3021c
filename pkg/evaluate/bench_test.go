package evaluate_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/discover"
	"github.com/sc8scan/sc8scan/pkg/evaluate"
	"github.com/sc8scan/sc8scan/pkg/internal/clustergen"
	"github.com/sc8scan/sc8scan/pkg/policy"
)

// BenchmarkScale reads a generated cluster, predicts its policy per class
// and evaluates the matrix, the stages of `scan --from` without probes and
// without writing the bundle (hack/bench-scale.sh times the whole scan).
// It reports rows, classes and paths, and the heap in use after the
// matrix is built.
func BenchmarkScale(b *testing.B) {
	for _, s := range []clustergen.Spec{
		{Workloads: 1000, Seed: 1},
		{Workloads: 3000, ServicePorts: 5000, Namespaces: 100, Seed: 1},
		{Workloads: 6000, ServicePorts: 10000, Namespaces: 200, Seed: 1},
	} {
		b.Run(fmt.Sprintf("workloads=%d", s.Workloads), func(b *testing.B) {
			dir := b.TempDir()
			f, err := os.Create(filepath.Join(dir, "cluster.yaml"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := clustergen.Write(f, s); err != nil {
				b.Fatal(err)
			}
			f.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				inv, err := discover.FromDir(context.Background(), dir)
				if err != nil {
					b.Fatal(err)
				}
				read := time.Since(start)
				pol, err := policy.Predict(inv)
				if err != nil {
					b.Fatal(err)
				}
				predicted := time.Since(start)
				m, err := evaluate.Evaluate(evaluate.Input{Inventory: inv, Evidence: evaluate.Evidence{Policy: pol}, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
				if err != nil {
					b.Fatal(err)
				}
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(len(m.Rows)), "rows")
				b.ReportMetric(float64(m.Summary.Classes), "classes")
				b.ReportMetric(float64(m.Summary.Paths), "paths")
				b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
				b.ReportMetric(read.Seconds(), "discover-s")
				b.ReportMetric((predicted - read).Seconds(), "policy-s")
				b.ReportMetric((time.Since(start) - predicted).Seconds(), "evaluate-s")
			}
		})
	}
}
