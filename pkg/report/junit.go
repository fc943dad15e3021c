package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Failure    *junitResult    `xml:"failure,omitempty"`
	Error      *junitResult    `xml:"error,omitempty"`
	Skipped    *junitResult    `xml:"skipped,omitempty"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// JUnit writes the matrix as JUnit XML for CI: one testsuite per check, one
// testcase per path. FAIL is a failure, ERROR an error, NOT-TESTED and N/A
// are skipped with their reason, WAIVED and WARN pass with a note (a
// property and system-out) saying so.
func JUnit(w io.Writer, m *matrix.Matrix) error {
	doc := junitSuites{Name: "sc8scan " + m.Cluster, Time: "0"}
	for _, chk := range m.Checks {
		s := junitSuite{Name: chk.ID, Time: "0", Timestamp: m.GeneratedAt.UTC().Format("2006-01-02T15:04:05"), Hostname: m.Cluster,
			Properties: []junitProperty{{"title", chk.Title}, {"controls", controlNames(chk.Controls)}, {"description", chk.Description}}}
		for _, r := range m.Rows {
			c := r.Cell(chk.ID)
			if c == nil {
				continue
			}
			src, dst := rowName(r)
			tc := junitCase{Name: src + " -> " + dst, Classname: "sc8scan." + chk.ID, Time: "0",
				Properties: []junitProperty{{"pathId", r.PathID}, {"status", string(c.Status)}}}
			if len(c.Evidence) > 0 {
				tc.Properties = append(tc.Properties, junitProperty{"evidence", strings.Join(c.Evidence, " ")})
			}
			detail := fmt.Sprintf("%s\npath %s\nevidence: %s", c.Reason, r.PathID, strings.Join(c.Evidence, ", "))
			switch c.Status {
			case matrix.Fail:
				tc.Failure = &junitResult{Message: c.Reason, Type: string(c.Status), Text: detail}
				s.Failures++
			case matrix.Error:
				tc.Error = &junitResult{Message: c.Reason, Type: string(c.Status), Text: detail}
				s.Errors++
			case matrix.NotTested:
				tc.Skipped = &junitResult{Message: "not tested: " + c.Reason}
				s.Skipped++
			case matrix.NA:
				tc.Skipped = &junitResult{Message: "not applicable: " + c.Reason}
				s.Skipped++
			case matrix.Waived:
				tc.Properties = append(tc.Properties, junitProperty{"waiver", c.Waiver})
				tc.SystemOut = "WAIVED: " + c.Reason
			case matrix.Warn:
				tc.SystemOut = "WARN: " + c.Reason
			}
			if c.Waiver != "" && c.Status != matrix.Waived {
				tc.Properties = append(tc.Properties, junitProperty{"waiver", c.Waiver})
			}
			s.Cases = append(s.Cases, tc)
		}
		s.Tests = len(s.Cases)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encoding junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
