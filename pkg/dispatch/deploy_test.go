package dispatch_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/deploy"
	"github.com/sc8scan/sc8scan/pkg/dispatch"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
	"github.com/sc8scan/sc8scan/probes/plan"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

type object struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
	raw []byte
}

// build runs kubectl kustomize on a directory of the repository.
func build(t *testing.T, dir string) []object {
	t.Helper()
	kubectl := testenv.LookPath(t, "kubectl")[0]
	out, err := exec.Command(kubectl, "kustomize", "../../deploy/"+dir).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v", dir, err)
	}
	var objs []object
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(out)))
	for {
		doc, err := r.Read()
		if err != nil {
			break
		}
		var o object
		if err := yaml.Unmarshal(doc, &o); err != nil {
			t.Fatal(err)
		}
		o.raw = doc
		objs = append(objs, o)
	}
	return objs
}

// TestOverlaysMatchTheRuns builds every overlay and checks that each
// namespace it applies is labelled exactly as the dispatcher renders the
// same namespace for a run (Pod Security, mesh membership), and that every
// overlay binds the runner role in each of its namespaces.
func TestOverlaysMatchTheRuns(t *testing.T) {
	for _, c := range []struct {
		dir  string
		opts dispatch.Options
		ns   []string
	}{
		{"base", dispatch.Options{}, []string{"sc8scan"}},
		{"overlays/capture", dispatch.Options{CaptureFor: time.Minute}, []string{"sc8scan", "sc8scan-sensor"}},
		{"overlays/mesh-sidecar", dispatch.Options{MeshVantage: dispatch.VantageSidecar}, []string{"sc8scan", "sc8scan-mesh"}},
		{"overlays/mesh-ambient", dispatch.Options{MeshVantage: dispatch.VantageAmbient}, []string{"sc8scan", "sc8scan-mesh"}},
	} {
		t.Run(c.dir, func(t *testing.T) {
			c.opts.Image, c.opts.RunID = "sc8scan:test", "match"
			ob, err := dispatch.Render(plan.Plan{}, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			rendered := map[string]map[string]string{}
			for _, ns := range ob.Namespaces {
				rendered[ns.Name] = ns.Labels
			}
			applied := map[string]map[string]string{}
			bound := map[string]bool{}
			for _, o := range build(t, c.dir) {
				switch o.Kind {
				case "Namespace":
					applied[o.Metadata.Name] = o.Metadata.Labels
				case "RoleBinding":
					var rb rbacv1.RoleBinding
					if err := yaml.Unmarshal(o.raw, &rb); err != nil {
						t.Fatal(err)
					}
					if rb.RoleRef.Name == "sc8scan-runner" {
						bound[rb.Namespace] = true
					}
				}
			}
			if d := cmp.Diff(rendered, applied); d != "" {
				t.Errorf("namespaces (-rendered by a run +applied by %s):\n%s", c.dir, d)
			}
			for _, ns := range c.ns {
				if !bound[ns] {
					t.Errorf("%s does not bind sc8scan-runner in %s", c.dir, ns)
				}
			}
		})
	}
}

// TestRBAC checks what the base grants: reads cluster-wide without
// Secrets, writes only through the runner role bound per namespace, and a
// ServiceAccount that mounts no token by default.
func TestRBAC(t *testing.T) {
	for _, o := range build(t, "base") {
		switch o.Kind {
		case "ClusterRole":
			var cr rbacv1.ClusterRole
			if err := yaml.Unmarshal(o.raw, &cr); err != nil {
				t.Fatal(err)
			}
			for _, r := range cr.Rules {
				for _, res := range r.Resources {
					if res == "secrets" || res == "*" {
						t.Errorf("%s grants %s", cr.Name, res)
					}
				}
				for _, v := range r.Verbs {
					writes := v != "get" && v != "list" && v != "watch"
					if writes && cr.Name != "sc8scan-runner" {
						t.Errorf("%s grants %s on %v", cr.Name, v, r.Resources)
					}
				}
			}
		case "ClusterRoleBinding":
			if !strings.Contains(string(o.raw), "name: sc8scan-reader") {
				t.Errorf("cluster-wide binding %s is not the reader's", o.Metadata.Name)
			}
		case "ServiceAccount":
			var sa corev1.ServiceAccount
			if err := yaml.Unmarshal(o.raw, &sa); err != nil {
				t.Fatal(err)
			}
			if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
				t.Errorf("ServiceAccount %s mounts a token by default", sa.Name)
			}
		}
	}
	if _, err := deploy.Files.ReadFile("base/rbac.yaml"); err != nil {
		t.Errorf("the base is not embedded: %v", err)
	}
}
