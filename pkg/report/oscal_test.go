package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/defenseunicorns/go-oscal/src/pkg/validation"
	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// validateOSCAL fails t unless doc is valid OSCAL 1.1.3 assessment results
// under the complete schema go-oscal embeds.
func validateOSCAL(t *testing.T, doc []byte) {
	t.Helper()
	v, err := validation.NewValidator(doc)
	if err != nil {
		t.Fatal(err)
	}
	if v.GetSchemaVersion() != OSCALVersion || v.GetModelType() != "assessment-results" {
		t.Fatalf("validator picked schema %s model %s", v.GetSchemaVersion(), v.GetModelType())
	}
	if err := v.Validate(); err != nil {
		t.Fatalf("OSCAL schema validation: %v", err)
	}
}

func TestOSCALValidAgainstSchema(t *testing.T) {
	for name, m := range map[string]*matrix.Matrix{"sample": sample(), "rich": rich(), "empty": empty()} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := OSCAL(&buf, m); err != nil {
				t.Fatal(err)
			}
			validateOSCAL(t, buf.Bytes())
			var doc oscalDocument
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if err := checkOSCALRefs(doc); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestOSCALSchemaRejects proves the validation can fail: a wrong state
// and a missing reviewed-controls are caught.
// TestOSCALHostileNames puts line breaks and blanks in every name that
// reaches a prop value or a title: the document must stay valid.
func TestOSCALHostileNames(t *testing.T) {
	m := rich()
	m.Cluster = " east\ncluster "
	m.Groups[0].Members[0].Name = "front\nend "
	m.Rows[2].Classes[0].Key = "\tmesh\nnone "
	m.Rows[2].Destination.Service = " front\nend"
	m.Rows[0].Cells[0].Waiver = "W-9\n(expired)"
	m.Scanner.Version = ""
	m.Profile = "\t"
	m.Evidence[0].ID = "probe report\n"
	var buf bytes.Buffer
	if err := OSCAL(&buf, m); err != nil {
		t.Fatal(err)
	}
	validateOSCAL(t, buf.Bytes())
}

func TestOSCALSchemaRejects(t *testing.T) {
	var buf bytes.Buffer
	if err := OSCAL(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ from, to string }{
		{`"state":"not-satisfied"`, `"state":"failed"`},
		{`"reviewed-controls"`, `"reviewed-kontrols"`},
		{`"methods":[`, `"methods":[],"x":[`},
	} {
		doc := bytes.Replace(buf.Bytes(), []byte(bad.from), []byte(bad.to), 1)
		if bytes.Equal(doc, buf.Bytes()) {
			t.Fatalf("%s not in the document", bad.from)
		}
		v, err := validation.NewValidator(doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Validate(); err == nil {
			t.Errorf("schema accepted %s", bad.to)
		}
	}
}

func TestOSCALRefsCatchDangling(t *testing.T) {
	doc := buildOSCAL(rich())
	if err := checkOSCALRefs(doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		break_ func(d *oscalDocument)
		want   string
	}{
		{"subject", func(d *oscalDocument) {
			d.AssessmentResults.Results[0].Observations[0].Subjects[0].SubjectUUID = "00000000-0000-5000-8000-000000000000"
		}, "observation subject"},
		{"actor", func(d *oscalDocument) {
			d.AssessmentResults.Results[0].LocalDefinitions.AssessmentAssets.Components[0].UUID = "00000000-0000-5000-8000-000000000001"
		}, "observation actor"},
		{"evidence", func(d *oscalDocument) {
			d.AssessmentResults.BackMatter.Resources = d.AssessmentResults.BackMatter.Resources[:1]
		}, "relevant-evidence"},
		{"finding", func(d *oscalDocument) {
			d.AssessmentResults.Results[0].Observations = d.AssessmentResults.Results[0].Observations[1:]
		}, "finding observation"},
		{"risk", func(d *oscalDocument) { d.AssessmentResults.Results[0].Risks = nil }, "finding risk"},
		{"duplicate", func(d *oscalDocument) {
			r := &d.AssessmentResults.Results[0]
			r.Observations[1].UUID = r.Observations[0].UUID
		}, "defined twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := buildOSCAL(rich())
			tt.break_(&d)
			err := checkOSCALRefs(d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("checkOSCALRefs = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// TestOSCALContent checks the SAR shape: observations per tested cell with
// TEST, finding and a tool actor; findings per objective with the right
// state; evidence hrefs and hashes; stable ids across runs.
func TestOSCALContent(t *testing.T) {
	m := rich()
	doc := buildOSCAL(m)
	res := doc.AssessmentResults.Results[0]
	tested := m.Summary.Tested
	if got := len(res.Observations); got != tested+1 {
		t.Errorf("%d observations, want %d tested cells + coverage", got, tested)
	}
	// Subjects: the port, for a class's cell too (the class in props);
	// one component per row.
	if got, want := len(res.LocalDefinitions.Components), m.Summary.Rows; got != want {
		t.Errorf("%d components, want %d", got, want)
	}
	kind := map[string]oscalComponent{}
	for _, c := range res.LocalDefinitions.Components {
		kind[c.UUID] = c
	}
	cart := m.Rows[2].Classes[0]
	cartSeen := false
	for _, o := range res.Observations[:tested] {
		props := map[string][]string{}
		for _, p := range o.Props {
			props[p.Name] = append(props[p.Name], p.Value)
		}
		if len(o.Subjects) != 1 || kind[o.Subjects[0].SubjectUUID].Type != "service" {
			t.Errorf("observation %s subjects %+v, want its port", o.Title, o.Subjects)
		}
		if cmp.Equal(props["class-id"], []string{cart.ID}) {
			cartSeen = true
			if !cmp.Equal(props["members"], []string{"7"}) || o.Subjects[0].SubjectUUID != stableID(m.Cluster, "component", m.Rows[2].ID) || !strings.Contains(o.Description, cart.Key) {
				t.Errorf("class observation %+v", o)
			}
		}
	}
	if !cartSeen {
		t.Error("no observation of the cart class")
	}
	toolID := res.LocalDefinitions.AssessmentAssets.Components[0].UUID
	hrefs := 0
	for _, o := range res.Observations {
		if !cmp.Equal(o.Methods, []string{"TEST"}) || len(o.Origins) != 1 || o.Origins[0].Actors[0].Type != "tool" || o.Origins[0].Actors[0].ActorUUID != toolID {
			t.Errorf("observation %s: methods %v origins %+v", o.UUID, o.Methods, o.Origins)
		}
		for _, e := range o.RelevantEvidence {
			if strings.HasPrefix(e.Href, "#") {
				hrefs++
			}
		}
	}
	if hrefs == 0 {
		t.Error("no relevant-evidence href")
	}
	var objectives []string
	states := map[string]string{}
	for _, f := range res.Findings {
		objectives = append(objectives, f.Target.TargetID)
		states[f.Target.TargetID] = f.Target.Status.State + "/" + f.Target.Status.Reason
		if f.Target.Status.State == "not-satisfied" && len(f.RelatedRisks) != 1 {
			t.Errorf("not-satisfied finding %s has no risk", f.Target.TargetID)
		}
	}
	if diff := cmp.Diff([]string{"sc-8_obj", "sc-8.1_obj", "sc-13_obj.b", "sc-23_obj", "ia-3_obj", "ia-5.2_obj.b.1"}, objectives); diff != "" {
		t.Errorf("finding objectives (-want +got):\n%s", diff)
	}
	// rich(): plaintext-refused FAILs (sc-8, sc-8.1); server-certificate
	// only ERROR and NOT-TESTED, so ia-5.2 is not shown satisfied. The
	// observation ids derive from the row and class ids.
	wantStates := map[string]string{"sc-8_obj": "not-satisfied/fail", "sc-8.1_obj": "not-satisfied/fail", "ia-5.2_obj.b.1": "not-satisfied/other"}
	for obj, want := range wantStates {
		if states[obj] != want {
			t.Errorf("%s = %s, want %s", obj, states[obj], want)
		}
	}
	ids := map[string]bool{}
	for _, o := range res.Observations {
		ids[o.UUID] = true
	}
	if !ids[stableID(m.Cluster, "observation", m.Rows[2].ID, matrix.CheckPlaintextRefused)] || !ids[stableID(m.Cluster, "observation", cart.ID, matrix.CheckMeshPolicy)] {
		t.Error("observation ids are not derived from row and class ids")
	}
	var hashed bool
	for _, r := range doc.AssessmentResults.BackMatter.Resources {
		for _, l := range r.RLinks {
			if l.Href == "evidence/probe-report.json" && len(l.Hashes) == 1 && l.Hashes[0].Algorithm == "SHA-256" && l.Hashes[0].Value == strings.Repeat("a", 64) {
				hashed = true
			}
		}
	}
	if !hashed {
		t.Error("the probe report's rlink does not carry its SHA-256")
	}
	// A later run of the same cluster keeps observation, finding and
	// component ids; the document id changes with the time.
	later := rich()
	later.GeneratedAt = later.GeneratedAt.Add(24 * time.Hour)
	doc2 := buildOSCAL(later)
	res2 := doc2.AssessmentResults.Results[0]
	if res2.Observations[0].UUID != res.Observations[0].UUID || res2.Findings[0].UUID != res.Findings[0].UUID ||
		res2.LocalDefinitions.Components[0].UUID != res.LocalDefinitions.Components[0].UUID {
		t.Error("entity ids change across runs")
	}
	if doc2.AssessmentResults.UUID == doc.AssessmentResults.UUID {
		t.Error("two runs share a document uuid")
	}
}

// TestOSCALStreamed: the streamed document is the built one.
func TestOSCALStreamed(t *testing.T) {
	var buf bytes.Buffer
	if err := OSCAL(&buf, rich()); err != nil {
		t.Fatal(err)
	}
	built, err := json.Marshal(buildOSCAL(rich()))
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal(built, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("streamed OSCAL does not decode: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("streamed OSCAL (-built +streamed):\n%s", diff)
	}
	// One observation and one component a line: the size of a large
	// cluster's document follows its cells, not its indentation.
	obs := len(buildOSCAL(rich()).AssessmentResults.Results[0].Observations)
	if n := strings.Count(buf.String(), `{"uuid":`); n < obs {
		t.Errorf("%d one-line items, want at least the %d observations", n, obs)
	}
}

func TestUUIDv5(t *testing.T) {
	// Python: uuid.uuid5(uuid.NAMESPACE_URL, "sc8scan.dev/oscal")
	if got := matrix.FormatUUID(oscalNamespace); got != "e13aabfa-8ce9-56c8-a542-2399b0c364cd" {
		t.Errorf("namespace uuid = %s", got)
	}
	// Python: uuid.uuid5(ns, "demo\x00finding\x00sc-8_obj")
	if got := stableID("demo", "finding", "sc-8_obj"); got != "b15ecf6e-47c1-5f2d-885f-f26c16875541" {
		t.Errorf("stableID = %s", got)
	}
}
