package istio_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"

	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// The test manifests are validated against Istio's own CRDs (istio.io/api
// v1.32.0, kubernetes/customresourcedefinitions.gen.yaml), their OpenAPI v3
// schemas converted to JSON Schema 2020-12 with unknown fields refused, as
// the API server's structural schemas would prune them. CEL rules
// (x-kubernetes-validations) are not evaluated here; the engine checks the
// ones that matter itself (TestBadInputFindings).

var (
	crdOnce    sync.Once
	crdSchemas map[string]*jsonschema.Schema // "group/version/Kind"
	crdErr     error
)

func loadCRDs(t testing.TB) map[string]*jsonschema.Schema {
	t.Helper()
	goBin := testenv.LookPath(t, "go")[0]
	crdOnce.Do(func() {
		out, err := exec.Command(goBin, "list", "-m", "-f", "{{.Dir}}", "istio.io/api").Output()
		if err != nil {
			crdErr = err
			return
		}
		path := filepath.Join(strings.TrimSpace(string(out)), "kubernetes", "customresourcedefinitions.gen.yaml")
		data, err := os.ReadFile(path)
		if err != nil {
			crdErr = err
			return
		}
		crdSchemas = map[string]*jsonschema.Schema{}
		c := jsonschema.NewCompiler()
		for i, doc := range splitYAML(data) {
			var crd struct {
				Spec struct {
					Group string
					Names struct{ Kind string }
					// Versions keep their schemas as generic JSON.
					Versions []struct {
						Name   string
						Schema struct {
							OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
						}
					}
				}
			}
			if err := yaml.Unmarshal(doc, &crd); err != nil {
				crdErr = err
				return
			}
			for j, v := range crd.Spec.Versions {
				s := toJSONSchema(v.Schema.OpenAPIV3Schema).(map[string]any)
				props, _ := s["properties"].(map[string]any)
				if props == nil {
					props = map[string]any{}
					s["properties"] = props
				}
				props["apiVersion"] = map[string]any{"type": "string"}
				props["kind"] = map[string]any{"type": "string"}
				props["metadata"] = map[string]any{"type": "object"}
				url := "crd://" + crd.Spec.Group + "/" + v.Name + "/" + crd.Spec.Names.Kind + "/" + itoa(int32(i*100+j))
				if err := c.AddResource(url, roundTrip(s)); err != nil {
					crdErr = err
					return
				}
				sch, err := c.Compile(url)
				if err != nil {
					crdErr = err
					return
				}
				crdSchemas[crd.Spec.Group+"/"+v.Name+"/"+crd.Spec.Names.Kind] = sch
			}
		}
	})
	if crdErr != nil {
		t.Fatalf("loading Istio CRDs: %v", crdErr)
	}
	return crdSchemas
}

// toJSONSchema converts an OpenAPI v3 (structural) schema: objects with
// properties refuse unknown fields unless they preserve them, and the
// Kubernetes extensions are dropped.
func toJSONSchema(n any) any {
	switch v := n.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if strings.HasPrefix(k, "x-kubernetes-") || k == "nullable" {
				continue
			}
			switch k {
			case "properties":
				ps := map[string]any{}
				for pk, pv := range x.(map[string]any) {
					ps[pk] = toJSONSchema(pv)
				}
				out[k] = ps
			case "items", "additionalProperties", "not":
				out[k] = toJSONSchema(x)
			case "anyOf", "oneOf", "allOf":
				var list []any
				for _, e := range x.([]any) {
					list = append(list, toJSONSchema(e))
				}
				out[k] = list
			default:
				out[k] = x
			}
		}
		_, hasProps := v["properties"]
		_, hasAdd := v["additionalProperties"]
		if hasProps && !hasAdd && v["x-kubernetes-preserve-unknown-fields"] != true {
			out["additionalProperties"] = false
		}
		return out
	default:
		return v
	}
}

// roundTrip turns Go values into the form the validator expects (numbers as
// json.Number).
func roundTrip(v any) any {
	b, _ := json.Marshal(v)
	out, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	return out
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

func splitYAML(data []byte) [][]byte {
	var out [][]byte
	for _, d := range docSep.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(d)) != "" {
			out = append(out, []byte(d))
		}
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// validate checks one manifest (YAML) against its CRD. It returns "" for
// kinds without a CRD (core objects) and for valid objects.
func validate(t testing.TB, schemas map[string]*jsonschema.Schema, doc []byte) (checked bool, problem string) {
	t.Helper()
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return true, err.Error()
	}
	var head struct{ APIVersion, Kind string }
	if err := json.Unmarshal(js, &head); err != nil {
		return true, err.Error()
	}
	sch, ok := schemas[head.APIVersion+"/"+head.Kind]
	if !ok {
		return false, ""
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return true, err.Error()
	}
	if err := sch.Validate(v); err != nil {
		return true, err.Error()
	}
	return true, ""
}

// TestManifestsMatchCRDs validates every Istio object the tests use: the
// objects of the specification's cases must be accepted, the bad inputs
// must be accepted or refused as each case says, and the end-to-end
// manifests in testdata/policy must be accepted.
func TestManifestsMatchCRDs(t *testing.T) {
	schemas := loadCRDs(t)
	for _, k := range []string{"security.istio.io/v1/PeerAuthentication", "networking.istio.io/v1/DestinationRule", "networking.istio.io/v1alpha3/DestinationRule"} {
		if schemas[k] == nil {
			t.Fatalf("no CRD schema for %s", k)
		}
	}
	n := 0
	for _, tc := range policyCases {
		w, _ := tc.run(t)
		for _, o := range w.inv.Objects {
			y, _ := yaml.JSONToYAML(o.Raw)
			checked, problem := validate(t, schemas, y)
			if checked {
				n++
			}
			if problem != "" {
				t.Errorf("case %q: %s %s/%s is refused by its CRD: %s", tc.name, o.Kind, o.Namespace, o.Name, problem)
			}
		}
	}
	for _, tc := range badInputCases {
		refused := ""
		for _, doc := range tc.objs {
			if checked, problem := validate(t, schemas, []byte(doc)); checked && problem != "" {
				refused = problem
			}
		}
		if tc.schemaValid && refused != "" {
			t.Errorf("bad input %q: expected the CRD schema to accept it, got %s", tc.name, refused)
		}
		if !tc.schemaValid && refused == "" && len(tc.objs) > 0 {
			t.Errorf("bad input %q: expected the CRD schema to refuse it", tc.name)
		}
	}
	files, _ := filepath.Glob("../../../testdata/policy/*/*.yaml")
	if len(files) == 0 {
		t.Error("no manifests under testdata/policy")
	}
	refused := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bad := strings.Contains(f, "/bad/")
		for _, doc := range splitYAML(data) {
			for _, item := range listItems(t, doc) {
				checked, problem := validate(t, schemas, item)
				if checked {
					n++
				}
				if problem == "" {
					continue
				}
				if !bad {
					t.Errorf("%s: refused by its CRD: %s", f, problem)
					continue
				}
				var head struct{ Metadata struct{ Name string } }
				_ = yaml.Unmarshal(item, &head)
				refused[head.Metadata.Name] = true
			}
		}
	}
	// The bad dump's unknown field and invalid mode are refused by the
	// schema; its CEL violations (portLevelMtls without selector) are not.
	if d := cmp.Diff(map[string]bool{"typo": true, "invalid-mode": true}, refused); d != "" {
		t.Errorf("objects of the bad dump refused by the CRD schemas (-want +got):\n%s", d)
	}
	if n < 40 {
		t.Errorf("validated only %d Istio objects", n)
	}
}

// listItems returns the items of a kind: List document, or the document.
func listItems(t testing.TB, doc []byte) [][]byte {
	var l struct {
		Kind  string
		Items []json.RawMessage
	}
	js, err := yaml.YAMLToJSON(doc)
	if err != nil || json.Unmarshal(js, &l) != nil || l.Kind != "List" {
		return [][]byte{doc}
	}
	var out [][]byte
	for _, it := range l.Items {
		y, err := yaml.JSONToYAML(it)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, y)
	}
	return out
}
