package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// SARIF 2.1.0, the subset sc8scan writes.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool                `json:"tool"`
	Invocations []sarifInvocation        `json:"invocations"`
	Artifacts   []sarifArtifact          `json:"artifacts,omitempty"`
	Results     []sarifResult            `json:"results"`
	Properties  map[string]any           `json:"properties,omitempty"`
	BaseIDs     map[string]sarifLocation `json:"originalUriBaseIds,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	ShortDescription sarifText      `json:"shortDescription"`
	FullDescription  sarifText      `json:"fullDescription"`
	Help             sarifText      `json:"help"`
	Properties       map[string]any `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool   `json:"executionSuccessful"`
	EndTimeUTC          string `json:"endTimeUtc"`
}

type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
	Hashes   map[string]string     `json:"hashes,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
	Index     *int   `json:"index,omitempty"`
}

type sarifLocation struct {
	URI         string     `json:"uri,omitempty"`
	Description *sarifText `json:"description,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Kind                string             `json:"kind"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifResultLoc   `json:"locations"`
	Fingerprints        map[string]string  `json:"fingerprints"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Properties          map[string]any     `json:"properties"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifResultLoc struct {
	PhysicalLocation *sarifPhysical   `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical   `json:"logicalLocations"`
	Message          *sarifText       `json:"message,omitempty"`
	Properties       map[string]any   `json:"properties,omitempty"`
	Annotations      []map[string]any `json:"annotations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

// SARIF writes SARIF 2.1.0 for code-scanning dashboards: one rule per
// check (its controls in properties and tags), one result per FAIL, WARN
// and ERROR cell of a row or a class (level error for FAIL and ERROR,
// warning for WARN) with a logical location naming the destination port
// and, for a class's cell, its member count (the message names the class
// key and first three members); the evidence document is its physical
// location, the evidence ids a property, and the row id (and class id) its
// partial fingerprints. Cells under an expired waiver
// carry the waiver as a rejected suppression. Results are streamed; their
// number follows rows and classes, never paths.
func SARIF(w io.Writer, m *matrix.Matrix) error {
	ix := matrix.NewIndex(m)
	run := sarifRun{
		Tool:        sarifTool{Driver: sarifDriver{Name: m.Scanner.Name, Version: m.Scanner.Version, InformationURI: "https://sc8scan.dev"}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true, EndTimeUTC: m.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z")}},
		BaseIDs:     map[string]sarifLocation{"BUNDLE": {Description: &sarifText{"The scan bundle directory (sc8scan scan --out DIR)."}}},
		Properties: map[string]any{"cluster": m.Cluster, "source": m.Source, "profile": m.Profile,
			"coverage": m.Summary.Coverage, "counts": m.Summary.Counts, "status": m.Summary.Status,
			"rows": m.Summary.Rows, "classes": m.Summary.Classes, "paths": m.Summary.Paths},
	}
	ruleIndex := map[string]int{}
	for i, c := range m.Checks {
		ruleIndex[c.ID] = i
		tags := []string{"security", "compliance"}
		for _, ctl := range c.Controls {
			tags = append(tags, "NIST-800-53:"+ctl)
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: c.ID, Name: sarifRuleName(c.ID),
			ShortDescription: sarifText{c.Title}, FullDescription: sarifText{c.Description},
			Help: sarifText{remediationOf(c.ID)},
			Properties: map[string]any{"controls": c.Controls, "tags": tags, "evidence": c.Evidence, "level": c.Level,
				"severity": string(CheckSeverity(c.ID)), "problem.severity": sarifProblemSeverity(c.ID)}})
	}
	artifact := map[string]int{}
	for _, e := range m.Evidence {
		if e.File == "" {
			continue
		}
		artifact[e.ID] = len(run.Artifacts)
		a := sarifArtifact{Location: sarifArtifactLocation{URI: e.File, URIBaseID: "BUNDLE"}}
		if e.SHA256 != "" {
			a.Hashes = map[string]string{"sha-256": e.SHA256}
		}
		run.Artifacts = append(run.Artifacts, a)
	}
	// Every cell's check must have a rule: find out before writing.
	err := eachCell(m, func(r *matrix.Row, cl *matrix.Class, c *matrix.Cell) error {
		if _, ok := ruleIndex[c.Check]; !ok && needsAttention(c.Status) {
			return fmt.Errorf("cell of unknown check %q on row %s", c.Check, r.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	results := func(emit func(any) error) error {
		return eachCell(m, func(r *matrix.Row, cl *matrix.Class, c *matrix.Cell) error {
			if !needsAttention(c.Status) {
				return nil
			}
			return emit(sarifResultOf(m, ix, run.Artifacts, artifact, ruleIndex[c.Check], r, cl, c))
		})
	}
	doc := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	return writeJSON(w, &doc, jsonArray{Line: `      "results": null`, Items: results})
}

// sarifResultOf is the result of a row's cell (cl nil) or a class's.
func sarifResultOf(m *matrix.Matrix, ix *matrix.Index, artifacts []sarifArtifact, artifact map[string]int, rule int, r *matrix.Row, cl *matrix.Class, c *matrix.Cell) sarifResult {
	dst := dstName(r.Destination)
	level := "error"
	if c.Status == matrix.Warn {
		level = "warning"
	}
	where, fqn, subject := dst, m.Cluster+"/"+dst, r.ID
	what := dst
	props := map[string]any{"status": string(c.Status), "evidence": nonNil(c.Evidence)}
	partial := map[string]string{"rowId/v1": r.ID}
	if cl != nil {
		where = fmt.Sprintf("%s from %s", dst, sources(cl.Members))
		what = fmt.Sprintf("%s (%s: %s)", where, cl.Key, memberList(ix, cl, 3))
		fqn += "/class/" + cl.ID
		subject = cl.ID
		props["members"] = cl.Members
		partial["classId/v1"] = cl.ID
	}
	res := sarifResult{RuleID: c.Check, RuleIndex: rule, Kind: "fail", Level: level,
		Message:             sarifText{fmt.Sprintf("%s: %s: %s", c.Status, what, c.Reason)},
		Fingerprints:        map[string]string{"sc8scan/cell-check/v2": subject + "/" + c.Check},
		PartialFingerprints: partial,
		Properties:          props,
	}
	loc := sarifResultLoc{LogicalLocations: []sarifLogical{{Name: where, FullyQualifiedName: fqn, Kind: "resource"}}}
	for _, ev := range c.Evidence {
		if i, ok := artifact[evidenceDoc(ev)]; ok {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifactLocation{URI: artifacts[i].Location.URI, URIBaseID: "BUNDLE", Index: &i}}
			break
		}
	}
	res.Locations = []sarifResultLoc{loc}
	if c.Waiver != "" {
		res.Properties["waiver"] = c.Waiver
		if expiredWaiver(*c) {
			res.Suppressions = []sarifSuppression{{Kind: "external", Status: "rejected", Justification: "waiver " + c.Waiver}}
		}
	}
	return res
}

// sarifRuleName turns a check id into the PascalCase name SARIF rules
// carry ("plaintext-refused" -> "PlaintextRefused").
func sarifRuleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func sarifProblemSeverity(check string) string {
	if CheckSeverity(check) == Low {
		return "warning"
	}
	return "error"
}

func remediationOf(check string) string {
	if r, ok := remediation[check]; ok {
		return r
	}
	return "See the check's description."
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
