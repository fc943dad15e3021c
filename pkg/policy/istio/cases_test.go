package istio_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy/policytest"
)

// result is the part of an outcome the cases pin down.
type result struct {
	Server, ServerPolicy string
	Client, ClientPolicy string
	Expected             string
	PlaintextAccepted    bool
}

type check struct {
	from inventory.WorkloadRef
	to   inventory.ServiceRef
	port int32
	want result
	// reason, when set, must appear in one of the outcome's reasons.
	reason string
}

// fixture is the default world of the research notes: sidecar mode,
// enableAutoMtls on, root istio-system, no DestinationRule. Client "client"
// (sidecar) lives in namespace c, client "naked" (no proxy) in n, server
// "srv" (sidecar) in s behind Service srv 80 -> 8080.
type fixture struct {
	w      *world
	client inventory.WorkloadRef
	naked  inventory.WorkloadRef
	srv    inventory.WorkloadRef
	svc    inventory.ServiceRef
}

func std(t testing.TB) *fixture {
	w := newWorld(t)
	f := &fixture{w: w}
	f.client = w.wl("c", "client", inventory.MeshSidecar)
	f.naked = w.wl("n", "naked", inventory.MeshNone)
	f.srv = w.wl("s", "srv", inventory.MeshSidecar)
	f.svc = w.svc("s", "srv", []portMap{{80, 8080}}, f.srv)
	return f
}

func res(server, serverPolicy, client, clientPolicy, expected string, plain bool) result {
	return result{server, serverPolicy, client, clientPolicy, expected, plain}
}

const (
	t1 = "2024-01-01T00:00:00Z"
	t2 = "2024-06-01T00:00:00Z"
)

// policyCase is one case of the specification (docs: research/mesh-policy.md,
// "Cases a verifier must get right"), or one of our own.
type policyCase struct {
	name string
	rule string // the rule the case tests
	run  func(t testing.TB) (*world, []check)
}

var meshStrict = pa("istio-system", "default", mode("STRICT"))

var policyCases = []policyCase{
	{"01 no policy sidecar to sidecar", "ComposePeerAuthentication default PERMISSIVE; auto mTLS", func(t testing.TB) (*world, []check) {
		f := std(t)
		return f.w, []check{
			{from: f.client, to: f.svc, port: 80, want: res("PERMISSIVE", "", "AUTO", "", "mtls", true)},
			{from: f.naked, to: f.svc, port: 80, want: res("PERMISSIVE", "", "NONE", "", "plaintext", true)},
		}
	}},
	{"02 mesh STRICT naked client", "reachability global automtls strict: notFromNaked", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshStrict)
		return f.w, []check{{from: f.naked, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "NONE", "", "broken", false)}}
	}},
	{"03 mesh STRICT sidecar client to naked server", "auto mTLS skips endpoints without tlsMode=istio", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshStrict)
		bare := f.w.wl("s", "bare", inventory.MeshNone)
		svc := f.w.svc("s", "bare", []portMap{{80, 8080}}, bare)
		return f.w, []check{{from: f.client, to: svc, port: 80, want: res("NONE", "", "AUTO", "", "plaintext", true), reason: "lacks security.istio.io/tlsMode=istio"}}
	}},
	{"04 mesh STRICT ns PERMISSIVE", "ComposePeerAuthentication: namespace overrides mesh", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshStrict, pa("s", "ns", mode("PERMISSIVE")))
		return f.w, []check{
			{from: f.client, to: f.svc, port: 80, want: res("PERMISSIVE", "s/ns", "AUTO", "", "mtls", true)},
			{from: f.naked, to: f.svc, port: 80, want: res("PERMISSIVE", "s/ns", "NONE", "", "plaintext", true)},
		}
	}},
	{"05 mesh STRICT ns PA without mtls or UNSET", "UNSET inherits from the parent", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshStrict, pa("s", "ns", "spec: {}\n"))
		other := f.w.wl("s2", "srv2", inventory.MeshSidecar)
		svc2 := f.w.svc("s2", "srv2", []portMap{{80, 8080}}, other)
		f.w.apply(pa("s2", "ns", mode("UNSET")))
		return f.w, []check{
			{from: f.naked, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "NONE", "", "broken", false), reason: "leaves the mode UNSET and inherits"},
			{from: f.naked, to: svc2, port: 80, want: res("STRICT", "istio-system/default", "NONE", "", "broken", false)},
		}
	}},
	{"06 only a mesh PA with mode UNSET", "authentication.go: mesh UNSET counts as PERMISSIVE", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(pa("istio-system", "default", mode("UNSET")))
		return f.w, []check{{from: f.naked, to: f.svc, port: 80, want: res("PERMISSIVE", "istio-system/default", "NONE", "", "plaintext", true)}}
	}},
	{"07 two ns PAs, the older STRICT wins", "oldest creationTimestamp wins at one level", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(paAt("s", "newer", t2, mode("DISABLE")), paAt("s", "older", t1, mode("STRICT")))
		return f.w, []check{{from: f.naked, to: f.svc, port: 80, want: res("STRICT", "s/older", "NONE", "", "broken", false)}}
	}},
	{"07b equal timestamps: first name wins", "sortConfigByCreationTime: name breaks ties", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(paAt("s", "b", t1, mode("DISABLE")), paAt("s", "a", t1, mode("STRICT")))
		return f.w, []check{{from: f.naked, to: f.svc, port: 80, want: res("STRICT", "s/a", "NONE", "", "broken", false)}}
	}},
	{"08 two workload PAs, the older without ports wins", "istio/istio#48036: the whole oldest workload PA wins", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(
			paAt("s", "older", t1, "spec:\n  selector:\n    matchLabels: {app: srv}\n  mtls: {mode: STRICT}\n"),
			paAt("s", "newer", t2, "spec:\n  selector:\n    matchLabels: {app: srv}\n  portLevelMtls:\n    8080: {mode: DISABLE}\n"))
		return f.w, []check{
			{from: f.naked, to: f.svc, port: 80, want: res("STRICT", "s/older", "NONE", "", "broken", false)},
			{from: f.client, to: f.svc, port: 80, want: res("STRICT", "s/older", "AUTO", "", "mtls", false)},
		}
	}},
	{"09 selector PA in the root namespace is ignored", "ComposePeerAuthentication: cfg.Namespace != rootNamespace", func(t testing.TB) (*world, []check) {
		f := std(t)
		sys := f.w.wl("istio-system", "sysapp", inventory.MeshSidecar)
		sysSvc := f.w.svc("istio-system", "sysapp", []portMap{{80, 8080}}, sys)
		f.w.apply(meshStrict,
			pa("istio-system", "plain", "spec:\n  selector:\n    matchLabels: {app: srv}\n  mtls: {mode: DISABLE}\n"),
			pa("istio-system", "plain-sys", "spec:\n  selector:\n    matchLabels: {app: sysapp}\n  mtls: {mode: DISABLE}\n"))
		return f.w, []check{
			{from: f.naked, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "NONE", "", "broken", false)},
			{from: f.naked, to: sysSvc, port: 80, want: res("STRICT", "istio-system/default", "NONE", "", "broken", false)},
		}
	}},
	{"10 portLevelMtls on the target port", "portLevelMtls is keyed by the workload port; mtls_checker uses the endpoint port", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(pa("s", "srv", "spec:\n  selector:\n    matchLabels: {app: srv}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    8080: {mode: DISABLE}\n"))
		return f.w, []check{
			{from: f.client, to: f.svc, port: 80, want: res("DISABLE", "s/srv", "AUTO", "", "plaintext", true), reason: "mode DISABLE on port 8080"},
			{from: f.naked, to: f.svc, port: 80, want: res("DISABLE", "s/srv", "NONE", "", "plaintext", true)},
		}
	}},
	{"11 portLevelMtls keyed by the Service port has no effect", "istio/istio#49098", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(pa("s", "srv", "spec:\n  selector:\n    matchLabels: {app: srv}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    80: {mode: DISABLE}\n"))
		return f.w, []check{
			{from: f.client, to: f.svc, port: 80, want: res("STRICT", "s/srv", "AUTO", "", "mtls", false)},
			{from: f.naked, to: f.svc, port: 80, want: res("STRICT", "s/srv", "NONE", "", "broken", false)},
		}
	}},
	{"12 port-level UNSET inherits", "TestComposePeerAuthentication port level", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(pa("s", "srv", "spec:\n  selector:\n    matchLabels: {app: srv}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    8080: {mode: UNSET}\n"))
		return f.w, []check{{from: f.naked, to: f.svc, port: 80, want: res("STRICT", "s/srv", "NONE", "", "broken", false)}}
	}},
	{"13 ns PA with portLevelMtls is invalid, its ports never apply", "CRD CEL rule portLevelMtls requires selector", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(pa("s", "ns", "spec:\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    8080: {mode: DISABLE}\n"))
		return f.w, []check{{from: f.naked, to: f.svc, port: 80, want: res("STRICT", "s/ns", "NONE", "", "broken", false), reason: "its portLevelMtls is ignored"}}
	}},
	{"14 server STRICT, client DR DISABLE", "tls-check CONFLICT; reachability migration tls disabled", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshStrict, dr("c", "plain", drTLS("srv.s.svc.cluster.local", "DISABLE")))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "DISABLE", "c/plain", "broken", false)}}
	}},
	{"15 server PERMISSIVE, client DR DISABLE", "reachability global plaintext to mtls permissive", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(dr("s", "plain", drTLS("srv", "DISABLE")))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("PERMISSIVE", "", "DISABLE", "s/plain", "plaintext", true)}}
	}},
	{"16 server DISABLE, client DR ISTIO_MUTUAL", "tls-check CONFLICT; KIA0505/KIA0506", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(pa("s", "srv", "spec:\n  selector:\n    matchLabels: {app: srv}\n  mtls: {mode: DISABLE}\n"),
			dr("s", "mtls", drTLS("srv", "ISTIO_MUTUAL")))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("DISABLE", "s/srv", "ISTIO_MUTUAL", "s/mtls", "broken", true)}}
	}},
	{"17 DR ISTIO_MUTUAL to a naked server", "reachability notToNaked; retired IST0115", func(t testing.TB) (*world, []check) {
		f := std(t)
		bare := f.w.wl("s", "bare", inventory.MeshNone)
		svc := f.w.svc("s", "bare", []portMap{{80, 8080}}, bare)
		f.w.apply(dr("s", "mtls", drTLS("bare", "ISTIO_MUTUAL")))
		return f.w, []check{{from: f.client, to: svc, port: 80, want: res("NONE", "", "ISTIO_MUTUAL", "s/mtls", "broken", true)}}
	}},
	{"18 mesh DISABLE plus workload STRICT, no DR", "auto mTLS reads only the ns/mesh mode (istio/istio#56084)", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(pa("istio-system", "default", mode("DISABLE")),
			pa("s", "srv", "spec:\n  selector:\n    matchLabels: {app: srv}\n  mtls: {mode: STRICT}\n"))
		fixed := f.w.wl("s", "fixed", inventory.MeshSidecar)
		fixedSvc := f.w.svc("s", "fixed", []portMap{{80, 8080}}, fixed)
		f.w.apply(pa("s", "fixed", "spec:\n  selector:\n    matchLabels: {app: fixed}\n  mtls: {mode: STRICT}\n"),
			dr("s", "fixed", drTLS("fixed", "ISTIO_MUTUAL")))
		return f.w, []check{
			{from: f.client, to: f.svc, port: 80, want: res("STRICT", "s/srv", "AUTO", "", "broken", false), reason: "istio/istio#56084"},
			{from: f.client, to: fixedSvc, port: 80, want: res("STRICT", "s/fixed", "ISTIO_MUTUAL", "s/fixed", "mtls", false)},
		}
	}},
	{"18b namespace DISABLE plus workload STRICT, no DR", "auto mTLS reads only the ns/mesh mode (istio/istio#56084)", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(pa("s", "ns", mode("DISABLE")),
			pa("s", "srv", "spec:\n  selector:\n    matchLabels: {app: srv}\n  mtls: {mode: STRICT}\n"))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("STRICT", "s/srv", "AUTO", "", "broken", false)}}
	}},
	{"19 ns STRICT plus workload DISABLE, no DR", "per-endpoint auto mTLS check since 1.12 (istio/istio#34118)", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(pa("s", "ns", mode("STRICT")),
			pa("s", "srv", "spec:\n  selector:\n    matchLabels: {app: srv}\n  mtls: {mode: DISABLE}\n"))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("DISABLE", "s/srv", "AUTO", "", "plaintext", true)}}
	}},
	{"20 enableAutoMtls false, server STRICT, no DR", "buildUpstreamTLSSettings returns no TLS without auto mTLS", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshStrict, meshConfig("enableAutoMtls: false\n"))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "AUTO", "", "broken", false), reason: "enableAutoMtls is false"}}
	}},
	{"21 DR with only a loadBalancer", "buildUpstreamTLSSettings: no tls means auto mTLS (istio/istio#7590 fixed in 1.5)", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshStrict, dr("s", "lb", "spec:\n  host: srv\n  trafficPolicy:\n    loadBalancer:\n      simple: ROUND_ROBIN\n"))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "AUTO", "s/lb", "mtls", false)}}
	}},
	{"22 portLevelSettings replaces the top-level policy", "GetPortLevelTrafficPolicy", func(t testing.TB) (*world, []check) {
		f := std(t)
		two := f.w.wl("s", "two", inventory.MeshSidecar)
		svc := f.w.svc("s", "two", []portMap{{9080, 8080}, {80, 8080}}, two)
		f.w.apply(dr("s", "two", "spec:\n  host: two\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    portLevelSettings:\n    - port: {number: 9080}\n      tls: {mode: DISABLE}\n"))
		return f.w, []check{
			{from: f.client, to: svc, port: 9080, want: res("PERMISSIVE", "", "DISABLE", "s/two", "plaintext", true)},
			{from: f.client, to: svc, port: 80, want: res("PERMISSIVE", "", "ISTIO_MUTUAL", "s/two", "mtls", true)},
		}
	}},
	{"22b portLevelSettings entry without tls leaves TLS unset", "GetPortLevelTrafficPolicy: the entry replaces the whole policy", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(pa("s", "srv", "spec:\n  selector:\n    matchLabels: {app: srv}\n  mtls: {mode: DISABLE}\n"),
			dr("s", "lb", "spec:\n  host: srv\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    portLevelSettings:\n    - port: {number: 80}\n      loadBalancer: {simple: LEAST_REQUEST}\n"))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("DISABLE", "s/srv", "AUTO", "s/lb", "plaintext", true)}}
	}},
	{"23 subset with DISABLE that nothing routes to", "subsets apply only to routed traffic (istio.io best practices)", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshStrict, dr("s", "subs", "spec:\n  host: srv\n  subsets:\n  - name: v1\n    labels: {app: srv}\n    trafficPolicy:\n      tls: {mode: DISABLE}\n"))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "AUTO", "s/subs", "mtls", false)}}
	}},
	{"23b subset with DISABLE that a VirtualService routes to", "MergeSubsetTrafficPolicy: the subset's tls overrides", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshStrict, dr("s", "subs", "spec:\n  host: srv\n  subsets:\n  - name: v1\n    labels: {app: srv}\n    trafficPolicy:\n      tls: {mode: DISABLE}\n"),
			"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: srv, namespace: s}\nspec:\n  hosts: [srv]\n  http:\n  - route:\n    - destination: {host: srv, subset: v1}\n")
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "DISABLE", "s/subs", "broken", false), reason: `routes to subset "v1"`}}
	}},
	{"23c VirtualService rules: gateway-only, rerouted and private ones do not pick subsets", "VirtualService hosts, gateways and exportTo decide which routes a sidecar uses", func(t testing.TB) (*world, []check) {
		f := std(t)
		subs := "spec:\n  host: srv\n  subsets:\n  - name: v1\n    labels: {app: srv}\n    trafficPolicy:\n      tls: {mode: DISABLE}\n"
		vs := func(name, extra string) string {
			return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " + name + ", namespace: s}\nspec:\n" + extra + "  http:\n  - route:\n    - destination: {host: srv, subset: v1}\n"
		}
		f.w.apply(meshStrict, dr("s", "subs", subs),
			vs("edge-only", "  hosts: [srv]\n  gateways: [istio-system/public]\n"),
			vs("other-host", "  hosts: [frontend]\n"),
			vs("private", "  hosts: [srv]\n  exportTo: [\".\"]\n"))
		local := f.w.wl("s", "local", inventory.MeshSidecar)
		return f.w, []check{
			{from: f.client, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "AUTO", "s/subs", "mtls", false)},
			{from: local, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "DISABLE", "s/subs", "broken", false), reason: "VirtualService s/private"},
		}
	}},
	{"24 client-namespace wildcard DR beats the service's exact DR", "PushContext.destinationRule stops at the first namespace with a match (istio/istio#36672)", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(dr("c", "all", drTLS(`"*"`, "DISABLE")), dr("s", "exact", drTLS("srv.s.svc.cluster.local", "ISTIO_MUTUAL")))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("PERMISSIVE", "", "DISABLE", "c/all", "plaintext", true)}}
	}},
	{"25 DR in an unrelated namespace never applies", "lookup path: client, service, root namespaces only", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.namespace("third", nil)
		f.w.apply(meshStrict, dr("third", "plain", "spec:\n  host: srv.s.svc.cluster.local\n  exportTo: [\"*\"]\n  trafficPolicy:\n    tls: {mode: DISABLE}\n"))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "AUTO", "", "mtls", false)}}
	}},
	{"26 DR exported to . applies only in its namespace", "setDestinationRules: exportTo . is private", func(t testing.TB) (*world, []check) {
		f := std(t)
		local := f.w.wl("s", "local", inventory.MeshSidecar)
		f.w.apply(dr("s", "private", "spec:\n  host: srv\n  exportTo: [\".\"]\n  trafficPolicy:\n    tls: {mode: DISABLE}\n"))
		return f.w, []check{
			{from: f.client, to: f.svc, port: 80, want: res("PERMISSIVE", "", "AUTO", "", "mtls", true)},
			{from: local, to: f.svc, port: 80, want: res("PERMISSIVE", "", "DISABLE", "s/private", "plaintext", true)},
		}
	}},
	{"27 short host resolves against the DR's namespace", "ResolveShortnameToFQDN", func(t testing.TB) (*world, []check) {
		f := std(t)
		foo := f.w.wl("foo", "reviews", inventory.MeshSidecar)
		bar := f.w.wl("bar", "reviews", inventory.MeshSidecar)
		fooSvc := f.w.svc("foo", "reviews", []portMap{{80, 8080}}, foo)
		barSvc := f.w.svc("bar", "reviews", []portMap{{80, 8080}}, bar)
		caller := f.w.wl("foo", "caller", inventory.MeshSidecar)
		f.w.apply(dr("foo", "reviews", drTLS("reviews", "DISABLE")))
		return f.w, []check{
			{from: caller, to: fooSvc, port: 80, want: res("PERMISSIVE", "", "DISABLE", "foo/reviews", "plaintext", true)},
			{from: caller, to: barSvc, port: 80, want: res("PERMISSIVE", "", "AUTO", "", "mtls", true)},
		}
	}},
	{"28 headless service with a naked endpoint", "BestEffortInferServiceMTLSMode (istio/istio#27376)", func(t testing.TB) (*world, []check) {
		f := std(t)
		meshed := f.w.wl("db", "db", inventory.MeshSidecar, withLabel("role", "db"))
		bare := f.w.wl("db", "db-bare", inventory.MeshNone, withLabel("role", "db"))
		f.w.pod(meshed, "db-0", true)
		f.w.pod(bare, "db-1", false)
		svc := f.w.svc("db", "db", []portMap{{5432, 8080}})
		s := f.w.inv.Service(svc)
		s.Headless, s.ClusterIP, s.Selector = true, "None", map[string]string{"role": "db"}
		s.Backends = []inventory.WorkloadRef{meshed, bare}
		s.Endpoints = []inventory.Endpoint{{IP: "10.1.0.1", Port: 8080, PortName: "p5432", Pod: "db-0", Ready: true}, {IP: "10.1.0.2", Port: 8080, PortName: "p5432", Pod: "db-1", Ready: true}}
		f.w.apply(pa("db", "db", "spec:\n  selector:\n    matchLabels: {app: db}\n  mtls: {mode: STRICT}\n"))
		return f.w, []check{{from: f.client, to: svc, port: 5432, want: res("NONE", "", "AUTO", "", "plaintext", true), reason: "db/db-0: broken"}}
	}},
	{"29 excludeInboundPorts under STRICT", "auto mTLS ignores excludeInboundPorts (istio/istio#30311)", func(t testing.TB) (*world, []check) {
		f := std(t)
		ex := f.w.wl("s", "ex", inventory.MeshSidecar, withExclude(8080))
		svc := f.w.svc("s", "ex", []portMap{{80, 8080}}, ex)
		f.w.apply(meshStrict)
		return f.w, []check{
			{from: f.client, to: svc, port: 80, want: res("NONE", "istio-system/default", "AUTO", "", "broken", true), reason: "istio/istio#30311"},
			{from: f.naked, to: svc, port: 80, want: res("NONE", "istio-system/default", "NONE", "", "plaintext", true)},
		}
	}},
	{"30 ambient to ambient is HBONE whatever the mode", "ambient authorization.go; tls-configuration: DISABLE is ignored", func(t testing.TB) (*world, []check) {
		w := newWorld(t)
		w.namespace("amb", map[string]string{"istio.io/dataplane-mode": "ambient"})
		cl := w.wl("amb", "cl", inventory.MeshAmbient)
		sv := w.wl("amb", "sv", inventory.MeshAmbient)
		svc := w.svc("amb", "sv", []portMap{{80, 8080}}, sv)
		w.apply(pa("amb", "plain", mode("DISABLE")))
		return w, []check{{from: cl, to: svc, port: 80, want: res("DISABLE", "amb/plain", "AUTO", "", "mtls", true), reason: "HBONE"}}
	}},
	{"31 ambient server STRICT and an out-of-mesh client", "ambient data plane: only STRICT denies plaintext", func(t testing.TB) (*world, []check) {
		w := newWorld(t)
		naked := w.wl("n", "naked", inventory.MeshNone)
		sv := w.wl("amb", "sv", inventory.MeshAmbient)
		svc := w.svc("amb", "sv", []portMap{{80, 8080}}, sv)
		open := w.wl("amb2", "open", inventory.MeshAmbient)
		openSvc := w.svc("amb2", "open", []portMap{{80, 8080}}, open)
		w.apply(pa("amb", "strict", mode("STRICT")))
		return w, []check{
			{from: naked, to: svc, port: 80, want: res("STRICT", "amb/strict", "NONE", "", "broken", false)},
			{from: naked, to: openSvc, port: 80, want: res("PERMISSIVE", "", "NONE", "", "plaintext", true)},
		}
	}},
	{"32 ambient STRICT with a PERMISSIVE port", "TestPeerAuthentication strict-permissive-ports", func(t testing.TB) (*world, []check) {
		w := newWorld(t)
		naked := w.wl("n", "naked", inventory.MeshNone)
		sv := w.wl("amb", "sv", inventory.MeshAmbient)
		svc := w.svc("amb", "sv", []portMap{{80, 8080}, {81, 18080}}, sv)
		w.apply(pa("amb", "sv", "spec:\n  selector:\n    matchLabels: {app: sv}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    18080: {mode: PERMISSIVE}\n"))
		return w, []check{
			{from: naked, to: svc, port: 81, want: res("PERMISSIVE", "amb/sv", "NONE", "", "plaintext", true)},
			{from: naked, to: svc, port: 80, want: res("STRICT", "amb/sv", "NONE", "", "broken", false)},
		}
	}},
	{"33 sidecar pod in an ambient namespace is a sidecar", "istio.io add-workloads: the sidecar wins (KIA1316)", func(t testing.TB) (*world, []check) {
		w := newWorld(t)
		w.namespace("amb", map[string]string{"istio.io/dataplane-mode": "ambient"})
		naked := w.wl("n", "naked", inventory.MeshNone)
		sv := w.wl("amb", "sv", "", withContainer("istio-proxy"), withAnnotation("sidecar.istio.io/status", "{}"))
		cl := w.wl("amb", "cl", "", withContainer("istio-proxy"))
		svc := w.svc("amb", "sv", []portMap{{80, 8080}}, sv)
		w.apply(meshStrict, dr("amb", "plain", drTLS("sv", "DISABLE")))
		return w, []check{
			// A ztunnel client would ignore the DR; a sidecar client applies it.
			{from: cl, to: svc, port: 80, want: res("STRICT", "istio-system/default", "DISABLE", "amb/plain", "broken", false)},
			{from: naked, to: svc, port: 80, want: res("STRICT", "istio-system/default", "NONE", "", "broken", false)},
		}
	}},

	// Cases of our own.
	{"ambient client to a sidecar server", "istio.io ambient data plane: destinations with a sidecar get HBONE", func(t testing.TB) (*world, []check) {
		f := std(t)
		cl := f.w.wl("amb", "cl", inventory.MeshAmbient)
		f.w.apply(meshStrict)
		return f.w, []check{{from: cl, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "AUTO", "", "mtls", false)}}
	}},
	{"sidecar client to an ambient server", "auto mTLS: ambient-capable endpoints get HBONE", func(t testing.TB) (*world, []check) {
		f := std(t)
		sv := f.w.wl("amb", "sv", inventory.MeshAmbient)
		svc := f.w.svc("amb", "sv", []portMap{{80, 8080}}, sv)
		return f.w, []check{{from: f.client, to: svc, port: 80, want: res("PERMISSIVE", "", "AUTO", "", "mtls", true)}}
	}},
	{"DR SIMPLE to a PERMISSIVE server is application TLS", "spec outcome table: app TLS passes through (istio/istio#29589)", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(dr("s", "simple", "spec:\n  host: srv\n  trafficPolicy:\n    tls: {mode: SIMPLE, caCertificates: /etc/ca.pem}\n"))
		strictSrv := f.w.wl("s", "strict", inventory.MeshSidecar)
		strictSvc := f.w.svc("s", "strict", []portMap{{80, 8080}}, strictSrv)
		f.w.apply(pa("s", "strict", "spec:\n  selector:\n    matchLabels: {app: strict}\n  mtls: {mode: STRICT}\n"),
			dr("s", "strict", "spec:\n  host: strict\n  trafficPolicy:\n    tls: {mode: MUTUAL, caCertificates: /etc/ca.pem, clientCertificate: /etc/c.pem, privateKey: /etc/k.pem}\n"))
		return f.w, []check{
			{from: f.client, to: f.svc, port: 80, want: res("PERMISSIVE", "", "SIMPLE", "s/simple", "tls", true)},
			{from: f.client, to: strictSvc, port: 80, want: res("STRICT", "s/strict", "MUTUAL", "s/strict", "broken", false)},
		}
	}},
	{"root-namespace DR applies when the client and service namespaces have none", "lookup path step 3", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshStrict, dr("istio-system", "mesh-off", drTLS(`"*.local"`, "DISABLE")))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "DISABLE", "istio-system/mesh-off", "broken", false)}}
	}},
	{"workloadSelector DR beats the catch-all for matching clients only", "SidecarScope.DestinationRule", func(t testing.TB) (*world, []check) {
		f := std(t)
		other := f.w.wl("c", "other", inventory.MeshSidecar)
		f.w.apply(dr("c", "catch", drTLS("srv.s.svc.cluster.local", "ISTIO_MUTUAL")),
			dr("c", "sel", "spec:\n  host: srv.s.svc.cluster.local\n  workloadSelector:\n    matchLabels: {app: client}\n  trafficPolicy:\n    tls: {mode: DISABLE}\n"))
		return f.w, []check{
			{from: f.client, to: f.svc, port: 80, want: res("PERMISSIVE", "", "DISABLE", "c/sel", "plaintext", true)},
			{from: other, to: f.svc, port: 80, want: res("PERMISSIVE", "", "ISTIO_MUTUAL", "c/catch", "mtls", true)},
		}
	}},
	{"same-host DRs merge: the older trafficPolicy wins", "mergeDestinationRule", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshStrict,
			"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: b-newer, namespace: s, creationTimestamp: \""+t2+"\"}\n"+drTLS("srv", "DISABLE"),
			"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: z-older, namespace: s, creationTimestamp: \""+t1+"\"}\n"+drTLS("srv", "ISTIO_MUTUAL"))
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "ISTIO_MUTUAL", "s/z-older", "mtls", false)}}
	}},
	{"Deployment-only dump: injection label on the namespace", "injector adds tlsMode=istio to injected pods", func(t testing.TB) (*world, []check) {
		w := newWorld(t)
		w.namespace("inj", map[string]string{"istio-injection": "enabled"})
		cl := w.wl("inj", "cl", "")
		sv := w.wl("inj", "sv", "")
		off := w.wl("inj", "plain", "", withAnnotation("sidecar.istio.io/inject", "false"))
		svc := w.svc("inj", "sv", []portMap{{80, 8080}}, sv)
		w.apply(meshStrict)
		return w, []check{
			{from: cl, to: svc, port: 80, want: res("STRICT", "istio-system/default", "AUTO", "", "mtls", false)},
			{from: off, to: svc, port: 80, want: res("STRICT", "istio-system/default", "NONE", "", "broken", false)},
		}
	}},
	{"rootNamespace from the mesh config", "MeshConfig.rootNamespace", func(t testing.TB) (*world, []check) {
		f := std(t)
		f.w.apply(meshConfig("rootNamespace: mesh-root\n"), pa("mesh-root", "default", mode("STRICT")), pa("istio-system", "default", mode("DISABLE")))
		return f.w, []check{{from: f.naked, to: f.svc, port: 80, want: res("STRICT", "mesh-root/default", "NONE", "", "broken", false)}}
	}},
	{"Istio ingress gateway: the Gateway server decides", "Gateway servers, not PeerAuthentication, govern gateway listeners", func(t testing.TB) (*world, []check) {
		f := std(t)
		gw := f.w.wl("istio-system", "istio-ingressgateway", inventory.MeshSidecar, withLabel("istio", "ingressgateway"))
		svc := f.w.svc("istio-system", "istio-ingressgateway", []portMap{{443, 8443}, {80, 8080}, {15021, 15021}}, gw)
		f.w.apply(meshStrict, "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: public, namespace: istio-system}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: {mode: SIMPLE, credentialName: shop}\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [shop.example.com]\n    tls: {httpsRedirect: true}\n")
		return f.w, []check{
			{from: f.naked, to: svc, port: 443, want: res("NONE", "istio-system/public", "NONE", "", "tls", false)},
			{from: f.client, to: svc, port: 443, want: res("NONE", "istio-system/public", "AUTO", "", "tls", false)},
			{from: f.naked, to: svc, port: 80, want: res("NONE", "istio-system/public", "NONE", "", "plaintext", true), reason: "redirect"},
			{from: f.naked, to: svc, port: 15021, want: res("NONE", "", "NONE", "", "broken", false), reason: "no Gateway server"},
		}
	}},
	{"Gateway API gateway: listeners decide", "Istio's Gateway API deployments are labelled with the Gateway name", func(t testing.TB) (*world, []check) {
		f := std(t)
		gw := f.w.wl("edge", "web-gw-istio", inventory.MeshSidecar, withLabel("gateway.networking.k8s.io/gateway-name", "web-gw"))
		svc := f.w.svc("edge", "web-gw-istio", []portMap{{443, 443}, {80, 80}}, gw)
		f.w.apply("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: web-gw, namespace: edge}\nspec:\n  gatewayClassName: istio\n  listeners:\n  - {name: https, port: 443, protocol: HTTPS, hostname: shop.example.com, tls: {mode: Terminate, certificateRefs: [{name: shop}]}}\n  - {name: http, port: 80, protocol: HTTP}\n")
		return f.w, []check{
			{from: f.naked, to: svc, port: 443, want: res("NONE", "edge/web-gw", "NONE", "", "tls", false)},
			{from: f.naked, to: svc, port: 80, want: res("NONE", "edge/web-gw", "NONE", "", "plaintext", true)},
		}
	}},
	{"Sidecar egress scoping: hosts not imported take the passthrough cluster", "Sidecar egress hosts; outboundTrafficPolicy ALLOW_ANY passthrough, REGISTRY_ONLY black hole", func(t testing.TB) (*world, []check) {
		f := std(t)
		open := f.w.wl("s", "open", inventory.MeshSidecar)
		openSvc := f.w.svc("s", "open", []portMap{{80, 8080}}, open)
		strict := f.w.wl("s2", "strict", inventory.MeshSidecar)
		strictSvc := f.w.svc("s2", "strict", []portMap{{80, 8080}}, strict)
		locked := f.w.wl("locked", "client", inventory.MeshSidecar)
		scoped := f.w.wl("scoped", "client", inventory.MeshSidecar)
		f.w.apply(pa("s2", "default", mode("STRICT")),
			"apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: c}\nspec:\n  egress:\n  - hosts: [\"./*\", \"istio-system/*\"]\n",
			"apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: locked}\nspec:\n  egress:\n  - hosts: [\"./*\"]\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n",
			"apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: scoped}\nspec:\n  egress:\n  - hosts: [\"s/*\", \"*/strict.s2.svc.cluster.local\"]\n")
		return f.w, []check{
			{from: f.client, to: openSvc, port: 80, want: res("PERMISSIVE", "", "DISABLE", "c/default", "plaintext", true), reason: "PassthroughCluster"},
			{from: f.client, to: strictSvc, port: 80, want: res("STRICT", "s2/default", "DISABLE", "c/default", "broken", false)},
			{from: locked, to: openSvc, port: 80, want: res("PERMISSIVE", "", "DISABLE", "locked/default", "broken", true), reason: "BlackHoleCluster"},
			{from: scoped, to: openSvc, port: 80, want: res("PERMISSIVE", "", "AUTO", "", "mtls", true)},
			{from: scoped, to: strictSvc, port: 80, want: res("STRICT", "s2/default", "AUTO", "", "mtls", false)},
		}
	}},
	{"many pods of one workload collapse into one backend", "bounded reasons on large services", func(t testing.TB) (*world, []check) {
		f := std(t)
		s := f.w.inv.Service(f.svc)
		for i := 0; i < 20; i++ {
			name := "srv-" + itoa(int32(i))
			f.w.pod(f.srv, name, true)
			s.Endpoints = append(s.Endpoints, inventory.Endpoint{IP: "10.0.0.1", Port: 8080, PortName: "p80", Pod: name, Ready: true})
		}
		f.w.apply(meshStrict)
		return f.w, []check{{from: f.client, to: f.svc, port: 80, want: res("STRICT", "istio-system/default", "AUTO", "", "mtls", false), reason: "and 19 more pods of s/Deployment/srv"}}
	}},
	{"ExternalName service is mesh-external", "auto mTLS does not apply to meshExternal services", func(t testing.TB) (*world, []check) {
		f := std(t)
		ext := f.w.svc("s", "ext", []portMap{{443, 443}})
		s := f.w.inv.Service(ext)
		s.Type, s.ExternalName = "ExternalName", "api.example.com"
		return f.w, []check{{from: f.client, to: ext, port: 443, want: res("NONE", "", "AUTO", "", "plaintext", true), reason: "no backend"}}
	}},
}

func TestPolicyCases(t *testing.T) {
	for _, tc := range policyCases {
		t.Run(tc.name, func(t *testing.T) {
			w, checks := tc.run(t)
			e := w.engine()
			for _, c := range checks {
				o, ok := e.Evaluate(e.ClientOf(c.from), c.to, c.port)
				if !ok {
					t.Fatalf("%s -> %s:%d: not evaluated", c.from, c.to, c.port)
				}
				got := result{o.ServerMode, o.ServerPolicy, o.ClientMode, o.ClientPolicy, o.Expected, o.PlaintextAccepted}
				if d := cmp.Diff(c.want, got); d != "" {
					t.Errorf("%s -> %s:%d (rule: %s) mismatch (-want +got):\n%s\nreasons:\n  %s", c.from, c.to, c.port, tc.rule, d, strings.Join(o.Reasons(), "\n  "))
				}
				if c.reason != "" && !strings.Contains(strings.Join(o.Reasons(), "\n"), c.reason) {
					t.Errorf("%s -> %s:%d: no reason mentions %q:\n  %s", c.from, c.to, c.port, c.reason, strings.Join(o.Reasons(), "\n  "))
				}
				for _, r := range o.Reasons() {
					if r == "" {
						t.Errorf("%s -> %s:%d: empty reason", c.from, c.to, c.port)
					}
				}
			}
		})
	}
}

// TestClassesOverPolicyCases runs the class grouping over every case's
// world (workload-selected DestinationRules and Sidecars, subsets,
// gateways, ambient): each path's own prediction must equal its class's.
func TestClassesOverPolicyCases(t *testing.T) {
	for _, tc := range policyCases {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := tc.run(t)
			_, _, problems := policytest.AgreeWithEveryPath(&w.inv)
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}
