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
	_, _ = front, batch
	inv.Objects = append(inv.Objects, inventory.Object{APIVersion: "security.istio.io/v1", Kind: "PeerAuthentication",
		Namespace: "istio-system", Name: "default", Source: "pa.yaml",
		Raw: []byte(`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"istio-system"},"spec":{"mtls":{"mode":"STRICT"}}}`)})
	return inv
}

// classes flattens a report into "members: expected server client" lines.
func classes(rep *evidence.PolicyReport) []string {
	members := map[string][]string{}
	for _, g := range rep.Groups {
		for _, m := range g.Members {
			members[g.ID] = append(members[g.ID], m.Namespace+"/"+m.Workload+"/"+m.Mesh)
		}
	}
	var out []string
	for _, p := range rep.Ports {
		for _, c := range p.Classes {
			out = append(out, fmt.Sprintf("%s:%d->%d [%s] %s server %s %s client %s plaintext=%t", p.Destination.Service, p.Destination.Port, p.Destination.TargetPort,
				strings.Join(members[c.Group], " "), c.Expected, c.Server.Mode, c.Server.Policy, c.Client.Mode, c.PlaintextAccepted))
		}
	}
	return out
}

func TestPredict(t *testing.T) {
	inv := smallMesh()
	rep, err := policy.Predict(inv)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != evidence.KindPolicyReport || rep.APIVersion != evidence.PolicyAPIVersion {
		t.Errorf("header %s %s", rep.APIVersion, rep.Kind)
	}
	// frontend and cart (a client of its own Service too) are sidecars in
	// one namespace: one class. batch has no proxy: STRICT refuses it.
	want := []string{
		"cart:80->8080 [shop/frontend/sidecar shop/cart/sidecar] mtls server STRICT istio-system/default client AUTO plaintext=false",
		"cart:80->8080 [legacy/batch/none] broken server STRICT istio-system/default client NONE plaintext=false",
	}
	if d := cmp.Diff(want, classes(rep)); d != "" {
		t.Errorf("classes (-want +got):\n%s", d)
	}
	if p := rep.Ports[0]; p.Server.Mode != "STRICT" || p.PlaintextAccepted {
		t.Errorf("port-level server side: %+v plaintext=%t", p.Server, p.PlaintextAccepted)
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
	// frontend and cart (sidecars, cart calling its own Service) are broken
	// by the DR; batch (no proxy) is refused by
	// STRICT, which is not a conflict.
	if len(got) != 1 || got[0].Object != "DestinationRule shop/cart-plaintext" || got[0].Severity != "error" ||
		!strings.Contains(got[0].Message, "2 paths from meshed clients") || !strings.Contains(got[0].Message, "istio-system/default") {
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
	if c := rep.Ports[0].Classes[1]; c.Expected != "plaintext" || c.Server.Mode != "PERMISSIVE" || c.Mesh != "none" {
		t.Errorf("with root elsewhere: %s %s %s", c.Mesh, c.Expected, c.Server.Mode)
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
	size := map[string]int{}
	for _, g := range rep.Groups {
		size[g.ID] = len(g.Members)
	}
	for _, p := range rep.Ports {
		for _, c := range p.Classes {
			fmt.Printf("%d %s clients -> %s/%s:%d %s (server %s, plaintext accepted: %t)\n", size[c.Group], c.Mesh,
				p.Destination.Namespace, p.Destination.Service, p.Destination.Port, c.Expected, c.Server.Mode, c.PlaintextAccepted)
		}
	}
	// Output:
	// 2 sidecar clients -> shop/cart:80 mtls (server STRICT, plaintext accepted: false)
	// 1 none clients -> shop/cart:80 broken (server STRICT, plaintext accepted: false)
}
