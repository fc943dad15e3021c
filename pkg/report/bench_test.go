package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// bigMatrix is a matrix of dsts destinations with srcs sources each, its
// cells cycling through every status.
func bigMatrix(dsts, srcs int) *matrix.Matrix {
	m := sample()
	m.Rows = nil
	m.Evidence = append(m.Evidence, matrix.Evidence{ID: "policy-report", Kind: "PolicyReport", File: "evidence/policy-report.json", SHA256: "b"})
	n := 0
	for d := range dsts {
		for s := range srcs {
			r := matrix.Row{PathID: stableID("bench", fmt.Sprint(d), fmt.Sprint(s)),
				Source:      matrix.Endpoint{Namespace: fmt.Sprintf("ns%d", s%20), Kind: "Deployment", Name: fmt.Sprintf("client-%d", s), Mesh: "sidecar"},
				Destination: matrix.Destination{Namespace: fmt.Sprintf("ns%d", d%20), Service: fmt.Sprintf("svc-%d", d), Port: 8443, AppProtocol: "https"}}
			for _, c := range matrix.Catalog {
				st := matrix.Statuses[n%len(matrix.Statuses)]
				n++
				r.Cells = append(r.Cells, matrix.Cell{Check: c.ID, Status: st, Reason: "probe: TLSv1.2 with TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, client certificate required",
					Evidence: []string{fmt.Sprintf("probe-report#results[%d]", d), fmt.Sprintf("policy-report#paths[%d]", n)}})
			}
			m.Rows = append(m.Rows, r)
		}
	}
	m.GeneratedAt = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	m.Summarize()
	return m
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkRender renders a 2,000-path matrix (200 destinations x 10
// sources, 18,000 cells) in every format; MB/doc is the output size.
func BenchmarkRender(b *testing.B) {
	m := bigMatrix(200, 10)
	for _, f := range Formats {
		b.Run(f, func(b *testing.B) {
			var w countWriter
			b.ReportAllocs()
			for b.Loop() {
				w.n = 0
				if err := Render(&w, m, f, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w.n)/1e6, "MB/doc")
		})
	}
}
