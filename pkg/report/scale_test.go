package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// membersMatrix is sample() with a third port whose one class has n
// members, failing one source check; the first members are the same
// whatever n.
func membersMatrix(n int) *matrix.Matrix {
	m := sample()
	b := builder{m}
	b.row(matrix.Destination{Namespace: "shop", Service: "cart", Port: 8080},
		cellsOf(matrix.DestinationChecks, map[string]matrix.Status{matrix.CheckPlaintextRefused: matrix.Pass}, nil))
	ms := make([]matrix.Endpoint, n)
	for i := range ms {
		ms[i] = matrix.Endpoint{Namespace: "load", Kind: "Deployment", Name: fmt.Sprintf("client-%06d", i), Mesh: "sidecar"}
	}
	b.class("mesh sidecar; client ISTIO_MUTUAL by shop/cart-dr", "sidecar", ms,
		cellsOf(matrix.SourceChecks, map[string]matrix.Status{matrix.CheckMeshPolicy: matrix.Fail, matrix.CheckEncryptedOnWire: matrix.Pass}, nil))
	m.Summarize()
	return m
}

// TestSizeIndependentOfMembers: a class of 100,000 members renders as a
// class of 10 does, but for the digits of its count: no format but the
// JSON document lists more than a few members.
func TestSizeIndependentOfMembers(t *testing.T) {
	small, big := membersMatrix(10), membersMatrix(100_000)
	for _, f := range []string{"table", "markdown", "html", "csv", "sarif", "oscal", "junit", "poam"} {
		t.Run(f, func(t *testing.T) {
			var s, b bytes.Buffer
			if err := Render(&s, small, f, Options{ByClass: true}); err != nil {
				t.Fatal(err)
			}
			if err := Render(&b, big, f, Options{ByClass: true}); err != nil {
				t.Fatal(err)
			}
			// A count grows from 2 to 6 digits, a few times in a format.
			if b.Len() > s.Len()+s.Len()/50+64 {
				t.Errorf("%s: %d bytes for 10 members, %d for 100,000", f, s.Len(), b.Len())
			}
			if strings.Contains(b.String(), "client-000005") {
				t.Errorf("%s names a sixth member", f)
			}
		})
	}
}

func TestCSVExpanded(t *testing.T) {
	m := rich()
	tests := []struct {
		source, destination string
		paths               int
	}{
		{"", "shop/frontend:8080", 8},
		{"", "shop/frontend", 8},
		{"shop/cart-1", "shop/frontend:8080", 1},
		{"shop/Deployment/frontend", "", 2},
		{"", "", 12},
	}
	for _, tt := range tests {
		t.Run(tt.source+" "+tt.destination, func(t *testing.T) {
			f, err := matrix.ParseFilter(tt.source, tt.destination)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := CSVExpanded(&buf, m, f); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(CSVExpandedColumns, recs[0]); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if got, want := len(recs)-1, tt.paths*len(matrix.Catalog); got != want {
				t.Errorf("%d lines, want %d paths x %d checks", got, tt.paths, len(matrix.Catalog))
			}
			ids := map[string]int{}
			for _, r := range recs[1:] {
				ids[r[0]]++
			}
			if len(ids) != tt.paths {
				t.Errorf("%d path ids, want %d", len(ids), tt.paths)
			}
			for id, n := range ids {
				if n != len(matrix.Catalog) {
					t.Errorf("path %s has %d lines", id, n)
				}
			}
		})
	}
	// The path id is the inventory's.
	var buf bytes.Buffer
	if err := CSVExpanded(&buf, m, matrix.Filter{Source: "shop/cart-1", Destination: "shop/frontend:8080"}); err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(&buf).ReadAll()
	want := matrix.PathID("demo", matrix.Endpoint{Namespace: "shop", Kind: "Deployment", Name: "cart-1", Mesh: "none"}, m.Rows[2].Destination)
	if recs[1][0] != want || recs[1][1] != "shop/Deployment/cart-1" || recs[1][4] != m.Rows[2].ID || recs[1][5] != m.Rows[2].Classes[0].ID {
		t.Errorf("first line %q", recs[1])
	}
}

func TestWritePaths(t *testing.T) {
	m := rich()
	tests := []struct {
		source, destination string
		paths               int
	}{
		{"shop/cart-1", "shop/frontend:8080", 1},
		{"shop/frontend", "data/redis", 1},
		{"", "shop/frontend:8080", 8},
		{"", "data/redis:6379", 3},
	}
	for _, tt := range tests {
		for _, format := range PathFormats {
			t.Run(format+" "+tt.source+" "+tt.destination, func(t *testing.T) {
				f, err := matrix.ParseFilter(tt.source, tt.destination)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := WritePaths(&buf, m, f, format); err != nil {
					t.Fatal(err)
				}
				out := buf.String()
				var got int
				switch format {
				case "table":
					got = strings.Count(out, "\n  path   ")
				case "markdown":
					got = strings.Count(out, "\n## ")
				case "csv":
					recs, err := csv.NewReader(&buf).ReadAll()
					if err != nil {
						t.Fatal(err)
					}
					if recs[0][6] != "class_key" {
						t.Errorf("csv columns %q", recs[0])
					}
					got = (len(recs) - 1) / len(matrix.Catalog)
				case "json":
					var doc struct {
						APIVersion, Kind, Source, Destination string
						Paths                                 []struct {
							ID                       string
							Source                   matrix.Endpoint
							Destination              matrix.Destination
							RowID, ClassID, ClassKey string
							Status                   matrix.Status
							Cells                    []matrix.Cell
						}
					}
					if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
						t.Fatal(err)
					}
					if doc.APIVersion != matrix.APIVersion || doc.Kind != "PathQuery" || doc.Source != tt.source || doc.Destination != tt.destination {
						t.Errorf("envelope %s %s %q %q", doc.APIVersion, doc.Kind, doc.Source, doc.Destination)
					}
					for _, p := range doc.Paths {
						if len(p.Cells) != len(matrix.Catalog) || p.RowID == "" || p.ClassID == "" || p.ClassKey == "" || !p.Status.Valid() {
							t.Errorf("path %+v", p)
						}
						if tt.source != "" && p.Source.Namespace+"/"+p.Source.Name != tt.source {
							t.Errorf("path from %s", p.Source)
						}
					}
					got = len(doc.Paths)
				}
				if got != tt.paths {
					t.Errorf("%d paths, want %d:\n%s", got, tt.paths, out)
				}
				if (format == "markdown" && strings.Contains(out, "<script>")) || (format == "table" && strings.Contains(out, "\x1b")) {
					t.Errorf("hostile text unescaped:\n%s", out)
				}
			})
		}
	}
}
