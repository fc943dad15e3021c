package cilium_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy/cilium"
)

// world: client pod on node-1; backend pods on node-1 and node-2.
func world(config string, nsLabels map[string]string) (*inventory.Inventory, inventory.Path) {
	inv := &inventory.Inventory{Cluster: "t", Namespaces: []inventory.Namespace{{Name: "a", Labels: nsLabels}, {Name: "b", Labels: nsLabels}}}
	cl := inventory.WorkloadRef{Namespace: "a", Kind: "Deployment", Name: "cl"}
	sv := inventory.WorkloadRef{Namespace: "b", Kind: "Deployment", Name: "sv"}
	inv.Workloads = []inventory.Workload{{WorkloadRef: cl}, {WorkloadRef: sv}}
	inv.Pods = []inventory.Pod{
		{Namespace: "a", Name: "cl-1", Node: "node-1", Owner: cl},
		{Namespace: "b", Name: "sv-1", Node: "node-1", Owner: sv},
		{Namespace: "b", Name: "sv-2", Node: "node-2", Owner: sv},
	}
	svc := inventory.Service{ServiceRef: inventory.ServiceRef{Namespace: "b", Name: "sv"}, Backends: []inventory.WorkloadRef{sv},
		Ports:     []inventory.ServicePort{{Port: 80, TargetPort: 8080}},
		Endpoints: []inventory.Endpoint{{Pod: "sv-1", Port: 8080}, {Pod: "sv-2", Port: 8080}}}
	inv.Services = []inventory.Service{svc}
	if config != "" {
		inv.Objects = []inventory.Object{{APIVersion: "v1", Kind: "ConfigMap", Namespace: "kube-system", Name: "cilium-config", Raw: []byte(config)}}
	}
	return inv, inventory.NewPath("t", cl, svc.ServiceRef, svc.Ports[0])
}

// TestCiliumCases covers case 35 of the specification: WireGuard encrypts
// cross-node pod traffic and not same-node traffic
// (Documentation/security/network/encryption-wireguard.rst), and ztunnel
// mode's namespace enrolment (encryption-ztunnel.rst).
func TestCiliumCases(t *testing.T) {
	cases := []struct {
		name     string
		config   string
		nsLabels map[string]string
		want     *evidence.NetworkEncryption
		reason   string
	}{
		{"35 WireGuard: one pair crosses nodes, one does not", `{"data":{"enable-wireguard":"true"}}`, nil,
			&evidence.NetworkEncryption{Kind: "wireguard", Policy: "kube-system/cilium-config", CrossNode: true, PodPairs: 2, SameNodePairs: 1}, "1 of its 2 known pod pairs share a node"},
		{"IPsec", `{"data":{"enable-ipsec":"true"}}`, nil,
			&evidence.NetworkEncryption{Kind: "ipsec", Policy: "kube-system/cilium-config", CrossNode: true, PodPairs: 2, SameNodePairs: 1}, "IPsec"},
		{"ztunnel with both namespaces enrolled", `{"data":{"enable-ztunnel":"true"}}`, map[string]string{"io.cilium/mtls-enabled": "true"},
			&evidence.NetworkEncryption{Kind: "ztunnel", Policy: "kube-system/cilium-config", CrossNode: true, SameNode: true}, "HBONE"},
		{"ztunnel without enrolment", `{"data":{"enable-ztunnel":"true"}}`, nil, nil, ""},
		{"encryption off", `{"data":{"enable-wireguard":"false"}}`, nil, nil, ""},
		{"no cilium-config", "", nil, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv, p := world(tc.config, tc.nsLabels)
			pp := evidence.PolicyPath{Expected: "plaintext"}
			cilium.NewEngine(inv).Annotate(p, &pp)
			if d := cmp.Diff(tc.want, pp.Network); d != "" {
				t.Errorf("network (-want +got):\n%s", d)
			}
			if !strings.Contains(strings.Join(pp.Reasons, "\n"), tc.reason) {
				t.Errorf("no reason mentions %q: %v", tc.reason, pp.Reasons)
			}
			if pp.Expected != "plaintext" {
				t.Errorf("the mesh-layer prediction changed to %s", pp.Expected)
			}
		})
	}
}

func TestCiliumBadConfigMap(t *testing.T) {
	inv, _ := world(`{"data":`, nil)
	e := cilium.NewEngine(inv)
	if e.Enabled() || len(e.Findings) != 1 || e.Findings[0].Object != "ConfigMap kube-system/cilium-config" {
		t.Errorf("findings %+v, enabled %t", e.Findings, e.Enabled())
	}
}

// FuzzConfigMap feeds arbitrary cilium-config objects: never a panic, and
// a path is annotated only when encryption is on.
func FuzzConfigMap(f *testing.F) {
	f.Add([]byte(`{"data":{"enable-wireguard":"true"}}`))
	f.Add([]byte(`{"data":{"enable-ztunnel":"true","enable-ipsec":"true"}}`))
	f.Add([]byte(`{"data":null}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		inv, p := world(string(raw), map[string]string{"io.cilium/mtls-enabled": "true"})
		e := cilium.NewEngine(inv)
		var pp evidence.PolicyPath
		e.Annotate(p, &pp)
		if (pp.Network != nil) != e.Enabled() {
			t.Fatalf("network %+v with enabled=%t", pp.Network, e.Enabled())
		}
	})
}
