package report

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
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
	Name      string       `xml:"name,attr"`
	Classname string       `xml:"classname,attr"`
	Time      string       `xml:"time,attr"`
	Failure   *junitResult `xml:"failure,omitempty"`
	Error     *junitResult `xml:"error,omitempty"`
	Skipped   *junitResult `xml:"skipped,omitempty"`
	SystemOut string       `xml:"system-out,omitempty"`
}

type junitResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// junitTally counts one suite's outcomes.
type junitTally struct{ tests, failures, errors, skipped int }

func (t *junitTally) add(s matrix.Status) {
	t.tests++
	switch s {
	case matrix.Fail:
		t.failures++
	case matrix.Error:
		t.errors++
	case matrix.NotTested, matrix.NA:
		t.skipped++
	}
}

func (t junitTally) attrs(name string) []xml.Attr {
	return []xml.Attr{{Name: xml.Name{Local: "name"}, Value: name}, {Name: xml.Name{Local: "tests"}, Value: strconv.Itoa(t.tests)},
		{Name: xml.Name{Local: "failures"}, Value: strconv.Itoa(t.failures)}, {Name: xml.Name{Local: "errors"}, Value: strconv.Itoa(t.errors)},
		{Name: xml.Name{Local: "skipped"}, Value: strconv.Itoa(t.skipped)}, {Name: xml.Name{Local: "time"}, Value: "0"}}
}

// JUnit writes the matrix as JUnit XML for CI: one testsuite per check,
// one testcase per (row x destination check) and per (class x source
// check), named after the destination port and, for a class, its key.
// FAIL is a failure and ERROR an error, their text giving the row and
// class ids, the first members and the evidence; NOT-TESTED and N/A are
// skipped with their reason; WAIVED and WARN pass with a note in
// system-out. A check that did not run in this scan (every cell
// NOT-TESTED for one reason, or N/A) is one skipped testcase for all its
// NOT-TESTED cells.
// Testcases are streamed; their number follows rows and classes, never
// paths.
func JUnit(w io.Writer, m *matrix.Matrix) error {
	ix := matrix.NewIndex(m)
	// The suites' counts come first in the document: tally them in a
	// first pass over the cells.
	tally := map[string]*junitTally{}
	var all junitTally
	for _, chk := range m.Checks {
		tally[chk.ID] = &junitTally{}
	}
	_ = eachCell(m, func(_ *matrix.Row, _ *matrix.Class, c *matrix.Cell) error {
		if t := tally[c.Check]; t != nil {
			t.add(c.Status)
			all.add(c.Status)
		}
		return nil
	})
	skipped := notRun(m)
	// A check that did not run counts as one skipped testcase for its
	// NOT-TESTED cells; its N/A cells stay testcases of their own.
	for id, nr := range skipped {
		t := tally[id]
		t.tests -= nr.cells - 1
		t.skipped -= nr.cells - 1
		all.tests -= nr.cells - 1
		all.skipped -= nr.cells - 1
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	root := xml.StartElement{Name: xml.Name{Local: "testsuites"}, Attr: all.attrs("sc8scan " + m.Cluster)}
	if err := enc.EncodeToken(root); err != nil {
		return fmt.Errorf("encoding junit: %w", err)
	}
	for _, chk := range m.Checks {
		suite := xml.StartElement{Name: xml.Name{Local: "testsuite"}, Attr: append(tally[chk.ID].attrs(chk.ID),
			xml.Attr{Name: xml.Name{Local: "timestamp"}, Value: m.GeneratedAt.UTC().Format("2006-01-02T15:04:05")},
			xml.Attr{Name: xml.Name{Local: "hostname"}, Value: m.Cluster})}
		if err := enc.EncodeToken(suite); err != nil {
			return fmt.Errorf("encoding junit: %w", err)
		}
		props := struct {
			P []junitProperty `xml:"property"`
		}{[]junitProperty{{"title", chk.Title}, {"controls", controlNames(chk.Controls)}, {"description", chk.Description}}}
		if err := enc.EncodeElement(props, xml.StartElement{Name: xml.Name{Local: "properties"}}); err != nil {
			return fmt.Errorf("encoding junit: %w", err)
		}
		testcase := xml.StartElement{Name: xml.Name{Local: "testcase"}}
		if nr, ok := skipped[chk.ID]; ok {
			unit := "destination port"
			if isSource(chk) {
				unit = "source class"
			}
			name := fmt.Sprintf("every %s (%s)", unit, plural(nr.cells, "cell", "cells"))
			if tally[chk.ID].tests > 1 {
				name = fmt.Sprintf("every %s but the N/A ones (%s)", unit, plural(nr.cells, "cell", "cells"))
			}
			tc := junitCase{Name: name, Classname: "sc8scan." + chk.ID, Time: "0",
				Skipped: &junitResult{Message: "not run in this scan: " + nr.reason}}
			if err := enc.EncodeElement(tc, testcase); err != nil {
				return fmt.Errorf("encoding junit: %w", err)
			}
		}
		keep := func(c *matrix.Cell) bool { return c != nil && !skipped.stated(c) }
		for i := range m.Rows {
			r := &m.Rows[i]
			if c := r.Cell(chk.ID); keep(c) {
				if err := enc.EncodeElement(junitCaseOf(ix, r, nil, c), testcase); err != nil {
					return fmt.Errorf("encoding junit: %w", err)
				}
			}
			for j := range r.Classes {
				cl := &r.Classes[j]
				if c := cl.Cell(chk.ID); keep(c) {
					if err := enc.EncodeElement(junitCaseOf(ix, r, cl, c), testcase); err != nil {
						return fmt.Errorf("encoding junit: %w", err)
					}
				}
			}
		}
		if err := enc.EncodeToken(suite.End()); err != nil {
			return fmt.Errorf("encoding junit: %w", err)
		}
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return fmt.Errorf("encoding junit: %w", err)
	}
	if err := enc.Flush(); err != nil {
		return fmt.Errorf("encoding junit: %w", err)
	}
	bw.WriteString("\n")
	return bw.Flush()
}

// junitCaseOf is the testcase of a row's cell (cl nil) or a class's.
func junitCaseOf(ix *matrix.Index, r *matrix.Row, cl *matrix.Class, c *matrix.Cell) junitCase {
	dst := dstName(r.Destination)
	tc := junitCase{Name: dst, Classname: "sc8scan." + c.Check, Time: "0"}
	where := "row " + r.ID
	if cl != nil {
		tc.Name = dst + " <- " + cl.Key
		where += fmt.Sprintf("\nclass %s, %s: %s", cl.ID, sources(cl.Members), memberList(ix, cl, 3))
	}
	detail := fmt.Sprintf("%s\nevidence: %s", where, strings.Join(c.Evidence, ", "))
	if c.Waiver != "" {
		detail += "\nwaiver: " + c.Waiver
	}
	switch c.Status {
	case matrix.Fail:
		tc.Failure = &junitResult{Message: c.Reason, Type: string(c.Status), Text: detail}
	case matrix.Error:
		tc.Error = &junitResult{Message: c.Reason, Type: string(c.Status), Text: detail}
	case matrix.NotTested:
		tc.Skipped = &junitResult{Message: "not tested: " + c.Reason}
	case matrix.NA:
		tc.Skipped = &junitResult{Message: "not applicable: " + c.Reason}
	case matrix.Waived:
		tc.SystemOut = "WAIVED (" + c.Waiver + "): " + c.Reason
	case matrix.Warn:
		tc.SystemOut = "WARN: " + c.Reason
	}
	return tc
}
