package report

import (
	"fmt"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// bigMatrix is a matrix of rows destination ports with classes source
// classes each, over workloads source workloads split into groups member
// lists that every row's classes share; its cells cycle through every
// status.
func bigMatrix(rows, classes, workloads, groups int) *matrix.Matrix {
	m := base()
	m.Evidence = append(m.Evidence, matrix.Evidence{ID: "policy-report", Kind: "PolicyReport", File: "evidence/policy-report.json", SHA256: "b"})
	gs := make([]matrix.Group, groups)
	for w := range workloads {
		g := w % groups
		gs[g].Members = append(gs[g].Members, matrix.Endpoint{Namespace: fmt.Sprintf("ns%d", w%20), Kind: "Deployment", Name: fmt.Sprintf("client-%d", w), Mesh: "sidecar"})
	}
	for i := range gs {
		gs[i].ID = matrix.GroupID(gs[i].Members)
	}
	m.Groups = gs
	n := 0
	cells := func(checks []matrix.Check, d int) []matrix.Cell {
		out := make([]matrix.Cell, 0, len(checks))
		for _, c := range checks {
			st := matrix.Statuses[n%len(matrix.Statuses)]
			n++
			out = append(out, matrix.Cell{Check: c.ID, Status: st, Reason: "probe: TLSv1.2 with TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, client certificate required",
				Evidence: []string{fmt.Sprintf("probe-report#results[%d]", d), fmt.Sprintf("policy-report#paths[%d]", n)}})
		}
		return out
	}
	m.Rows = make([]matrix.Row, 0, rows)
	for d := range rows {
		dst := matrix.Destination{Namespace: fmt.Sprintf("ns%d", d%20), Service: fmt.Sprintf("svc-%d", d), Port: 8443, AppProtocol: "https"}
		r := matrix.Row{ID: matrix.RowID(m.Cluster, dst), Destination: dst, Cells: cells(matrix.DestinationChecks, d)}
		for c := range classes {
			g := &gs[c%groups]
			key := fmt.Sprintf("mesh sidecar; client ISTIO_MUTUAL by ns%d/dr-%d; fips group %d", d%20, d, c)
			r.Classes = append(r.Classes, matrix.Class{ID: matrix.ClassID(r.ID, key), Key: key, Mesh: "sidecar", Group: g.ID, Members: len(g.Members), Cells: cells(matrix.SourceChecks, d)})
		}
		m.Rows = append(m.Rows, r)
	}
	m.Summarize()
	return m
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkRender renders a matrix of 10,000 destination ports x 3 source
// classes over 6,000 workloads in 3 groups (60 million paths, 170,000
// cells) in every format; MB/doc is the output size. No format may cost
// per path.
func BenchmarkRender(b *testing.B) {
	m := bigMatrix(10000, 3, 6000, 3)
	if m.Summary.Paths != 60_000_000 {
		b.Fatalf("%d paths", m.Summary.Paths)
	}
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

// BenchmarkCSVExpanded expands one destination port of the same matrix:
// 6,000 paths x 9 checks.
func BenchmarkCSVExpanded(b *testing.B) {
	m := bigMatrix(10000, 3, 6000, 3)
	f := matrix.Filter{Destination: "ns7/svc-7:8443"}
	var w countWriter
	b.ReportAllocs()
	for b.Loop() {
		if err := CSVExpanded(&w, m, f); err != nil {
			b.Fatal(err)
		}
	}
}
