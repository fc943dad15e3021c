package report_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/report"
)

// The scan bundle names each format's file the way its consumers expect.
func ExampleFileName() {
	for _, f := range report.BundleFormats {
		fmt.Printf("%-8s %s\n", f, report.FileName(f))
	}
	// Output:
	// json     matrix.json
	// markdown matrix.md
	// csv      matrix.csv
	// html     matrix.html
	// oscal    oscal-assessment-results.json
	// junit    junit.xml
	// sarif    sarif.json
	// poam     poam.csv
}

// A failing check's severity sets its POA&M remediation deadline.
func ExampleCheckSeverity() {
	for _, c := range []string{"plaintext-refused", "cipher-suites-approved", "policy-observation-agree"} {
		s := report.CheckSeverity(c)
		fmt.Printf("%s: %s, %d days\n", c, s, s.Days())
	}
	// Output:
	// plaintext-refused: High, 30 days
	// cipher-suites-approved: Moderate, 90 days
	// policy-observation-agree: Low, 180 days
}

// exampleMatrix is one destination port with one class of two sources.
func exampleMatrix() *matrix.Matrix {
	m := &matrix.Matrix{APIVersion: matrix.APIVersion, Kind: matrix.Kind, Cluster: "demo", Controls: matrix.Controls, Checks: matrix.Catalog}
	d := matrix.Destination{Namespace: "shop", Service: "cart", Port: 8080}
	r := matrix.Row{ID: matrix.RowID(m.Cluster, d), Destination: d}
	for _, c := range matrix.DestinationChecks {
		r.Cells = append(r.Cells, matrix.Cell{Check: c.ID, Status: matrix.Pass, Reason: "probe: fine", Evidence: []string{"probe-report#results[0]"}})
	}
	members := []matrix.Endpoint{{Namespace: "shop", Kind: "Deployment", Name: "frontend", Mesh: "sidecar"}, {Namespace: "shop", Kind: "Deployment", Name: "checkout", Mesh: "sidecar"}}
	m.Groups = []matrix.Group{{ID: matrix.GroupID(members), Members: members}}
	key := "mesh sidecar; client ISTIO_MUTUAL by mesh default"
	cl := matrix.Class{ID: matrix.ClassID(r.ID, key), Key: key, Mesh: "sidecar", Group: m.Groups[0].ID, Members: len(members)}
	for _, c := range matrix.SourceChecks {
		cl.Cells = append(cl.Cells, matrix.Cell{Check: c.ID, Status: matrix.NotTested, Reason: "no evidence: capture: not gathered"})
	}
	cl.Cells[0] = matrix.Cell{Check: matrix.CheckMeshPolicy, Status: matrix.Fail, Reason: "PeerAuthentication shop/default is PERMISSIVE", Evidence: []string{"policy-report#paths[0]"}}
	r.Classes = []matrix.Class{cl}
	m.Rows = []matrix.Row{r}
	m.Summarize()
	return m
}

// A path query prints the cells of every path it selects: the row's
// cells and those of the class the source belongs to there.
func ExampleWritePaths() {
	f, err := matrix.ParseFilter("shop/frontend", "shop/cart:8080")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := report.WritePaths(os.Stdout, exampleMatrix(), f, "table"); err != nil {
		fmt.Println(err)
	}
	// Nothing matches: an error wrapping ErrNoPath, which the CLI turns
	// into a usage error.
	f = matrix.Filter{Source: "shop/nobody", Destination: "shop/cart"}
	err = report.WritePaths(os.Stdout, exampleMatrix(), f, "table")
	fmt.Println(err, errors.Is(err, report.ErrNoPath))
	// Output:
	// shop/Deployment/frontend -> shop/cart:8080  FAIL
	//   path   fce17c99-986a-57d5-8075-7a267a15651d
	//   row    3b2be755-468d-5d1b-bdc5-bb29dface87c
	//   class  2dd50bd2-4647-55c6-b52b-143c398b2fb5  mesh sidecar; client ISTIO_MUTUAL by mesh default (2 sources)
	//   CHECK                        STATUS      REASON                                         EVIDENCE                 WAIVER
	//   plaintext-refused            PASS        probe: fine                                    probe-report#results[0]
	//   tls-min-version              PASS        probe: fine                                    probe-report#results[0]
	//   cipher-suites-approved       PASS        probe: fine                                    probe-report#results[0]
	//   server-certificate           PASS        probe: fine                                    probe-report#results[0]
	//   client-certificate-required  PASS        probe: fine                                    probe-report#results[0]
	//   mesh-policy-enforcing        FAIL        PeerAuthentication shop/default is PERMISSIVE  policy-report#paths[0]
	//   encrypted-on-wire            NOT-TESTED  no evidence: capture: not gathered
	//   fips-validated-crypto        NOT-TESTED  no evidence: capture: not gathered
	//   policy-observation-agree     NOT-TESTED  no evidence: capture: not gathered
	//
	// 1 path
	// no path matches --source shop/nobody --destination shop/cart true
}

// CSVExpanded writes one line per (path x check), streamed.
func ExampleCSVExpanded() {
	var buf bytes.Buffer
	if err := report.CSVExpanded(&buf, exampleMatrix(), matrix.Filter{Destination: "shop/cart:8080"}); err != nil {
		fmt.Println(err)
		return
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Join(recs[0], ","))
	for _, r := range recs[1:] {
		fmt.Println(r[1], r[6], r[7])
	}
	// Output:
	// path_id,source,source_mesh,destination,row_id,class_id,check,status,reason,evidence,waiver
	// shop/Deployment/frontend plaintext-refused PASS
	// shop/Deployment/frontend tls-min-version PASS
	// shop/Deployment/frontend cipher-suites-approved PASS
	// shop/Deployment/frontend server-certificate PASS
	// shop/Deployment/frontend client-certificate-required PASS
	// shop/Deployment/frontend mesh-policy-enforcing FAIL
	// shop/Deployment/frontend encrypted-on-wire NOT-TESTED
	// shop/Deployment/frontend fips-validated-crypto NOT-TESTED
	// shop/Deployment/frontend policy-observation-agree NOT-TESTED
	// shop/Deployment/checkout plaintext-refused PASS
	// shop/Deployment/checkout tls-min-version PASS
	// shop/Deployment/checkout cipher-suites-approved PASS
	// shop/Deployment/checkout server-certificate PASS
	// shop/Deployment/checkout client-certificate-required PASS
	// shop/Deployment/checkout mesh-policy-enforcing FAIL
	// shop/Deployment/checkout encrypted-on-wire NOT-TESTED
	// shop/Deployment/checkout fips-validated-crypto NOT-TESTED
	// shop/Deployment/checkout policy-observation-agree NOT-TESTED
}
