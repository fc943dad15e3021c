package discover

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

func demo(t *testing.T) *inventory.Inventory {
	t.Helper()
	inv, err := FromDir(context.Background(), "../../testdata/demo", WithCluster("demo-east"))
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestDemoInventory(t *testing.T) {
	inv := demo(t)
	var ns []string
	for _, n := range inv.Namespaces {
		ns = append(ns, n.Name)
	}
	if diff := cmp.Diff([]string{"auth", "data", "istio-system", "legacy", "monitoring", "payments", "shop"}, ns); diff != "" {
		t.Errorf("namespaces (-want +got):\n%s", diff)
	}
	mesh := map[string]string{}
	for _, w := range inv.Workloads {
		mesh[w.WorkloadRef.String()] = w.Mesh.Kind
	}
	wantMesh := map[string]string{
		"auth/Deployment/idp":                          "ambient",
		"data/Deployment/redis":                        "none",
		"data/StatefulSet/postgres":                    "none",
		"istio-system/Deployment/istio-ingressgateway": "sidecar", // the gateway is an Envoy proxy itself
		"istio-system/Deployment/istiod":               "none",
		"legacy/Deployment/legacy-billing":             "none",
		"monitoring/DaemonSet/node-exporter":           "none",
		"monitoring/Deployment/prometheus":             "none",
		"payments/Deployment/ledger":                   "sidecar",
		"payments/Deployment/payments-api":             "sidecar",
		"shop/CronJob/nightly-report":                  "sidecar",
		"shop/Deployment/cart":                         "sidecar",
		"shop/Deployment/frontend":                     "sidecar",
	}
	if diff := cmp.Diff(wantMesh, mesh); diff != "" {
		t.Errorf("workload mesh (-want +got):\n%s", diff)
	}
	api := inv.Workload(inventory.WorkloadRef{Namespace: "payments", Kind: "Deployment", Name: "payments-api"})
	if api == nil || len(api.Pods) != 2 || !strings.Contains(api.Mesh.Reason, "istio-proxy") {
		t.Errorf("payments-api: pods resolved through a missing ReplicaSet, mesh from the injected proxy; got %+v", api)
	}
	// Named target ports resolve through container port names.
	gw := inv.Service(inventory.ServiceRef{Namespace: "istio-system", Name: "istio-ingressgateway"})
	if gw == nil || gw.Ports[0].TargetPort != 8080 || gw.Ports[1].TargetPort != 8443 {
		t.Errorf("ingress gateway ports not resolved: %+v", gw)
	}
	ledger := inv.Service(inventory.ServiceRef{Namespace: "payments", Name: "ledger"})
	if ledger == nil || len(ledger.Endpoints) != 1 || ledger.Endpoints[0].Pod != "ledger-7c4b9d6f8-m5t7r" {
		t.Errorf("ledger endpoints from the EndpointSlice: %+v", ledger)
	}
	ext := inv.Service(inventory.ServiceRef{Namespace: "legacy", Name: "card-network"})
	if ext == nil || ext.ExternalName != "api.card-network.example" {
		t.Errorf("ExternalName service: %+v", ext)
	}
	if got := len(inv.ObjectsOfKind("PeerAuthentication")); got != 4 {
		t.Errorf("PeerAuthentications kept: %d, want 4", got)
	}
	if got := len(inv.ObjectsOfKind("ConfigMap")); got != 1 {
		t.Errorf("mesh ConfigMap kept: %d", got)
	}
	var ports int
	for _, s := range inv.Services {
		ports += len(s.Ports)
	}
	if ports < 10 {
		t.Errorf("demo has %d service ports, want at least 10", ports)
	}
	if inv.PathCount() == 0 {
		t.Fatal("no paths")
	}
	for _, p := range inv.Problems {
		t.Errorf("unexpected problem: %+v", p)
	}
}

func TestPathIDsStable(t *testing.T) {
	a, b := demo(t), demo(t)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("inventories differ between runs:\n%s", diff)
	}
	// Every workload has a path to every TCP Service port (its own
	// Services' included); the inventory's and the matrix's path ids are
	// the same UUIDv5 and no two paths share one.
	seen := map[string]bool{}
	for _, s := range a.Services {
		for _, sp := range s.Ports {
			if sp.Protocol != "TCP" {
				continue
			}
			for _, w := range a.Workloads {
				id := inventory.PathID(a.Cluster, w.WorkloadRef, s.ServiceRef, sp.Port)
				mid := matrix.PathID(a.Cluster, matrix.Endpoint{Namespace: w.Namespace, Kind: w.Kind, Name: w.Name}, matrix.Destination{Namespace: s.Namespace, Service: s.Name, Port: int(sp.Port)})
				if id != mid {
					t.Fatalf("%s -> %s:%d: inventory id %s, matrix id %s", w.WorkloadRef, s.ServiceRef, sp.Port, id, mid)
				}
				if seen[id] {
					t.Fatalf("duplicate path id %s", id)
				}
				seen[id] = true
			}
		}
	}
	if len(seen) != a.PathCount() || len(seen) == 0 {
		t.Errorf("%d path ids, PathCount %d", len(seen), a.PathCount())
	}
}

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

const goodDeploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: web:1
        ports: [{name: http, containerPort: 8080}]
        env:
        - {name: DB_PASSWORD, value: hunter2}
        - {name: GODEBUG, value: fips140=on}
`

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good.yaml", goodDeploy)
	write(t, dir, "broken.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: x\n  namespace: [\n")
	write(t, dir, "sub/unknown.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: a}\nspec: {size: 3}\n")
	write(t, dir, "nosel.yaml", `apiVersion: v1
kind: Service
metadata: {name: lonely, namespace: a}
spec:
  selector: {app: nothing}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: misnamed, namespace: a}
spec:
  selector: {app: web}
  ports: [{port: 81, targetPort: nosuchport}]
`)
	write(t, dir, "dup.yaml", goodDeploy)
	write(t, dir, "secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\ndata: {password: aHVudGVyMg==}\n")
	write(t, dir, "helm.yaml", "---\n# Source: chart/templates/empty.yaml\n---\n# Source: chart/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: helm-svc, namespace: a}\nspec:\n  selector: {app: web}\n  ports: [{port: 8080, targetPort: http}]\n")
	write(t, dir, "list.json", `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a","labels":{"istio-injection":"enabled"}}}]}`)
	write(t, dir, "badkind.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad, namespace: a}\nspec: {replicas: many}\n")
	write(t, dir, "notes.txt", "not a manifest")

	inv, err := FromDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, p := range inv.Problems {
		msgs = append(msgs, fmt.Sprintf("%s|%s|%s", p.Source, p.Object, p.Message))
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"broken.yaml#0||malformed YAML",
		"good.yaml#0|Deployment a/web|duplicate object (first seen at dup.yaml#0)",
		"nosel.yaml#0|Service a/lonely|selector app=nothing matches no workload",
		"nosel.yaml#1|Service a/misnamed|targetPort \"nosuchport\" (port 81) is not a named port",
		"badkind.yaml#0|Deployment a/bad|does not decode as apps/v1, Kind=Deployment",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing problem %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, "hunter2") || strings.Contains(all, "aHVudGVyMg") {
		t.Error("a secret value reached the problems")
	}
	if got := inv.ObjectsOfKind("Widget"); len(got) != 1 {
		t.Errorf("unknown kind not kept: %v", got)
	}
	if got := inv.ObjectsOfKind("Secret"); len(got) != 0 {
		t.Error("Secret kept")
	}
	web := inv.Workload(inventory.WorkloadRef{Namespace: "a", Kind: "Deployment", Name: "web"})
	if web == nil {
		t.Fatal("web missing")
	}
	if web.Mesh.Kind != inventory.MeshSidecar {
		t.Errorf("namespace label from list.json not applied: %+v", web.Mesh)
	}
	if env := web.Containers[0].Env; env["GODEBUG"] != "fips140=on" || env["DB_PASSWORD"] != "" {
		t.Errorf("env kept = %v; want only crypto settings", env)
	}
	helm := inv.Service(inventory.ServiceRef{Namespace: "a", Name: "helm-svc"})
	if helm == nil || helm.Ports[0].TargetPort != 8080 {
		t.Errorf("helm service: %+v", helm)
	}
}

func TestEmptyAndMissing(t *testing.T) {
	_, err := FromDir(context.Background(), t.TempDir())
	if !errors.Is(err, ErrNoObjects) {
		t.Errorf("empty dir: err = %v", err)
	}
	if _, err := FromDir(context.Background(), filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("missing dir accepted")
	}
}

func TestLargeManifest(t *testing.T) {
	if testing.Short() {
		t.Skip("large manifest in -short")
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// About 50 MB: many services in one multi-document file.
	for i := 0; f != nil; i++ {
		fmt.Fprintf(f, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%d, namespace: big}\ndata:\n  blob: %q\n", i, strings.Repeat("x", 4000))
		if st, _ := f.Stat(); st.Size() > 50<<20 {
			break
		}
	}
	f.Close()
	write(t, dir, "small.yaml", goodDeploy)
	inv, err := FromDir(context.Background(), dir, WithMaxFileBytes(32<<20))
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Problems) != 1 || !strings.Contains(inv.Problems[0].Message, "over the") {
		t.Errorf("over-limit file: problems = %+v", inv.Problems)
	}
	inv, err = FromDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(inv.ObjectsOfKind("ConfigMap")); n < 12000 {
		t.Errorf("read %d ConfigMaps from the 50 MB file", n)
	}
}
