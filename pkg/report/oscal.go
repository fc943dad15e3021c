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
	Observations     []oscalObservation `json:"observations,omitempty"`
	Risks            []oscalRisk        `json:"risks,omitempty"`
	Findings         []oscalFinding     `json:"findings,omitempty"`
	Remarks          string             `json:"remarks,omitempty"`
}

type oscalLocalDefs struct {
	Components       []oscalComponent `json:"components,omitempty"`
	AssessmentAssets oscalAssets      `json:"assessment-assets"`
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
//   - one observation per (path x check) cell that rests on evidence (PASS,
//     FAIL, WARN, WAIVED), methods TEST, types finding, collected at the
//     matrix's generation time, its origin the scanner (a tool declared in
//     assessment-assets), its subject the destination Service port (a
//     local component), its relevant evidence "#uuid" links to the
//     back-matter resources of the evidence documents, whose rlinks carry
//     the documents' SHA-256;
//   - one finding per control objective (sc-8_obj, sc-8.1_obj, ...), its
//     target satisfied only when every tested cell of its checks passed
//     (WARN included) and something was tested; FAIL gives not-satisfied
//     with reason fail, and ERROR, NOT-TESTED, WAIVED or nothing tested
//     give not-satisfied with reason other;
//   - one risk per not-satisfied objective, rated by its worst check;
//   - the coverage as props (FedRAMP's scan-percentage, discrepancies).
//
// Identifiers are UUIDv5: components, observations, findings, risks and
// resources keep their uuid across runs of the same cluster; the document
// and result uuids change with the generation time. The document's uuid
// references are checked before it is written.
func OSCAL(w io.Writer, m *matrix.Matrix) error {
	doc := buildOSCAL(m)
	if err := checkOSCALRefs(doc); err != nil {
		return fmt.Errorf("building OSCAL assessment results: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
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

func buildOSCAL(m *matrix.Matrix) oscalDocument {
	at := oscalTime(m.GeneratedAt)
	cluster := m.Cluster
	toolID := stableID(cluster, "tool", m.Scanner.Name)
	platformID := stableID(cluster, "platform", m.Scanner.Name)
	tool := []oscalOrigin{{Actors: []oscalActor{{Type: "tool", ActorUUID: toolID}}}}
	planID := stableID(cluster, "resource", "scan-configuration")

	// Back matter: the scan configuration and one resource per evidence
	// document.
	resources := []oscalResource{{UUID: planID, Title: "Scan configuration",
		Description: clean(fmt.Sprintf("No separate assessment plan: %s scanned %s with profile %s. Scope: %s.",
			m.Scanner.Name, clean(m.Source, "an unnamed source"), clean(m.Profile, "(none)"), strings.Join(m.Scope, "; ")), "Scan configuration."),
		Props: []oscalProp{prop("type", "", "plan")}}}
	resourceOf := map[string]string{}
	for _, e := range m.Evidence {
		id := stableID(cluster, "resource", e.ID)
		resourceOf[e.ID] = id
		r := oscalResource{UUID: id, Title: clean(e.Kind+" "+e.ID, e.ID),
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

	// Subjects: one component per destination Service port.
	var components []oscalComponent
	componentOf := map[string]string{}
	for _, r := range m.Rows {
		dst := destKey(r)
		if _, ok := componentOf[dst]; ok {
			continue
		}
		id := stableID(cluster, "component", dst)
		componentOf[dst] = id
		d := r.Destination
		c := oscalComponent{UUID: id, Type: "service", Title: dst,
			Description: fmt.Sprintf("Kubernetes Service %s/%s, port %d, in cluster %s.", d.Namespace, d.Service, d.Port, clean(cluster, "(unnamed)")),
			Props:       []oscalProp{prop("namespace", oscalNS, d.Namespace), prop("service", oscalNS, d.Service), prop("port", oscalNS, strconv.Itoa(d.Port))},
			Status:      oscalState{"operational"}}
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

	checks := map[string]matrix.Check{}
	for _, c := range m.Checks {
		checks[c.ID] = c
	}
	// Observations: one per tested cell; remember them per control for the
	// findings and risks.
	var obs []oscalObservation
	obsOf := map[string][]string{}  // control -> observation uuids
	failOf := map[string][]string{} // control -> FAIL observation uuids
	worstFail := map[string]Severity{}
	for _, r := range m.Rows {
		src, dst := rowName(r)
		for _, c := range r.Cells {
			if !c.Status.Tested() {
				continue
			}
			chk := checks[c.Check]
			id := stableID(cluster, "observation", r.PathID, c.Check)
			o := oscalObservation{UUID: id, Title: clean(fmt.Sprintf("%s: %s -> %s", clean(chk.Title, c.Check), src, dst), c.Check),
				Description: clean(fmt.Sprintf("%s on %s -> %s: %s", c.Status, src, dst, c.Reason), string(c.Status)),
				Props: []oscalProp{prop("path-id", oscalNS, r.PathID), prop("check", oscalNS, c.Check), prop("status", oscalNS, string(c.Status)),
					prop("source", oscalNS, src), prop("destination", oscalNS, dst)},
				Methods: []string{"TEST"}, Types: []string{"finding"}, Origins: tool,
				Subjects:  []oscalSubject{{SubjectUUID: componentOf[dst], Type: "component", Title: dst}},
				Collected: at}
			if c.Waiver != "" {
				o.Props = append(o.Props, prop("waiver", oscalNS, c.Waiver))
			}
			for _, ev := range c.Evidence {
				e := oscalEvidence{Description: clean("sc8scan evidence "+ev, "sc8scan evidence")}
				if rid, ok := resourceOf[evidenceDoc(ev)]; ok {
					e.Href = "#" + rid
				}
				o.RelevantEvidence = append(o.RelevantEvidence, e)
			}
			obs = append(obs, o)
			for _, ctl := range chk.Controls {
				obsOf[ctl] = append(obsOf[ctl], id)
				if c.Status == matrix.Fail {
					failOf[ctl] = append(failOf[ctl], id)
					if sev := CheckSeverity(c.Check); worstFail[ctl] == "" || sev.Days() < worstFail[ctl].Days() {
						worstFail[ctl] = sev
					}
				}
			}
		}
	}
	s := m.Summary
	discrepancies := s.Counts[matrix.NotTested] + s.Counts[matrix.Error]
	coverage := []oscalProp{
		prop("scan-percentage", fedrampNS, strconv.FormatFloat(100*s.Coverage, 'f', 1, 64)),
		prop("discrepancies", fedrampNS, strconv.Itoa(discrepancies)),
		prop("discrepancies-reason", fedrampNS, fmt.Sprintf("%d cells NOT-TESTED and %d ERROR: no evidence reached them or the check could not run; the matrix lists each with its reason.", s.Counts[matrix.NotTested], s.Counts[matrix.Error])),
		prop("paths", oscalNS, strconv.Itoa(s.Paths)),
		prop("cells", oscalNS, strconv.Itoa(s.Cells)),
		prop("applicable-cells", oscalNS, strconv.Itoa(s.Applicable)),
		prop("tested-cells", oscalNS, strconv.Itoa(s.Tested)),
	}
	obs = append(obs, oscalObservation{UUID: stableID(cluster, "observation", "coverage"), Title: "Coverage",
		Description: fmt.Sprintf("%s of the %d applicable cells (all but N/A) of %d paths rest on evidence (%d cells in all): %s.",
			pct(s.Coverage), s.Applicable, s.Paths, s.Cells, counts(s.Counts)),
		Props: coverage, Methods: []string{"TEST"}, Types: []string{"control-objective"}, Origins: tool, Collected: at})

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
		Description: clean(fmt.Sprintf("Every service path of the cluster, tested for encryption and authentication in transit by %s %s. %s",
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
		Observations: obs, Risks: risks, Findings: findings,
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

// checkOSCALRefs checks the document's uuid graph: every uuid defined
// once, and every reference (subjects, actors, platforms' components,
// related observations and risks, "#uuid" hrefs) to a defined uuid. The
// schema cannot check either.
func checkOSCALRefs(doc oscalDocument) error {
	ar := doc.AssessmentResults
	defined := map[string]string{}
	var problems []string
	def := func(what, id string) {
		if prev, ok := defined[id]; ok {
			problems = append(problems, fmt.Sprintf("uuid %s defined twice (%s, %s)", id, prev, what))
		}
		defined[id] = what
	}
	type ref struct{ what, id string }
	var refs []ref
	href := func(what, h string) {
		if id, ok := strings.CutPrefix(h, "#"); ok {
			refs = append(refs, ref{what, id})
		}
	}
	def("assessment-results", ar.UUID)
	href("import-ap", ar.ImportAP.Href)
	for _, r := range ar.BackMatter.Resources {
		def("resource", r.UUID)
	}
	for _, res := range ar.Results {
		def("result", res.UUID)
		for _, c := range res.LocalDefinitions.Components {
			def("component", c.UUID)
		}
		for _, c := range res.LocalDefinitions.AssessmentAssets.Components {
			def("assessment component", c.UUID)
		}
		for _, p := range res.LocalDefinitions.AssessmentAssets.Platforms {
			def("assessment platform", p.UUID)
			for _, u := range p.UsesComponent {
				refs = append(refs, ref{"platform component", u.ComponentUUID})
			}
		}
		actors := func(what string, os []oscalOrigin) {
			for _, o := range os {
				for _, a := range o.Actors {
					refs = append(refs, ref{what + " actor", a.ActorUUID})
				}
			}
		}
		for _, o := range res.Observations {
			def("observation", o.UUID)
			actors("observation", o.Origins)
			for _, s := range o.Subjects {
				refs = append(refs, ref{"observation subject", s.SubjectUUID})
			}
			for _, e := range o.RelevantEvidence {
				href("relevant-evidence", e.Href)
			}
		}
		for _, r := range res.Risks {
			def("risk", r.UUID)
			actors("risk", r.Origins)
			for _, c := range r.Characterizations {
				actors("characterization", []oscalOrigin{c.Origin})
			}
			for _, o := range r.RelatedObservations {
				refs = append(refs, ref{"risk observation", o.ObservationUUID})
			}
		}
		for _, f := range res.Findings {
			def("finding", f.UUID)
			for _, o := range f.RelatedObservations {
				refs = append(refs, ref{"finding observation", o.ObservationUUID})
			}
			for _, r := range f.RelatedRisks {
				refs = append(refs, ref{"finding risk", r.RiskUUID})
			}
		}
	}
	for _, r := range refs {
		if _, ok := defined[r.id]; !ok {
			problems = append(problems, fmt.Sprintf("%s references undefined uuid %q", r.what, r.id))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("uuid graph: %s", strings.Join(problems, "; "))
	}
	return nil
}
