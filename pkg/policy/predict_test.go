package policy_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy"
)

// smallMesh has a sidecar client, a proxy-less client and a sidecar server
// behind Service shop/cart:80 -> 8080, under a mesh-wide STRICT policy.
func smallMesh() *inventory.Inventory {
	inv := &inventory.Inventory{Cluster: "demo"}
	for _, ns := range []string{"istio-system", "shop", "legacy"} {
		inv.Namespaces = append(inv.Namespaces, inventory.Namespace{Name: ns, Declared: true})
	}
	wl := func(ns, name, mesh string) inventory.WorkloadRef {
		ref := inventory.WorkloadRef{Namespace: ns, Kind: "Deployment", Name: name}
		inv.Workloads = append(inv.Workloads, inventory.Workload{WorkloadRef: ref, PodLabels: map[string]string{"app": name},
			Containers: []inventory.Container{{Name: name, Image: name + ":1", Ports: []inventory.ContainerPort{{Name: "http", Port: 8080, Protocol: "TCP"}}}},
			Mesh:       inventory.Mesh{Kind: mesh}})
		return ref
	}
	front := wl("shop", "frontend", inventory.MeshSidecar)
	batch := wl("legacy", "batch", inventory.MeshNone)
	cart := wl("shop", "cart", inventory.MeshSidecar)
	svc := inventory.Service{ServiceRef: inventory.ServiceRef{Namespace: "shop", Name: "cart"}, Type: "ClusterIP",
		Selector: map[string]string{"app": "cart"}, Backends: []inventory.WorkloadRef{cart},
		Ports: []inventory.ServicePort{{Name: "http", Port: 80, Protocol: "TCP", TargetPort: 8080}}}
	inv.Services = append(inv.Services, svc)
	for _, src := range []inventory.WorkloadRef{front, batch} {
		inv.Paths = append(inv.Paths, inventory.NewPath(inv.Cluster, src, svc.ServiceRef, svc.Ports[0]))
	}
	inv.Objects = append(inv.Objects, inventory.Object{APIVersion: "security.istio.io/v1", Kind: "PeerAuthentication",
		Namespace: "istio-system", Name: "default", Source: "pa.yaml",
		Raw: []byte(`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"istio-system"},"spec":{"mtls":{"mode":"STRICT"}}}`)})
	return inv
}

func TestPredict(t *testing.T) {
	inv := smallMesh()
	rep, err := policy.Predict(inv)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != evidence.KindPolicyReport || rep.APIVersion != evidence.APIVersion {
		t.Errorf("header %s %s", rep.APIVersion, rep.Kind)
	}
	type row struct {
		PathID, Source, Expected, Server, ServerPolicy, Client string
		Plaintext                                              bool
		TargetPort                                             int
	}
	var got []row
	for _, p := range rep.Paths {
		got = append(got, row{p.PathID, p.Source.Namespace + "/" + p.Source.Workload + "/" + p.Source.Mesh, p.Expected,
			p.Server.Mode, p.Server.Policy, p.Client.Mode, p.PlaintextAccepted, p.Destination.TargetPort})
	}
	want := []row{
		{inv.Paths[0].ID, "shop/frontend/sidecar", "mtls", "STRICT", "istio-system/default", "AUTO", false, 8080},
		{inv.Paths[1].ID, "legacy/batch/none", "broken", "STRICT", "istio-system/default", "NONE", false, 8080},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("paths (-want +got):\n%s", d)
	}
	if rep.Mesh == nil || rep.Mesh.MinProtocolVersion != "TLSV1_2" || len(rep.Mesh.CipherSuites) == 0 {
		t.Errorf("mesh TLS: %+v", rep.Mesh)
	}
}

func TestPredictConflictFindings(t *testing.T) {
	inv := smallMesh()
	inv.Objects = append(inv.Objects, inventory.Object{APIVersion: "networking.istio.io/v1", Kind: "DestinationRule",
		Namespace: "shop", Name: "cart-plaintext", Source: "dr.yaml",
		Raw: []byte(`{"metadata":{"name":"cart-plaintext","namespace":"shop"},"spec":{"host":"cart","trafficPolicy":{"tls":{"mode":"DISABLE"}}}}`)})
	rep, err := policy.Predict(inv)
	if err != nil {
		t.Fatal(err)
	}
	var got []evidence.Finding
	for _, f := range rep.Findings {
		if strings.Contains(f.Message, "disagree") {
			got = append(got, f)
		}
	}
	// frontend (sidecar) is broken by the DR; batch (no proxy) is refused by
	// STRICT, which is not a conflict.
	if len(got) != 1 || got[0].Object != "DestinationRule shop/cart-plaintext" || got[0].Severity != "error" ||
		!strings.Contains(got[0].Message, "1 paths from meshed clients") || !strings.Contains(got[0].Message, "istio-system/default") {
		t.Errorf("conflict findings: %+v", got)
	}
}

func TestPredictRootNamespaceOption(t *testing.T) {
	inv := smallMesh()
	rep, err := policy.Predict(inv, policy.WithRootNamespace("elsewhere"))
	if err != nil {
		t.Fatal(err)
	}
	// In istio-system the policy is no longer mesh-wide: the namespace has
	// no workloads, so cart falls back to PERMISSIVE.
	if p := rep.Paths[1]; p.Expected != "plaintext" || p.Server.Mode != "PERMISSIVE" {
		t.Errorf("with root elsewhere: %s %s", p.Expected, p.Server.Mode)
	}
}

func TestPredictNothing(t *testing.T) {
	for _, inv := range []*inventory.Inventory{nil, {}} {
		if _, err := policy.Predict(inv); !errors.Is(err, policy.ErrNothingToEvaluate) {
			t.Errorf("Predict(%v) error = %v, want ErrNothingToEvaluate", inv, err)
		}
	}
}

func ExamplePredict() {
	rep, err := policy.Predict(smallMesh())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range rep.Paths {
		fmt.Printf("%s/%s -> %s/%s:%d %s (server %s, plaintext accepted: %t)\n", p.Source.Namespace, p.Source.Workload,
			p.Destination.Namespace, p.Destination.Service, p.Destination.Port, p.Expected, p.Server.Mode, p.PlaintextAccepted)
	}
	// Output:
	// shop/frontend -> shop/cart:80 mtls (server STRICT, plaintext accepted: false)
	// legacy/batch -> shop/cart:80 broken (server STRICT, plaintext accepted: false)
}
