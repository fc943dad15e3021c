package linkerd_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy/linkerd"
)

type wl struct {
	ns, name string
	proxy    bool // runs the linkerd-proxy container
	anns     map[string]string
}

type result struct {
	Expected, Server, Client string
	PlaintextAccepted        bool
}

// TestLinkerdCases covers case 34 of the specification (a meshed pair is
// mTLS; a skip-inbound-ports port is plaintext; an opaque port is mTLS;
// linkerd/website protocol-detection.md, automatic-mtls.md) and the
// default inbound policy (server-policy.md).
func TestLinkerdCases(t *testing.T) {
	cases := []struct {
		name       string
		nsAnn      map[string]string
		client     wl
		server     wl
		port, tgt  int32
		want       result
		wantReason string
	}{
		{"34 meshed pair is mTLS", nil, wl{"a", "web", true, nil}, wl{"b", "api", true, nil}, 80, 8080,
			result{"mtls", "PERMISSIVE", "AUTO", true}, "both ends run the Linkerd proxy"},
		{"34 skip-inbound-ports is plaintext", nil, wl{"a", "web", true, nil}, wl{"b", "api", true, map[string]string{"config.linkerd.io/skip-inbound-ports": "4222,8000-8100"}}, 80, 8080,
			result{"plaintext", "NONE", "AUTO", true}, "skips inbound port 8080"},
		{"34 opaque port stays mTLS", nil, wl{"a", "web", true, nil}, wl{"b", "api", true, map[string]string{"config.linkerd.io/opaque-ports": "8080"}}, 80, 8080,
			result{"mtls", "PERMISSIVE", "AUTO", true}, "only skips protocol detection"},
		{"skip-outbound-ports on the client", nil, wl{"a", "web", true, map[string]string{"config.linkerd.io/skip-outbound-ports": "80"}}, wl{"b", "api", true, nil}, 80, 8080,
			result{"plaintext", "PERMISSIVE", "DISABLE", true}, "skips outbound port 80"},
		{"unmeshed client, default policy accepts plaintext", nil, wl{"a", "web", false, nil}, wl{"b", "api", true, nil}, 80, 8080,
			result{"plaintext", "PERMISSIVE", "NONE", true}, "all-unauthenticated"},
		{"unmeshed client, all-authenticated refuses", nil, wl{"a", "web", false, nil}, wl{"b", "api", true, map[string]string{"config.linkerd.io/default-inbound-policy": "all-authenticated"}}, 80, 8080,
			result{"broken", "STRICT", "NONE", false}, "refuses unauthenticated"},
		{"namespace injection and namespace policy", map[string]string{"linkerd.io/inject": "enabled", "config.linkerd.io/default-inbound-policy": "cluster-authenticated"},
			wl{"a", "web", false, nil}, wl{"b", "api", false, nil}, 80, 8080,
			result{"broken", "STRICT", "NONE", false}, "namespace annotation"},
		{"meshed client to an unmeshed server", nil, wl{"a", "web", true, nil}, wl{"b", "api", false, nil}, 80, 8080,
			result{"plaintext", "NONE", "AUTO", true}, "has no Linkerd proxy"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := &inventory.Inventory{Cluster: "t"}
			inv.Namespaces = []inventory.Namespace{{Name: "a"}, {Name: "b", Annotations: tc.nsAnn}}
			add := func(x wl) inventory.WorkloadRef {
				ref := inventory.WorkloadRef{Namespace: x.ns, Kind: "Deployment", Name: x.name}
				w := inventory.Workload{WorkloadRef: ref, PodLabels: map[string]string{"app": x.name}, PodAnnotations: x.anns,
					Containers: []inventory.Container{{Name: x.name, Image: x.name}}}
				if x.proxy {
					w.Containers = append(w.Containers, inventory.Container{Name: "linkerd-proxy", Image: "cr.l5d.io/linkerd/proxy:edge"})
				}
				inv.Workloads = append(inv.Workloads, w)
				return ref
			}
			src, dst := add(tc.client), add(tc.server)
			svc := inventory.Service{ServiceRef: inventory.ServiceRef{Namespace: dst.Namespace, Name: dst.Name}, Backends: []inventory.WorkloadRef{dst},
				Ports: []inventory.ServicePort{{Port: tc.port, TargetPort: tc.tgt, Protocol: "TCP"}}}
			inv.Services = append(inv.Services, svc)
			p := inventory.NewPath("t", src, svc.ServiceRef, svc.Ports[0])
			e := linkerd.NewEngine(inv)
			if !e.Applies(p) {
				t.Fatal("Linkerd does not apply")
			}
			pp := e.Predict(p)
			got := result{pp.Expected, pp.Server.Mode, pp.Client.Mode, pp.PlaintextAccepted}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("mismatch (-want +got):\n%s\nreasons: %v", d, pp.Reasons)
			}
			if !strings.Contains(strings.Join(pp.Reasons, "\n"), tc.wantReason) {
				t.Errorf("no reason mentions %q: %v", tc.wantReason, pp.Reasons)
			}
			if pp.PathID != p.ID {
				t.Errorf("path id %q, want %q", pp.PathID, p.ID)
			}
		})
	}
}

func TestLinkerdDoesNotApplyToOtherMeshes(t *testing.T) {
	inv := &inventory.Inventory{Cluster: "t", Namespaces: []inventory.Namespace{{Name: "a"}}}
	ref := inventory.WorkloadRef{Namespace: "a", Kind: "Deployment", Name: "x"}
	inv.Workloads = []inventory.Workload{{WorkloadRef: ref, Containers: []inventory.Container{{Name: "istio-proxy"}}, Mesh: inventory.Mesh{Kind: inventory.MeshSidecar, Reason: "istio-proxy container injected"}}}
	svc := inventory.Service{ServiceRef: inventory.ServiceRef{Namespace: "a", Name: "x"}, Backends: []inventory.WorkloadRef{ref}, Ports: []inventory.ServicePort{{Port: 80, TargetPort: 80}}}
	inv.Services = []inventory.Service{svc}
	if linkerd.NewEngine(inv).Applies(inventory.NewPath("t", ref, svc.ServiceRef, svc.Ports[0])) {
		t.Error("Linkerd applies to an Istio sidecar path")
	}
}
