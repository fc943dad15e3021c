package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// OSCALVersion is the OSCAL version of the assessment results written.
const OSCALVersion = "1.1.3"

// Namespaces of the props sc8scan writes.
const (
	oscalNS   = "https://sc8scan.dev/ns/oscal"
	fedrampNS = "https://fedramp.gov/ns/oscal"
)

// The OSCAL 1.1.3 assessment-results model, the part sc8scan writes.
// Arrays are omitted when empty: the schema wants at least one item.
type oscalDocument struct {
	AssessmentResults oscalAR `json:"assessment-results"`
}

type oscalAR struct {
	UUID       string          `json:"uuid"`
	Metadata   oscalMetadata   `json:"metadata"`
	ImportAP   oscalHref       `json:"import-ap"`
	Results    []oscalResult   `json:"results"`
	BackMatter oscalBackMatter `json:"back-matter"`
}

type oscalMetadata struct {
	Title        string      `json:"title"`
	LastModified string      `json:"last-modified"`
	Version      string      `json:"version"`
	OSCALVersion string      `json:"oscal-version"`
	Props        []oscalProp `json:"props,omitempty"`
}

type oscalHref struct {
	Href string `json:"href"`
}

type oscalProp struct {
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Value string `json:"value"`
	Class string `json:"class,omitempty"`
}

type oscalResult struct {
	UUID             string             `json:"uuid"`
	Title            string             `json:"title"`
	Description      string             `json:"description"`
	Start            string             `json:"start"`
	End              string             `json:"end"`
	Props            []oscalProp        `json:"props,omitempty"`
	LocalDefinitions oscalLocalDefs     `json:"local-definitions"`
	ReviewedControls oscalReviewed      `json:"reviewed-controls"`
	Observations     []oscalObservation `json:"observations"`
	Risks            []oscalRisk        `json:"risks,omitempty"`
	Findings         []oscalFinding     `json:"findings,omitempty"`
	Remarks          string             `json:"remarks,omitempty"`
	// streamed marshals Risks and Findings as null, for writeJSON to
	// stream (a finding lists every observation of its objective).
	streamed bool
}

func (r oscalResult) MarshalJSON() ([]byte, error) {
	type plain oscalResult
	if !r.streamed {
		return json.Marshal(plain(r))
	}
	var risks, findings json.RawMessage
	if len(r.Risks) > 0 {
		risks = json.RawMessage("null")
	}
	if len(r.Findings) > 0 {
		findings = json.RawMessage("null")
	}
	// The outer fields hide the embedded ones of the same name.
	return json.Marshal(struct {
		plain
		Risks    json.RawMessage `json:"risks,omitempty"`
		Findings json.RawMessage `json:"findings,omitempty"`
	}{plain(r), risks, findings})
}

type oscalLocalDefs struct {
	Components       []oscalComponent `json:"components,omitempty"`
	AssessmentAssets oscalAssets      `json:"assessment-assets"`
	// streamed marshals Components as null, for writeJSON to stream.
	streamed bool
}

func (l oscalLocalDefs) MarshalJSON() ([]byte, error) {
	type plain oscalLocalDefs
	if !l.streamed {
		return json.Marshal(plain(l))
	}
	return json.Marshal(struct {
		Components       json.RawMessage `json:"components"`
		AssessmentAssets oscalAssets     `json:"assessment-assets"`
	}{json.RawMessage("null"), l.AssessmentAssets})
}

type oscalComponent struct {
	UUID        string      `json:"uuid"`
	Type        string      `json:"type"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Props       []oscalProp `json:"props,omitempty"`
	Status      oscalState  `json:"status"`
}

type oscalState struct {
	State string `json:"state"`
}

type oscalAssets struct {
	Components []oscalComponent `json:"components"`
	Platforms  []oscalPlatform  `json:"assessment-platforms"`
}

type oscalPlatform struct {
	UUID          string          `json:"uuid"`
	Title         string          `json:"title"`
	UsesComponent []oscalUsesComp `json:"uses-components"`
}

type oscalUsesComp struct {
	ComponentUUID string `json:"component-uuid"`
}

type oscalReviewed struct {
	Description       string              `json:"description"`
	ControlSelections []oscalControlSel   `json:"control-selections"`
	ObjectiveSel      []oscalObjectiveSel `json:"control-objective-selections"`
}

type oscalControlSel struct {
	IncludeControls []oscalControlID `json:"include-controls"`
}

type oscalControlID struct {
	ControlID string `json:"control-id"`
}

type oscalObjectiveSel struct {
	IncludeObjectives []oscalObjectiveID `json:"include-objectives"`
}

type oscalObjectiveID struct {
	ObjectiveID string `json:"objective-id"`
}

type oscalObservation struct {
	UUID             string          `json:"uuid"`
	Title            string          `json:"title"`
	Description      string          `json:"description"`
	Props            []oscalProp     `json:"props,omitempty"`
	Methods          []string        `json:"methods"`
	Types            []string        `json:"types"`
	Origins          []oscalOrigin   `json:"origins"`
	Subjects         []oscalSubject  `json:"subjects,omitempty"`
	RelevantEvidence []oscalEvidence `json:"relevant-evidence,omitempty"`
	Collected        string          `json:"collected"`
}

type oscalOrigin struct {
	Actors []oscalActor `json:"actors"`
}

type oscalActor struct {
	Type      string `json:"type"`
	ActorUUID string `json:"actor-uuid"`
}

type oscalSubject struct {
	SubjectUUID string `json:"subject-uuid"`
	Type        string `json:"type"`
	Title       string `json:"title,omitempty"`
}

type oscalEvidence struct {
	Href        string `json:"href,omitempty"`
	Description string `json:"description"`
}

type oscalRisk struct {
	UUID                string            `json:"uuid"`
	Title               string            `json:"title"`
	Description         string            `json:"description"`
	Statement           string            `json:"statement"`
	Status              string            `json:"status"`
	Origins             []oscalOrigin     `json:"origins"`
	Characterizations   []oscalCharacter  `json:"characterizations"`
	Deadline            string            `json:"deadline,omitempty"`
	RelatedObservations []oscalRelatedObs `json:"related-observations,omitempty"`
}

type oscalCharacter struct {
	Origin oscalOrigin  `json:"origin"`
	Facets []oscalFacet `json:"facets"`
}

type oscalFacet struct {
	Name   string      `json:"name"`
	System string      `json:"system"`
	Value  string      `json:"value"`
	Props  []oscalProp `json:"props,omitempty"`
}

type oscalFinding struct {
	UUID                string             `json:"uuid"`
	Title               string             `json:"title"`
	Description         string             `json:"description"`
	Props               []oscalProp        `json:"props,omitempty"`
	Target              oscalTarget        `json:"target"`
	RelatedObservations []oscalRelatedObs  `json:"related-observations,omitempty"`
	RelatedRisks        []oscalRelatedRisk `json:"related-risks,omitempty"`
}

type oscalTarget struct {
	Type     string            `json:"type"`
	TargetID string            `json:"target-id"`
	Status   oscalTargetStatus `json:"status"`
}

type oscalTargetStatus struct {
	State  string `json:"state"`
	Reason string `json:"reason"`
}

type oscalRelatedObs struct {
	ObservationUUID string `json:"observation-uuid"`
}

type oscalRelatedRisk struct {
	RiskUUID string `json:"risk-uuid"`
}

type oscalBackMatter struct {
	Resources []oscalResource `json:"resources"`
}

type oscalResource struct {
	UUID        string       `json:"uuid"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Props       []oscalProp  `json:"props,omitempty"`
	RLinks      []oscalRLink `json:"rlinks,omitempty"`
}

type oscalRLink struct {
	Href      string      `json:"href"`
	MediaType string      `json:"media-type"`
	Hashes    []oscalHash `json:"hashes,omitempty"`
}

type oscalHash struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"value"`
}

// OSCAL writes the matrix as OSCAL 1.1.3 assessment results, shaped by
// FedRAMP's SAR rules for tool output:
//
//   - one observation per cell that rests on evidence (PASS, FAIL, WARN,
//     WAIVED), row cells and class cells alike (never one per path),
//     methods TEST, types finding, collected at the matrix's generation
//     time, its origin the scanner (a tool declared in assessment-assets);
//     its subject is the destination port (a local component of type
//     service), for a class's cell too, whose class id and member count
//     are props and whose key is in the description; its relevant evidence "#uuid" links to
//     the back-matter resources of the evidence documents, whose rlinks
//     carry the documents' SHA-256;
//   - one finding per control objective (sc-8_obj, sc-8.1_obj, ...), its
//     target satisfied only when every tested cell of its checks passed
//     (WARN included) and something was tested; FAIL gives not-satisfied
//     with reason fail, and ERROR, NOT-TESTED, WAIVED or nothing tested
//     give not-satisfied with reason other;
//   - one risk per not-satisfied objective, rated by its worst check;
//   - the coverage as props (FedRAMP's scan-percentage, discrepancies)
//     with the counts of rows, classes, paths and cells.
//
// Identifiers are UUIDv5: components, observations, findings, risks and
// resources keep their uuid across runs of the same cluster (components
// and observations derive from row ids and class ids); the document and
// result uuids change with the generation time. The document's uuid
// references are checked before it is written, and the observations are
// streamed: the document is never held whole.
func OSCAL(w io.Writer, m *matrix.Matrix) error {
	b := newOSCALBuilder(m)
	doc := b.skeleton()
	rc := newRefCheck()
	rc.defineDoc(doc)
	if err := b.observations(func(o *oscalObservation) error { rc.observation(o); return nil }); err != nil {
		return err
	}
	rc.referDoc(doc)
	if err := rc.err(); err != nil {
		return fmt.Errorf("building OSCAL assessment results: %w", err)
	}
	arrays := []jsonArray{{Line: `        "observations": null`, Items: func(emit func(any) error) error {
		return b.observations(func(o *oscalObservation) error { return emit(o) })
	}}}
	ld := &doc.AssessmentResults.Results[0].LocalDefinitions
	if comps := ld.Components; len(comps) > 0 {
		ld.streamed = true
		arrays = append(arrays, jsonArray{Line: `          "components": null`, Items: items(comps)})
	}
	res := &doc.AssessmentResults.Results[0]
	res.streamed = true
	if len(res.Risks) > 0 {
		arrays = append(arrays, jsonArray{Line: `        "risks": null`, Items: items(res.Risks)})
	}
	if len(res.Findings) > 0 {
		arrays = append(arrays, jsonArray{Line: `        "findings": null`, Items: items(res.Findings)})
	}
	return writeJSON(w, &doc, arrays...)
}

func oscalTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// clean makes s a valid OSCAL string (no leading or trailing blanks, never
// empty).
func clean(s, empty string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return empty
	}
	return s
}

// prop makes a property; its value is folded to one line, as OSCAL's
// string type wants (no line breaks, no leading or trailing blanks).
func prop(name, ns, value string) oscalProp {
	return oscalProp{Name: name, NS: ns, Value: clean(strings.Join(strings.Fields(value), " "), "none")}
}

// oscalBuilder derives the parts of the assessment results from a
// matrix, the observations one at a time.
type oscalBuilder struct {
	m          *matrix.Matrix
	ix         *matrix.Index
	at         string
	tool       []oscalOrigin
	checks     map[string]matrix.Check
	resourceOf map[string]string
}

func newOSCALBuilder(m *matrix.Matrix) *oscalBuilder {
	b := &oscalBuilder{m: m, ix: matrix.NewIndex(m), at: oscalTime(m.GeneratedAt), checks: map[string]matrix.Check{}, resourceOf: map[string]string{}}
	b.tool = []oscalOrigin{{Actors: []oscalActor{{Type: "tool", ActorUUID: stableID(m.Cluster, "tool", m.Scanner.Name)}}}}
	for _, c := range m.Checks {
		b.checks[c.ID] = c
	}
	for _, e := range m.Evidence {
		b.resourceOf[e.ID] = stableID(m.Cluster, "resource", e.ID)
	}
	return b
}

// rowKey is the row's id, or the id it would have when a hand-made
// matrix left it out.
func (b *oscalBuilder) rowKey(r *matrix.Row) string {
	if r.ID != "" {
		return r.ID
	}
	return matrix.RowID(b.m.Cluster, r.Destination)
}

func (b *oscalBuilder) classKey(r *matrix.Row, cl *matrix.Class) string {
	if cl.ID != "" {
		return cl.ID
	}
	return matrix.ClassID(b.rowKey(r), cl.Key)
}

func (b *oscalBuilder) rowComponent(r *matrix.Row) string {
	return stableID(b.m.Cluster, "component", b.rowKey(r))
}

// observationID is the uuid of the observation of a row's cell (cl nil)
// or a class's.
func (b *oscalBuilder) observationID(r *matrix.Row, cl *matrix.Class, check string) string {
	if cl == nil {
		return stableID(b.m.Cluster, "observation", b.rowKey(r), check)
	}
	return stableID(b.m.Cluster, "observation", b.classKey(r, cl), check)
}

// observations calls fn with every observation in document order: one per
// tested cell, then the coverage. fn must not keep o.
func (b *oscalBuilder) observations(fn func(o *oscalObservation) error) error {
	m := b.m
	err := eachCell(m, func(r *matrix.Row, cl *matrix.Class, c *matrix.Cell) error {
		if !c.Status.Tested() {
			return nil
		}
		chk := b.checks[c.Check]
		dst := dstName(r.Destination)
		o := oscalObservation{UUID: b.observationID(r, cl, c.Check),
			Props:   []oscalProp{prop("check", oscalNS, c.Check), prop("status", oscalNS, string(c.Status))},
			Methods: []string{"TEST"}, Types: []string{"finding"}, Origins: b.tool,
			Collected: b.at}
		rowSubject := oscalSubject{SubjectUUID: b.rowComponent(r), Type: "component"}
		if cl == nil {
			o.Title = clean(fmt.Sprintf("%s: %s", clean(chk.Title, c.Check), dst), c.Check)
			o.Description = clean(fmt.Sprintf("%s for every source: %s", c.Status, c.Reason), string(c.Status))
			o.Subjects = []oscalSubject{rowSubject}
		} else {
			o.Title = clean(fmt.Sprintf("%s: %s from %s", clean(chk.Title, c.Check), dst, sources(cl.Members)), c.Check)
			o.Description = clean(fmt.Sprintf("%s for class %s: %s", c.Status, cl.Key, c.Reason), string(c.Status))
			o.Props = append(o.Props, prop("class-id", oscalNS, cl.ID), prop("members", oscalNS, strconv.Itoa(cl.Members)))
			o.Subjects = []oscalSubject{rowSubject}
		}
		if c.Waiver != "" {
			o.Props = append(o.Props, prop("waiver", oscalNS, c.Waiver))
		}
		for _, ev := range c.Evidence {
			e := oscalEvidence{Description: clean(ev, "sc8scan evidence")}
			if rid, ok := b.resourceOf[evidenceDoc(ev)]; ok {
				e.Href = "#" + rid
			}
			o.RelevantEvidence = append(o.RelevantEvidence, e)
		}
		return fn(&o)
	})
	if err != nil {
		return err
	}
	s := m.Summary
	return fn(&oscalObservation{UUID: stableID(m.Cluster, "observation", "coverage"), Title: "Coverage",
		Description: fmt.Sprintf("%s of the %d applicable cells (all but N/A) rest on evidence (%d cells in all, over %s, %s and %s): %s.",
			pct(s.Coverage), s.Applicable, s.Cells, plural(s.Rows, "destination port", "destination ports"), plural(s.Classes, "source class", "source classes"), plural(s.Paths, "path", "paths"), counts(s.Counts)),
		Props: b.coverage(), Methods: []string{"TEST"}, Types: []string{"control-objective"}, Origins: b.tool, Collected: b.at})
}

func (b *oscalBuilder) coverage() []oscalProp {
	s := b.m.Summary
	discrepancies := s.Counts[matrix.NotTested] + s.Counts[matrix.Error]
	return []oscalProp{
		prop("scan-percentage", fedrampNS, strconv.FormatFloat(100*s.Coverage, 'f', 1, 64)),
		prop("discrepancies", fedrampNS, strconv.Itoa(discrepancies)),
		prop("discrepancies-reason", fedrampNS, fmt.Sprintf("%d cells NOT-TESTED and %d ERROR: no evidence reached them or the check could not run; the matrix lists each with its reason.", s.Counts[matrix.NotTested], s.Counts[matrix.Error])),
		prop("rows", oscalNS, strconv.Itoa(s.Rows)),
		prop("classes", oscalNS, strconv.Itoa(s.Classes)),
		prop("paths", oscalNS, strconv.Itoa(s.Paths)),
		prop("cells", oscalNS, strconv.Itoa(s.Cells)),
		prop("applicable-cells", oscalNS, strconv.Itoa(s.Applicable)),
		prop("tested-cells", oscalNS, strconv.Itoa(s.Tested)),
	}
}

// buildOSCAL returns the whole document, observations included (for
// tests; OSCAL streams them).
func buildOSCAL(m *matrix.Matrix) oscalDocument {
	b := newOSCALBuilder(m)
	doc := b.skeleton()
	res := &doc.AssessmentResults.Results[0]
	_ = b.observations(func(o *oscalObservation) error {
		res.Observations = append(res.Observations, *o)
		return nil
	})
	return doc
}

// skeleton returns the document without its observations: back matter,
// components, findings and risks.
func (b *oscalBuilder) skeleton() oscalDocument {
	m := b.m
	at := b.at
	cluster := m.Cluster
	toolID := b.tool[0].Actors[0].ActorUUID
	platformID := stableID(cluster, "platform", m.Scanner.Name)
	tool := b.tool
	planID := stableID(cluster, "resource", "scan-configuration")

	// Back matter: the scan configuration and one resource per evidence
	// document.
	resources := []oscalResource{{UUID: planID, Title: "Scan configuration",
		Description: clean(fmt.Sprintf("No separate assessment plan: %s scanned %s with profile %s. Scope: %s.",
			m.Scanner.Name, clean(m.Source, "an unnamed source"), clean(m.Profile, "(none)"), strings.Join(m.Scope, "; ")), "Scan configuration."),
		Props: []oscalProp{prop("type", "", "plan")}}}
	for _, e := range m.Evidence {
		r := oscalResource{UUID: b.resourceOf[e.ID], Title: clean(e.Kind+" "+e.ID, e.ID),
			Description: clean(fmt.Sprintf("Raw %s output of %s (%s).", m.Scanner.Name, e.Kind, e.ID), "Raw tool output."),
			Props: []oscalProp{prop("type", "", "evidence"), prop("type", fedrampNS, "tool-output"), prop("type", fedrampNS, "raw-tool-output"),
				prop("evidence-id", oscalNS, e.ID)}}
		if e.File != "" {
			l := oscalRLink{Href: e.File, MediaType: "application/json"}
			if e.SHA256 != "" {
				l.Hashes = []oscalHash{{Algorithm: "SHA-256", Value: e.SHA256}}
			}
			r.RLinks = []oscalRLink{l}
		}
		resources = append(resources, r)
	}

	// Subjects: one component per destination port (a class's cells are
	// observations of its port, the class named in their props).
	var components []oscalComponent
	for i := range m.Rows {
		r := &m.Rows[i]
		dst := dstName(r.Destination)
		d := r.Destination
		c := oscalComponent{UUID: b.rowComponent(r), Type: "service", Title: clean(dst, "destination"),
			Description: clean(fmt.Sprintf("Kubernetes Service %s/%s, port %d, in cluster %s: %s.", d.Namespace, d.Service, d.Port, clean(cluster, "(unnamed)"), rowSize(r)), "Destination port."),
			Props: []oscalProp{prop("row-id", oscalNS, r.ID), prop("namespace", oscalNS, d.Namespace), prop("service", oscalNS, d.Service), prop("port", oscalNS, strconv.Itoa(d.Port)),
				prop("classes", oscalNS, strconv.Itoa(len(r.Classes)))},
			Status: oscalState{"operational"}}
		if d.PortName != "" {
			c.Props = append(c.Props, prop("port-name", oscalNS, d.PortName))
		}
		if d.AppProtocol != "" {
			c.Props = append(c.Props, prop("app-protocol", oscalNS, d.AppProtocol))
		}
		if d.Mesh != "" {
			c.Props = append(c.Props, prop("mesh", oscalNS, d.Mesh))
		}
		components = append(components, c)
	}

	// The observation uuids per control, for the findings and risks.
	obsOf := map[string][]string{}  // control -> observation uuids
	failOf := map[string][]string{} // control -> FAIL observation uuids
	worstFail := map[string]Severity{}
	_ = eachCell(m, func(r *matrix.Row, cl *matrix.Class, c *matrix.Cell) error {
		if !c.Status.Tested() {
			return nil
		}
		id := b.observationID(r, cl, c.Check)
		for _, ctl := range b.checks[c.Check].Controls {
			obsOf[ctl] = append(obsOf[ctl], id)
			if c.Status == matrix.Fail {
				failOf[ctl] = append(failOf[ctl], id)
				if sev := CheckSeverity(c.Check); worstFail[ctl] == "" || sev.Days() < worstFail[ctl].Days() {
					worstFail[ctl] = sev
				}
			}
		}
		return nil
	})
	s := m.Summary
	coverage := b.coverage()

	// Findings and risks, one per control objective.
	var findings []oscalFinding
	var risks []oscalRisk
	rollup := map[string]matrix.Rollup{}
	for _, r := range s.ByControl {
		rollup[r.ID] = r
	}
	var controlSel []oscalControlID
	var objectiveSel []oscalObjectiveID
	for _, ctl := range m.Controls {
		controlSel = append(controlSel, oscalControlID{ctl.ID})
		objectiveSel = append(objectiveSel, oscalObjectiveID{ctl.Objective})
		ru, ok := rollup[ctl.ID]
		status := matrix.NotTested
		if ok {
			status = ru.Status
		}
		state, reason := "not-satisfied", "other"
		switch status {
		case matrix.Pass, matrix.Warn:
			state, reason = "satisfied", "pass"
		case matrix.Fail:
			reason = "fail"
		}
		if len(obsOf[ctl.ID]) == 0 {
			state, reason = "not-satisfied", "other"
		}
		f := oscalFinding{UUID: stableID(cluster, "finding", ctl.Objective),
			Title: fmt.Sprintf("%s: %s", ctl.Title, state),
			Description: fmt.Sprintf("%s Roll-up of the cells of the checks mapped to %s: %s (%s); %d observations rest on evidence.",
				ctl.Requirement, ctl.ID, status, counts(ru.Counts), len(obsOf[ctl.ID])),
			Props:  []oscalProp{prop("rollup-status", oscalNS, string(status))},
			Target: oscalTarget{Type: "objective-id", TargetID: ctl.Objective, Status: oscalTargetStatus{state, reason}}}
		for _, id := range obsOf[ctl.ID] {
			f.RelatedObservations = append(f.RelatedObservations, oscalRelatedObs{id})
		}
		if state == "not-satisfied" {
			sev, riskStatus := worstFail[ctl.ID], "open"
			switch {
			case len(failOf[ctl.ID]) > 0:
			case status == matrix.Waived:
				sev, riskStatus = Low, "deviation-approved"
			default:
				sev, riskStatus = Moderate, "investigating"
			}
			level := strings.ToLower(string(sev))
			rk := oscalRisk{UUID: stableID(cluster, "risk", ctl.Objective),
				Title: fmt.Sprintf("%s not satisfied", ctl.Title),
				Description: fmt.Sprintf("%d cells FAIL, %d ERROR, %d NOT-TESTED and %d WAIVED among the checks mapped to %s.",
					ru.Counts[matrix.Fail], ru.Counts[matrix.Error], ru.Counts[matrix.NotTested], ru.Counts[matrix.Waived], ctl.ID),
				Statement: fmt.Sprintf("Until every path meets %s, transmitted information on the failing paths is not protected as %s requires. %s",
					ctl.Objective, ctl.ID, ctl.Requirement),
				Status:  riskStatus,
				Origins: tool,
				Characterizations: []oscalCharacter{{Origin: tool[0], Facets: []oscalFacet{
					{Name: "likelihood", System: "https://fedramp.gov", Value: level, Props: []oscalProp{prop("state", "", "initial")}},
					{Name: "impact", System: "https://fedramp.gov", Value: level, Props: []oscalProp{prop("state", "", "initial")}},
				}}},
				Deadline: oscalTime(m.GeneratedAt.AddDate(0, 0, sev.Days())),
			}
			for _, id := range failOf[ctl.ID] {
				rk.RelatedObservations = append(rk.RelatedObservations, oscalRelatedObs{id})
			}
			risks = append(risks, rk)
			f.RelatedRisks = []oscalRelatedRisk{{rk.UUID}}
		}
		findings = append(findings, f)
	}

	result := oscalResult{UUID: stableID(cluster, "result", at), Title: "Automated SC-8 scan: " + clean(cluster, "(unnamed cluster)"),
		Description: clean(fmt.Sprintf("Every service path of the cluster, tested for encryption and authentication in transit by %s %s, decided once per destination port and once per source class. %s",
			m.Scanner.Name, m.Scanner.Version, strings.Join(m.Scope, "; ")), "Automated SC-8 scan."),
		Start: at, End: at, Props: coverage,
		LocalDefinitions: oscalLocalDefs{Components: components, AssessmentAssets: oscalAssets{
			Components: []oscalComponent{{UUID: toolID, Type: "software", Title: clean(m.Scanner.Name+" "+m.Scanner.Version, "sc8scan"),
				Description: "Encryption and mTLS verification scanner for Kubernetes (the tool that made every observation).",
				Props: []oscalProp{prop("version", oscalNS, m.Scanner.Version), prop("go-version", oscalNS, m.Scanner.GoVersion),
					prop("crypto-backend", oscalNS, m.Scanner.CryptoBackend), prop("profile", oscalNS, m.Profile)},
				Status: oscalState{"operational"}}},
			Platforms: []oscalPlatform{{UUID: platformID, Title: clean(m.Scanner.Name+" run", "scanner run"), UsesComponent: []oscalUsesComp{{toolID}}}},
		}},
		ReviewedControls: oscalReviewed{Description: "The SC-8 family controls the matrix's checks map to.",
			ControlSelections: []oscalControlSel{{controlSel}}, ObjectiveSel: []oscalObjectiveSel{{objectiveSel}}},
		Risks: risks, Findings: findings,
	}
	if len(m.Problems) > 0 {
		result.Remarks = "Input problems: " + strings.Join(m.Problems, "; ")
	}
	return oscalDocument{oscalAR{
		UUID: stableID(cluster, "assessment-results", at),
		Metadata: oscalMetadata{Title: "SC-8 assessment results: " + clean(cluster, "(unnamed cluster)"), LastModified: at,
			Version: "scan-" + m.GeneratedAt.UTC().Format("20060102T150405Z"), OSCALVersion: OSCALVersion},
		ImportAP:   oscalHref{"#" + planID},
		Results:    []oscalResult{result},
		BackMatter: oscalBackMatter{resources},
	}}
}

// refCheck checks a document's uuid graph: every uuid defined once, and
// every reference (subjects, actors, platforms' components, related
// observations and risks, "#uuid" hrefs) to a defined uuid. The schema
// cannot check either. A reference to a uuid already defined is settled
// at once, so streamed observations leave nothing behind but their uuids.
type refCheck struct {
	defined  map[string]string
	pending  []oscalRef
	problems []string
}

type oscalRef struct{ what, id string }

func newRefCheck() *refCheck { return &refCheck{defined: map[string]string{}} }

func (c *refCheck) def(what, id string) {
	if prev, ok := c.defined[id]; ok {
		c.problems = append(c.problems, fmt.Sprintf("uuid %s defined twice (%s, %s)", id, prev, what))
	}
	c.defined[id] = what
}

func (c *refCheck) ref(what, id string) {
	if _, ok := c.defined[id]; !ok {
		c.pending = append(c.pending, oscalRef{what, id})
	}
}

func (c *refCheck) href(what, h string) {
	if id, ok := strings.CutPrefix(h, "#"); ok {
		c.ref(what, id)
	}
}

func (c *refCheck) actors(what string, os []oscalOrigin) {
	for _, o := range os {
		for _, a := range o.Actors {
			c.ref(what+" actor", a.ActorUUID)
		}
	}
}

// defineDoc defines every uuid of doc but its observations'.
func (c *refCheck) defineDoc(doc oscalDocument) {
	ar := doc.AssessmentResults
	c.def("assessment-results", ar.UUID)
	for _, r := range ar.BackMatter.Resources {
		c.def("resource", r.UUID)
	}
	for _, res := range ar.Results {
		c.def("result", res.UUID)
		for _, comp := range res.LocalDefinitions.Components {
			c.def("component", comp.UUID)
		}
		for _, comp := range res.LocalDefinitions.AssessmentAssets.Components {
			c.def("assessment component", comp.UUID)
		}
		for _, p := range res.LocalDefinitions.AssessmentAssets.Platforms {
			c.def("assessment platform", p.UUID)
		}
		for _, r := range res.Risks {
			c.def("risk", r.UUID)
		}
		for _, f := range res.Findings {
			c.def("finding", f.UUID)
		}
	}
}

// observation defines o's uuid and checks its references.
func (c *refCheck) observation(o *oscalObservation) {
	c.def("observation", o.UUID)
	c.actors("observation", o.Origins)
	for _, s := range o.Subjects {
		c.ref("observation subject", s.SubjectUUID)
	}
	for _, e := range o.RelevantEvidence {
		c.href("relevant-evidence", e.Href)
	}
}

// referDoc checks the references of doc but its observations'.
func (c *refCheck) referDoc(doc oscalDocument) {
	ar := doc.AssessmentResults
	c.href("import-ap", ar.ImportAP.Href)
	for _, res := range ar.Results {
		for _, p := range res.LocalDefinitions.AssessmentAssets.Platforms {
			for _, u := range p.UsesComponent {
				c.ref("platform component", u.ComponentUUID)
			}
		}
		for _, r := range res.Risks {
			c.actors("risk", r.Origins)
			for _, ch := range r.Characterizations {
				c.actors("characterization", []oscalOrigin{ch.Origin})
			}
			for _, o := range r.RelatedObservations {
				c.ref("risk observation", o.ObservationUUID)
			}
		}
		for _, f := range res.Findings {
			for _, o := range f.RelatedObservations {
				c.ref("finding observation", o.ObservationUUID)
			}
			for _, r := range f.RelatedRisks {
				c.ref("finding risk", r.RiskUUID)
			}
		}
	}
}

func (c *refCheck) err() error {
	problems := c.problems
	for _, r := range c.pending {
		if _, ok := c.defined[r.id]; !ok {
			problems = append(problems, fmt.Sprintf("%s references undefined uuid %q", r.what, r.id))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("uuid graph: %s", strings.Join(problems, "; "))
	}
	return nil
}

// checkOSCALRefs checks the uuid graph of a whole document.
func checkOSCALRefs(doc oscalDocument) error {
	c := newRefCheck()
	c.defineDoc(doc)
	for _, res := range doc.AssessmentResults.Results {
		for i := range res.Observations {
			c.observation(&res.Observations[i])
		}
	}
	c.referDoc(doc)
	return c.err()
}
