package evidence_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/capture"
	"github.com/sc8scan/sc8scan/pkg/discover"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/fips"
	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
	"github.com/sc8scan/sc8scan/pkg/internal/schematest"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
	"github.com/sc8scan/sc8scan/pkg/internal/tlstest"
	"github.com/sc8scan/sc8scan/pkg/policy"
	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/sc8scan/sc8scan/probes/runner"
)

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mutate decodes doc, applies f and encodes it again.
func mutate(t *testing.T, doc []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	return marshal(t, m)
}

func first(m map[string]any, key string) map[string]any {
	return m[key].([]any)[0].(map[string]any)
}

// TestPolicyReportSchema predicts the demo cluster's paths and validates
// the report.
func TestPolicyReportSchema(t *testing.T) {
	inv, err := discover.FromDir(context.Background(), "../../testdata/demo", discover.WithCluster("demo-east"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := policy.Predict(inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Ports) == 0 || len(rep.Groups) == 0 {
		t.Fatal("no ports predicted")
	}
	doc := marshal(t, rep)
	schematest.Validate(t, evidence.PolicyReportSchema, doc)
	class := func(m map[string]any) map[string]any { return first(first(m, "ports"), "classes") }
	for name, f := range map[string]func(m map[string]any){
		"unknown expected":     func(m map[string]any) { class(m)["expected"] = "maybe" },
		"server client mode":   func(m map[string]any) { class(m)["server"].(map[string]any)["mode"] = "ISTIO_MUTUAL" },
		"no plaintextAccepted": func(m map[string]any) { delete(class(m), "plaintextAccepted") },
		"no group":             func(m map[string]any) { delete(class(m), "group") },
		"empty group":          func(m map[string]any) { first(m, "groups")["members"] = []any{} },
		"old apiVersion":       func(m map[string]any) { m["apiVersion"] = "sc8scan.dev/v1alpha1" },
		"wrong kind":           func(m map[string]any) { m["kind"] = "ProbeReport" },
	} {
		if err := schematest.Check(evidence.PolicyReportSchema, mutate(t, doc, f)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestFlowReportSchema classifies every capture of testdata/pcap (real
// traffic: TLS 1.0 to 1.3, mTLS, mesh, plaintext protocols, truncated and
// VXLAN files) and validates each report.
func TestFlowReportSchema(t *testing.T) {
	all, err := filepath.Glob("../../testdata/pcap/*.pcap*")
	var files []string
	for _, f := range all {
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			files = append(files, f)
		}
	}
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	classes := map[string]bool{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			rep, err := capture.ReadFile(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, fl := range rep.Flows {
				classes[fl.Classification] = true
			}
			schematest.Validate(t, evidence.FlowReportSchema, marshal(t, rep))
		})
	}
	for _, c := range []string{"tls", "plaintext"} {
		if !classes[c] {
			t.Errorf("no %s flow in the captures: the schema was not exercised on it", c)
		}
	}
	rep, err := capture.ReadFile(context.Background(), "../../testdata/pcap/tls13-mtls.pcap")
	if err != nil {
		t.Fatal(err)
	}
	doc := marshal(t, rep)
	for name, f := range map[string]func(m map[string]any){
		"client certificate": func(m map[string]any) { first(m, "flows")["tls"].(map[string]any)["clientCertificate"] = "maybe" },
		"mesh":               func(m map[string]any) { first(m, "flows")["mesh"] = "consul" },
		"classification":     func(m map[string]any) { first(m, "flows")["classification"] = "encrypted" },
		"negative packets":   func(m map[string]any) { m["stats"].(map[string]any)["packets"] = -1 },
	} {
		if err := schematest.Check(evidence.FlowReportSchema, mutate(t, doc, f)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestProbeReportSchema probes real Go TLS servers (TLS 1.2 only, TLS 1.3
// with client certificates required, PERMISSIVE-like TLS plus plaintext)
// and a closed port, and validates the report.
func TestProbeReportSchema(t *testing.T) {
	ca := tlstest.NewCA(t)
	servers := []*tlstest.Server{
		tlstest.NewServer(t, tlstest.Options{CA: ca, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12}),
		tlstest.NewServer(t, tlstest.Options{CA: ca, MinVersion: tls.VersionTLS13, ClientAuth: tls.RequireAnyClientCert}),
		tlstest.NewServer(t, tlstest.Options{CA: ca, Plaintext: true}),
	}
	var targets []plan.Target
	for _, s := range servers {
		targets = append(targets, plan.Target{Host: s.Host, Port: s.Port, ServerName: "localhost"})
	}
	host, port := tlstest.ClosedPort(t)
	targets = append(targets, plan.Target{Host: host, Port: port})
	p := plan.Plan{Vantage: "evidence schema test", Targets: targets, CABundle: string(ca.PEM),
		Limits: plan.Limits{Enumerate: true, ConnTimeout: plan.Duration(2 * time.Second), TargetTimeout: plan.Duration(20 * time.Second)}}
	rep, err := runner.Run(context.Background(), p, runner.WithClientAuthWait(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != len(targets) {
		t.Fatalf("%d results for %d targets", len(rep.Results), len(targets))
	}
	got := []string{}
	for _, r := range rep.Results {
		got = append(got, fmt.Sprintf("tls=%t versions=%d auth=%s plaintext=%t", r.TLS.Offered, len(r.TLS.Versions), r.TLS.ClientAuth, r.Plaintext.Accepted))
	}
	want := []string{
		"tls=true versions=1 auth=none plaintext=false",
		"tls=true versions=1 auth=required plaintext=false",
		"tls=true versions=2 auth=none plaintext=true",
		"tls=false versions=0 auth=unknown plaintext=false",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("probe results (-want +got):\n%s", diff)
	}
	for i, r := range rep.Results[:3] {
		if n := len(r.TLS.Extensions); n != 13 {
			t.Errorf("result %d: %d extension checks, want 13", i, n)
		}
	}
	doc := marshal(t, rep)
	schematest.Validate(t, evidence.ProbeReportSchema, doc)
	for name, f := range map[string]func(m map[string]any){
		"client auth": func(m map[string]any) { first(m, "results")["tls"].(map[string]any)["clientAuth"] = "sometimes" },
		"version": func(m map[string]any) {
			first(first(m, "results")["tls"].(map[string]any), "versions")["version"] = "TLSv1.4"
		},
		"no certificates": func(m map[string]any) { delete(first(m, "results")["tls"].(map[string]any), "certificates") },
		"short sha256": func(m map[string]any) {
			first(first(m, "results")["tls"].(map[string]any), "certificates")["sha256"] = "abc"
		},
		"extension result": func(m map[string]any) {
			first(first(m, "results")["tls"].(map[string]any), "extensions")["result"] = "maybe"
		},
		"extension name": func(m map[string]any) {
			first(first(m, "results")["tls"].(map[string]any), "extensions")["name"] = "heartbeat"
		},
		"extension without evidence": func(m map[string]any) {
			delete(first(first(m, "results")["tls"].(map[string]any), "extensions"), "evidence")
		},
	} {
		if err := schematest.Check(evidence.ProbeReportSchema, mutate(t, doc, f)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestImageReportSchema builds real images (standard Go crypto, the Go
// Cryptographic Module with GOFIPS140, and a program without crypto) and
// validates the inspector's report.
func TestImageReportSchema(t *testing.T) {
	testenv.LookPath(t, "go")
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	cache = filepath.Join(cache, "sc8scan", "fips-testbin")
	progs, err := filepath.Abs("../../testdata/fips/progs")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var refs []string
	for _, b := range []imagebuild.GoBuild{
		{Dir: filepath.Join(progs, "crypto")},
		{Dir: filepath.Join(progs, "crypto"), GOFIPS140: "v1.0.0"},
		{Dir: filepath.Join(progs, "nocrypto")},
	} {
		ref, err := imagebuild.GoImage(context.Background(), cache, filepath.Join(dir, fmt.Sprint(len(refs))), b, nil)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
	}
	refs = append(refs, "oci-layout:"+filepath.Join(dir, "does-not-exist"))
	// A fixed day: the CMVP statuses behind the verdicts change with the
	// calendar, and these images carry no certificates of the real clock.
	rep, err := fips.InspectRefs(context.Background(), refs, fips.WithTime(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]bool{}
	for _, img := range rep.Images {
		verdicts[img.Verdict] = true
	}
	if len(verdicts) < 3 {
		t.Errorf("verdicts %v: the images should differ", verdicts)
	}
	doc := marshal(t, rep)
	schematest.Validate(t, evidence.ImageReportSchema, doc)
	for name, f := range map[string]func(m map[string]any){
		"verdict":     func(m map[string]any) { first(m, "images")["verdict"] = "fips" },
		"digest":      func(m map[string]any) { first(m, "images")["digest"] = "latest" },
		"no binaries": func(m map[string]any) { delete(first(m, "images"), "binaries") },
	} {
		if err := schematest.Check(evidence.ImageReportSchema, mutate(t, doc, f)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestSchemasMatchGoTypes walks each document's Go type and its schema
// together: every JSON field is a schema property, the schema has no
// property the type lacks, a property is required exactly when the field
// has no omitempty, and a slice without omitempty admits null.
func TestSchemasMatchGoTypes(t *testing.T) {
	for _, tt := range []struct {
		kind string
		typ  reflect.Type
	}{
		{evidence.KindProbeReport, reflect.TypeFor[evidence.ProbeReport]()},
		{evidence.KindPolicyReport, reflect.TypeFor[evidence.PolicyReport]()},
		{evidence.KindFlowReport, reflect.TypeFor[evidence.FlowReport]()},
		{evidence.KindImageReport, reflect.TypeFor[evidence.ImageReport]()},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			raw, err := evidence.Schema(tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			var root map[string]any
			if err := json.Unmarshal(raw, &root); err != nil {
				t.Fatal(err)
			}
			w := walker{root: root}
			w.object(tt.typ.Name(), tt.typ, root)
			for _, p := range w.problems {
				t.Error(p)
			}
		})
	}
	if _, err := evidence.Schema("Pod"); err == nil {
		t.Error("Schema(Pod) returned a schema")
	}
}

type walker struct {
	root     map[string]any
	problems []string
}

func (w *walker) resolve(s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		cur := any(w.root)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[part]
		}
		s = cur.(map[string]any)
	}
}

type field struct {
	name      string
	typ       reflect.Type
	omitempty bool
}

// jsonFields lists the JSON fields of struct t as encoding/json writes
// them, embedded structs flattened.
func jsonFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, field{name, f.Type, strings.Contains(","+opts+",", ",omitempty,")})
	}
	return out
}

func types(s map[string]any) []string {
	switch v := s["type"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

func (w *walker) object(at string, t reflect.Type, s map[string]any) {
	s = w.resolve(s)
	props, _ := s["properties"].(map[string]any)
	var required []string
	req, _ := s["required"].([]any)
	for _, r := range req {
		required = append(required, r.(string))
	}
	var want, have, wantReq []string
	for _, f := range jsonFields(t) {
		want = append(want, f.name)
		if !f.omitempty {
			wantReq = append(wantReq, f.name)
		}
		ps, ok := props[f.name].(map[string]any)
		if !ok {
			continue
		}
		w.value(at+"."+f.name, f.typ, ps, !f.omitempty)
	}
	for p := range props {
		have = append(have, p)
	}
	sort.Strings(want)
	sort.Strings(have)
	sort.Strings(wantReq)
	sort.Strings(required)
	if diff := cmp.Diff(want, have); diff != "" {
		w.problems = append(w.problems, fmt.Sprintf("%s: properties differ from the Go fields (-go +schema):\n%s", at, diff))
	}
	if diff := cmp.Diff(wantReq, required); diff != "" {
		w.problems = append(w.problems, fmt.Sprintf("%s: required differs from the fields without omitempty (-go +schema):\n%s", at, diff))
	}
}

func (w *walker) value(at string, t reflect.Type, s map[string]any, always bool) {
	s = w.resolve(s)
	if t == reflect.TypeFor[time.Time]() {
		if s["format"] != "date-time" {
			w.problems = append(w.problems, at+": a time without format date-time")
		}
		return
	}
	nullable := false
	for _, ty := range types(s) {
		if ty == "null" {
			nullable = true
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		if always && !nullable {
			w.problems = append(w.problems, at+": a pointer written always must admit null")
		}
		w.value(at, t.Elem(), s, false)
	case reflect.Slice:
		if always && !nullable {
			w.problems = append(w.problems, at+": a slice without omitempty must admit null")
		}
		items, ok := s["items"].(map[string]any)
		if !ok {
			w.problems = append(w.problems, at+": an array without items")
			return
		}
		w.value(at+"[]", t.Elem(), items, false)
	case reflect.Struct:
		w.object(at, t, s)
	case reflect.String:
		if _, isEnum := s["enum"]; !isEnum && !contains(types(s), "string") && s["const"] == nil {
			w.problems = append(w.problems, at+": a string field whose schema is neither a string nor an enum")
		}
	case reflect.Bool:
		if !contains(types(s), "boolean") {
			w.problems = append(w.problems, at+": a bool field whose schema is not boolean")
		}
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint16:
		if !contains(types(s), "integer") {
			w.problems = append(w.problems, at+": an integer field whose schema is not integer")
		}
	default:
		w.problems = append(w.problems, fmt.Sprintf("%s: Go kind %s not handled", at, t.Kind()))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
