package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/internal/schematest"
)

func runPolicy(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, append([]string{"policy"}, args...))
	return out.String(), errb.String(), err
}

func policyReport(t *testing.T, dir string) *evidence.PolicyReport {
	t.Helper()
	out, _, err := runPolicy(t, "--from", "../../testdata/policy/"+dir, "--output", "json")
	if err != nil {
		t.Fatalf("policy --from %s: %v", dir, err)
	}
	schematest.Validate(t, evidence.PolicyReportSchema, []byte(out))
	var rep evidence.PolicyReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("decoding the PolicyReport: %v", err)
	}
	return &rep
}

// classOf returns the class that holds from at port to:port, from a
// PolicyReport's groups.
func classOf(rep *evidence.PolicyReport, from, to string, port int) *evidence.PolicyClass {
	holds := map[string]bool{}
	for _, g := range rep.Groups {
		for _, m := range g.Members {
			if m.Namespace+"/"+m.Workload == from {
				holds[g.ID] = true
			}
		}
	}
	for i := range rep.Ports {
		p := &rep.Ports[i]
		if p.Destination.Namespace+"/"+p.Destination.Service != to || p.Destination.Port != port {
			continue
		}
		for j := range p.Classes {
			if holds[p.Classes[j].Group] {
				return &p.Classes[j]
			}
		}
	}
	return nil
}

// wire is what a path must show.
type wire struct {
	Expected, Server, Client string
	PlaintextAccepted        bool
}

// TestPolicyDumps runs sc8scan policy on manifest dumps shaped as
// `kubectl get -A -o yaml` writes them (Pods with injected sidecars and
// EndpointSlices, or only Deployments plus namespace injection labels) and
// checks the cases of the mesh-policy specification, numbered as there.
func TestPolicyDumps(t *testing.T) {
	cases := []struct {
		dump, rule, from, to string
		port                 int
		want                 wire
	}{
		// mesh-strict: a mesh-wide STRICT PeerAuthentication.
		{"mesh-strict", "2 naked client to STRICT: broken", "outside/curl", "c02/web", 80, wire{"broken", "STRICT", "NONE", false}},
		{"mesh-strict", "2 sidecar client to STRICT: mtls", "clients/sleep", "c02/web", 80, wire{"mtls", "STRICT", "AUTO", false}},
		{"mesh-strict", "3 sidecar client to naked server: plaintext", "clients/sleep", "c03/legacy", 80, wire{"plaintext", "NONE", "AUTO", true}},
		{"mesh-strict", "4 ns PERMISSIVE accepts plaintext", "outside/curl", "c04/web", 80, wire{"plaintext", "PERMISSIVE", "NONE", true}},
		{"mesh-strict", "4 sidecar clients still use mTLS", "clients/sleep", "c04/web", 80, wire{"mtls", "PERMISSIVE", "AUTO", true}},
		{"mesh-strict", "5 ns UNSET inherits STRICT", "outside/curl", "c05/web", 80, wire{"broken", "STRICT", "NONE", false}},
		{"mesh-strict", "9 root selector PA ignored", "outside/curl", "c09/web", 80, wire{"broken", "STRICT", "NONE", false}},
		{"mesh-strict", "14 STRICT server, DR DISABLE", "clients/sleep", "c14/web", 80, wire{"broken", "STRICT", "DISABLE", false}},
		{"mesh-strict", "21 DR without tls keeps auto mTLS", "clients/sleep", "c21/web", 80, wire{"mtls", "STRICT", "AUTO", false}},
		{"mesh-strict", "23 unrouted subset unused", "clients/sleep", "c23/web", 80, wire{"mtls", "STRICT", "AUTO", false}},
		{"mesh-strict", "25 third-namespace DR never applies", "clients/sleep", "c25/web", 80, wire{"mtls", "STRICT", "AUTO", false}},
		{"mesh-strict", "29 excluded port: auto mTLS breaks", "clients/sleep", "c29/web", 80, wire{"broken", "NONE", "AUTO", true}},
		{"mesh-strict", "29 excluded port accepts plaintext", "outside/curl", "c29/web", 80, wire{"plaintext", "NONE", "NONE", true}},
		{"mesh-strict", "33 sidecar in an ambient namespace", "outside/curl", "c33/web", 80, wire{"broken", "STRICT", "NONE", false}},

		// mesh-default: no mesh-wide policy.
		{"mesh-default", "1 sidecar to sidecar: mtls", "clients/sleep", "c01/web", 80, wire{"mtls", "PERMISSIVE", "AUTO", true}},
		{"mesh-default", "1 naked client gets plaintext in", "outside/curl", "c01/web", 80, wire{"plaintext", "PERMISSIVE", "NONE", true}},
		{"mesh-default", "7 older ns PA (STRICT) wins", "outside/curl", "c07/web", 80, wire{"broken", "STRICT", "NONE", false}},
		{"mesh-default", "8 older workload PA wins, ports included", "outside/curl", "c08/web", 80, wire{"broken", "STRICT", "NONE", false}},
		{"mesh-default", "10 portLevelMtls on the target port", "clients/sleep", "c10/web", 80, wire{"plaintext", "DISABLE", "AUTO", true}},
		{"mesh-default", "11 portLevelMtls on the Service port: no effect", "outside/curl", "c11/web", 80, wire{"broken", "STRICT", "NONE", false}},
		{"mesh-default", "12 port-level UNSET inherits", "outside/curl", "c12/web", 80, wire{"broken", "STRICT", "NONE", false}},
		{"mesh-default", "15 PERMISSIVE, DR DISABLE", "clients/sleep", "c15/web", 80, wire{"plaintext", "PERMISSIVE", "DISABLE", true}},
		{"mesh-default", "16 DISABLE, DR ISTIO_MUTUAL", "clients/sleep", "c16/web", 80, wire{"broken", "DISABLE", "ISTIO_MUTUAL", true}},
		{"mesh-default", "17 ISTIO_MUTUAL to a naked server", "clients/sleep", "c17/legacy", 80, wire{"broken", "NONE", "ISTIO_MUTUAL", true}},
		{"mesh-default", "19 ns STRICT, workload DISABLE", "clients/sleep", "c19/web", 80, wire{"plaintext", "DISABLE", "AUTO", true}},
		{"mesh-default", "22 portLevelSettings DISABLE on 9080", "clients/sleep", "c22/web", 9080, wire{"plaintext", "PERMISSIVE", "DISABLE", true}},
		{"mesh-default", "22 other ports ISTIO_MUTUAL", "clients/sleep", "c22/web", 80, wire{"mtls", "PERMISSIVE", "ISTIO_MUTUAL", true}},
		{"mesh-default", "24 client-namespace * DR wins", "c24/caller", "c24-svc/api", 80, wire{"plaintext", "PERMISSIVE", "DISABLE", true}},
		{"mesh-default", "24 other clients get the exact DR", "clients/sleep", "c24-svc/api", 80, wire{"mtls", "PERMISSIVE", "ISTIO_MUTUAL", true}},
		{"mesh-default", "26 private DR: other namespaces", "clients/sleep", "c26/web", 80, wire{"mtls", "PERMISSIVE", "AUTO", true}},
		{"mesh-default", "26 private DR: its own namespace", "c26/local", "c26/web", 80, wire{"plaintext", "PERMISSIVE", "DISABLE", true}},
		{"mesh-default", "27 short host in its namespace", "c27/caller", "c27/reviews", 80, wire{"plaintext", "PERMISSIVE", "DISABLE", true}},
		{"mesh-default", "27 short host not elsewhere", "c27/caller", "c27-bar/reviews", 80, wire{"mtls", "PERMISSIVE", "AUTO", true}},
		{"mesh-default", "28 headless with a naked endpoint", "clients/sleep", "c28/db", 5432, wire{"plaintext", "NONE", "AUTO", true}},
		{"mesh-default", "30 ambient pair: HBONE, DISABLE ignored", "c30/client", "c30/web", 80, wire{"mtls", "DISABLE", "AUTO", true}},
		{"mesh-default", "31 ambient STRICT denies naked", "outside/curl", "c31/web", 80, wire{"broken", "STRICT", "NONE", false}},
		{"mesh-default", "31 ambient without STRICT accepts", "outside/curl", "c31-open/web", 80, wire{"plaintext", "PERMISSIVE", "NONE", true}},
		{"mesh-default", "32 ambient PERMISSIVE port", "outside/curl", "c32/web", 81, wire{"plaintext", "PERMISSIVE", "NONE", true}},
		{"mesh-default", "32 ambient STRICT port", "outside/curl", "c32/web", 80, wire{"broken", "STRICT", "NONE", false}},

		// mesh-disable: mesh DISABLE plus workload STRICT.
		{"mesh-disable", "18 auto mTLS reads only ns/mesh", "clients/sleep", "c18/web", 80, wire{"broken", "STRICT", "AUTO", false}},
		{"mesh-disable", "18 a DR with ISTIO_MUTUAL fixes it", "clients/sleep", "c18/fixed", 80, wire{"mtls", "STRICT", "ISTIO_MUTUAL", false}},

		// auto-mtls-off: mesh PA UNSET, enableAutoMtls false.
		{"auto-mtls-off", "6 mesh UNSET counts as PERMISSIVE", "outside/curl", "c06/web", 80, wire{"plaintext", "PERMISSIVE", "NONE", true}},
		{"auto-mtls-off", "20 auto mTLS off, STRICT: broken", "clients/sleep", "c20/web", 80, wire{"broken", "STRICT", "AUTO", false}},

		// deployments-only: no Pods, namespace injection labels.
		{"deployments-only", "injected namespace: mtls", "shop/frontend", "shop/cart", 80, wire{"mtls", "STRICT", "AUTO", false}},
		{"deployments-only", "inject=false workload is naked", "shop/batch", "shop/cart", 80, wire{"broken", "STRICT", "NONE", false}},
		{"deployments-only", "sidecar to an uninjected namespace", "shop/frontend", "legacy/ledger", 5432, wire{"plaintext", "NONE", "AUTO", true}},
		{"deployments-only", "ambient namespace PERMISSIVE", "legacy/ledger", "mesh-amb/search", 80, wire{"plaintext", "PERMISSIVE", "NONE", true}},
		{"deployments-only", "sidecar to ambient: HBONE", "shop/frontend", "mesh-amb/search", 80, wire{"mtls", "PERMISSIVE", "AUTO", true}},
		// linkerd-cilium: Linkerd meshed pods under Cilium WireGuard.
		{"linkerd-cilium", "34 a meshed pair is mTLS", "lk/web", "lk/api", 80, wire{"mtls", "PERMISSIVE", "AUTO", true}},
		{"linkerd-cilium", "34 a skip-inbound-ports port is plaintext", "lk/web", "lk/nats", 80, wire{"plaintext", "NONE", "AUTO", true}},
		{"linkerd-cilium", "34 an opaque port is mTLS", "lk/web", "lk/db", 80, wire{"mtls", "PERMISSIVE", "AUTO", true}},
		{"linkerd-cilium", "all-authenticated refuses unmeshed clients", "plain/curl", "lk/vault", 80, wire{"broken", "STRICT", "NONE", false}},
	}
	reports := map[string]*evidence.PolicyReport{}
	for _, tc := range cases {
		t.Run(tc.dump+"/"+tc.rule, func(t *testing.T) {
			rep := reports[tc.dump]
			if rep == nil {
				rep = policyReport(t, tc.dump)
				reports[tc.dump] = rep
			}
			found := classOf(rep, tc.from, tc.to, tc.port)
			if found == nil {
				t.Fatalf("no class holds %s at %s:%d in %d ports", tc.from, tc.to, tc.port, len(rep.Ports))
			}
			got := wire{found.Expected, found.Server.Mode, found.Client.Mode, found.PlaintextAccepted}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s -> %s:%d mismatch (-want +got):\n%s\nreasons:\n  %s", tc.from, tc.to, tc.port, d, strings.Join(found.Reasons, "\n  "))
			}
			if found.Group == "" || len(found.Reasons) == 0 {
				t.Errorf("class without group or reasons: %+v", found)
			}
		})
	}
	for dump, rep := range reports {
		if rep.APIVersion != evidence.PolicyAPIVersion || rep.Kind != evidence.KindPolicyReport {
			t.Errorf("%s: header %s/%s", dump, rep.APIVersion, rep.Kind)
		}
		if rep.Mesh == nil || rep.Mesh.MinProtocolVersion == "" {
			t.Errorf("%s: no mesh TLS settings", dump)
		}
	}
	if reports["linkerd-cilium"] == nil || reports["auto-mtls-off"] == nil {
		return // subtests filtered out
	}
	// 35: WireGuard encrypts the cross-node pod pairs and not the
	// same-node ones (api has pods on node-1 and node-2, every other pod is
	// on node-1). lk/web's class is the five Linkerd-meshed workloads of lk
	// with six pods (api's two among them): to api, 6 x 2 = 12 pairs, of
	// which 5 (node-1 to node-1) + 1 (node-2 to node-2) share a node; to db
	// (one pod, on node-1), 6 pairs, the 5 node-1 clients on its node.
	for _, c := range []struct {
		to          string
		pairs, same int
	}{{"api", 12, 6}, {"db", 6, 5}} {
		cl := classOf(reports["linkerd-cilium"], "lk/web", "lk/"+c.to, 80)
		if cl == nil {
			t.Fatalf("no class of lk/web at lk/%s", c.to)
		}
		want := &evidence.NetworkEncryption{Kind: "wireguard", Policy: "kube-system/cilium-config", CrossNode: true, PodPairs: c.pairs, SameNodePairs: c.same}
		if d := cmp.Diff(want, cl.Network); d != "" {
			t.Errorf("35 lk/web -> lk/%s network (-want +got):\n%s", c.to, d)
		}
	}
	if v := reports["auto-mtls-off"].Mesh.MinProtocolVersion; v != "TLSV1_3" {
		t.Errorf("auto-mtls-off: meshMTLS.minProtocolVersion = %s, want TLSV1_3", v)
	}
}

// TestPolicyBadDump checks that invalid and conflicting objects become
// findings naming the object, and the run still succeeds.
func TestPolicyBadDump(t *testing.T) {
	rep := policyReport(t, "bad")
	want := []struct{ severity, object, contains string }{
		{"warning", "PeerAuthentication bad/typo", `unknown field "spec.mtlsMode"`},
		{"error", "PeerAuthentication bad/invalid-mode", "STRICTEST"},
		{"error", "PeerAuthentication bad/ports-without-selector", "portLevelMtls requires a selector"},
		{"warning", "DestinationRule bad/nowhere", "IST0174"},
		{"warning", "DestinationRule bad/web-b", "merges"},
		{"warning", "Gateway istio-system/ingress", "TLSV1_0"},
	}
	for _, w := range want {
		ok := false
		for _, f := range rep.Findings {
			if f.Severity == w.severity && f.Object == w.object && strings.Contains(f.Message, w.contains) {
				ok = true
				if !strings.Contains(f.Source, "cluster.yaml") {
					t.Errorf("finding %s has no source file: %q", f.Object, f.Source)
				}
			}
		}
		if !ok {
			t.Errorf("no %s finding for %s containing %q; findings: %+v", w.severity, w.object, w.contains, rep.Findings)
		}
	}
	if len(rep.Mesh.Gateways) != 2 {
		t.Errorf("gateway servers: %+v", rep.Mesh.Gateways)
	}
	if len(rep.Ports) == 0 {
		t.Error("no ports predicted despite bad objects")
	}
}

func TestPolicyTable(t *testing.T) {
	out, _, err := runPolicy(t, "--from", "../../testdata/policy/mesh-disable", "--reasons")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"HOST:PORT", "STATUS", "SERVER", "CLIENT", "POLICY", "DESTINATION RULE",
		"web.c18:80", "CONFLICT", "c18/fixed", "istio/istio#56084", "Mesh mTLS: minimum TLSV1_2"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// TestPolicyFilters: --destination keeps a port, --source the class that
// holds the workload; a filter that matches nothing is an error.
func TestPolicyFilters(t *testing.T) {
	out, _, err := runPolicy(t, "--from", "../../testdata/policy/mesh-strict", "--source", "clients/sleep", "--destination", "c02/web:80", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, evidence.PolicyReportSchema, []byte(out))
	var rep evidence.PolicyReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Ports) != 1 || len(rep.Ports[0].Classes) != 1 || len(rep.Groups) != 1 || rep.Ports[0].Classes[0].Expected != "mtls" {
		t.Fatalf("filtered report: %d ports, %+v", len(rep.Ports), rep.Ports)
	}
	if c := classOf(&rep, "clients/sleep", "c02/web", 80); c == nil {
		t.Error("the kept class does not hold clients/sleep")
	}
	table, _, err := runPolicy(t, "--from", "../../testdata/policy/mesh-strict", "--destination", "c02/web")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table, "web.c02:80") || strings.Contains(table, "web.c04:80") || !strings.Contains(table, "CONFLICT") {
		t.Errorf("--destination c02/web table:\n%s", table)
	}
	for _, args := range [][]string{{"--source", "nowhere/nobody"}, {"--destination", "c02/web:81"}, {"--destination", "c02"}} {
		_, _, err := runPolicy(t, append([]string{"--from", "../../testdata/policy/mesh-strict"}, args...)...)
		var buf bytes.Buffer
		if code := ExitCode(err, &buf); code != ExitError {
			t.Errorf("%v: exit %d (%s), want 1", args, code, buf.String())
		}
	}
}

func TestPolicyErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no --from", nil, "--from DIR is required"},
		{"bad output", []string{"--from", "../../testdata/policy/bad", "--output", "xml"}, "--output must be json or table"},
		{"missing directory", []string{"--from", "../../testdata/policy/does-not-exist"}, "reading manifests"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runPolicy(t, tc.args...)
			var buf bytes.Buffer
			code := ExitCode(err, &buf)
			if code != ExitError || !strings.Contains(buf.String(), tc.want) {
				t.Errorf("exit %d, message %q; want exit 1 with %q", code, buf.String(), tc.want)
			}
		})
	}
}
