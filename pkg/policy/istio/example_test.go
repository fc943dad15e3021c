package istio_test

import (
	"fmt"

	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy/istio"
)

// A namespace-wide DISABLE hides a workload's STRICT from auto mTLS, so
// sidecar clients send plaintext and are refused (istio/istio#56084).
func ExampleEngine_Evaluate() {
	inv := &inventory.Inventory{Cluster: "example"}
	for _, ns := range []string{"istio-system", "shop", "web"} {
		inv.Namespaces = append(inv.Namespaces, inventory.Namespace{Name: ns})
	}
	cart := inventory.WorkloadRef{Namespace: "shop", Kind: "Deployment", Name: "cart"}
	front := inventory.WorkloadRef{Namespace: "web", Kind: "Deployment", Name: "frontend"}
	for _, ref := range []inventory.WorkloadRef{cart, front} {
		inv.Workloads = append(inv.Workloads, inventory.Workload{WorkloadRef: ref, PodLabels: map[string]string{"app": ref.Name},
			Mesh: inventory.Mesh{Kind: inventory.MeshSidecar}})
	}
	svc := inventory.ServiceRef{Namespace: "shop", Name: "cart"}
	inv.Services = append(inv.Services, inventory.Service{ServiceRef: svc, Backends: []inventory.WorkloadRef{cart},
		Ports: []inventory.ServicePort{{Port: 80, TargetPort: 8080, Protocol: "TCP"}}})
	for _, pa := range []string{
		`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"shop"},"spec":{"mtls":{"mode":"DISABLE"}}}`,
		`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"cart","namespace":"shop"},"spec":{"selector":{"matchLabels":{"app":"cart"}},"mtls":{"mode":"STRICT"}}}`,
	} {
		inv.Objects = append(inv.Objects, inventory.Object{APIVersion: "security.istio.io/v1", Kind: "PeerAuthentication", Raw: []byte(pa)})
	}

	e := istio.NewEngine(inv, istio.Config{})
	o, _ := e.Evaluate(e.ClientOf(front), svc, 80)
	fmt.Println(o.Expected, "- server", o.ServerMode, "by", o.ServerPolicy, "- client", o.ClientMode)
	// Output: broken - server STRICT by shop/cart - client AUTO
}
