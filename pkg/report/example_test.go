package report_test

import (
	"fmt"

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
