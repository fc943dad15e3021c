package linkerd_test

import (
	"testing"

	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy/linkerd"
)

// FuzzAnnotations feeds arbitrary port lists and policies through the
// annotations Linkerd reads: every path still gets a known state.
func FuzzAnnotations(f *testing.F) {
	f.Add("4222,6222", "80", "8080", "all-authenticated")
	f.Add("1-65535", "", "", "deny")
	f.Add(" 8080 - 9090 ,x,-,", "99999999999999999999", "8080-", "")
	f.Fuzz(func(t *testing.T, skipIn, skipOut, opaque, policy string) {
		inv := &inventory.Inventory{Cluster: "f", Namespaces: []inventory.Namespace{{Name: "a"}}}
		cl := inventory.WorkloadRef{Namespace: "a", Kind: "Deployment", Name: "cl"}
		sv := inventory.WorkloadRef{Namespace: "a", Kind: "Deployment", Name: "sv"}
		proxy := []inventory.Container{{Name: "linkerd-proxy"}}
		inv.Workloads = []inventory.Workload{
			{WorkloadRef: cl, Containers: proxy, PodAnnotations: map[string]string{"config.linkerd.io/skip-outbound-ports": skipOut}},
			{WorkloadRef: sv, Containers: proxy, PodAnnotations: map[string]string{"config.linkerd.io/skip-inbound-ports": skipIn,
				"config.linkerd.io/opaque-ports": opaque, "config.linkerd.io/default-inbound-policy": policy}},
		}
		svc := inventory.Service{ServiceRef: inventory.ServiceRef{Namespace: "a", Name: "sv"}, Backends: []inventory.WorkloadRef{sv},
			Ports: []inventory.ServicePort{{Port: 80, TargetPort: 8080}}}
		inv.Services = []inventory.Service{svc}
		pp := linkerd.NewEngine(inv).Predict(inventory.NewPath("f", cl, svc.ServiceRef, svc.Ports[0]))
		switch pp.Expected {
		case "mtls", "plaintext", "broken":
		default:
			t.Fatalf("expected %q", pp.Expected)
		}
	})
}
