package istio_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// wantFinding is a finding a bad input must produce: its severity, the
// object it names and a fragment of its message.
type wantFinding struct {
	Severity, Object, Contains string
}

// badInputCase is one bad input: the objects, the findings they must
// produce, and the outcome for the fixture's naked client to srv:80.
type badInputCase struct {
	name     string
	objs     []string
	raw      []inventory.Object // objects that are not even YAML-shaped JSON
	want     []wantFinding
	expected string
	// schemaValid says whether the objects pass the CRD's OpenAPI schema
	// (CEL rules aside, which the engine checks itself).
	schemaValid bool
	// clean lists objects that must get no finding.
	clean []string
}

var badInputCases = []badInputCase{
	{
		name:        "Sidecar egress host without a namespace",
		schemaValid: true,
		objs:        []string{"apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: c}\nspec:\n  egress:\n  - hosts: [\"srv.s.svc.cluster.local\"]\n"},
		want:        []wantFinding{{"error", "Sidecar c/default", "not namespace/dnsName"}},
		expected:    "plaintext",
	},
	{
		name:     "unknown field is pruned and the policy still applies",
		objs:     []string{pa("s", "typo", "spec:\n  mtls: {mode: STRICT}\n  mtlsMode: DISABLE\n")},
		want:     []wantFinding{{"warning", "PeerAuthentication s/typo", `unknown field "spec.mtlsMode"`}},
		expected: "broken",
	},
	{
		name:     "invalid mode rejects the object",
		objs:     []string{pa("s", "bad", mode("STRICTEST"))},
		want:     []wantFinding{{"error", "PeerAuthentication s/bad", "STRICTEST"}},
		expected: "plaintext",
	},
	{
		name:        "portLevelMtls without selector",
		schemaValid: true,
		objs:        []string{pa("s", "ports", "spec:\n  portLevelMtls:\n    8080: {mode: STRICT}\n")},
		want:        []wantFinding{{"error", "PeerAuthentication s/ports", "portLevelMtls requires a selector"}},
		expected:    "plaintext",
	},
	{
		name:        "portLevelMtls port out of range",
		schemaValid: true,
		objs:        []string{pa("s", "range", "spec:\n  selector:\n    matchLabels: {app: srv}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    70000: {mode: DISABLE}\n")},
		want:        []wantFinding{{"error", "PeerAuthentication s/range", "between 1 and 65535"}},
		expected:    "broken", // its mode applies; the port entry matches nothing
	},
	{
		name:        "wildcard in a selector value",
		schemaValid: true,
		objs:        []string{pa("s", "wild", "spec:\n  selector:\n    matchLabels: {app: \"sr*\"}\n  mtls: {mode: STRICT}\n")},
		want:        []wantFinding{{"error", "PeerAuthentication s/wild", "wildcards"}},
		expected:    "plaintext",
	},
	{
		name:        "selector that matches nothing",
		schemaValid: true,
		objs:        []string{pa("s", "ghost", "spec:\n  selector:\n    matchLabels: {app: ghost}\n  mtls: {mode: STRICT}\n")},
		want:        []wantFinding{{"warning", "PeerAuthentication s/ghost", "KIA0004"}},
		expected:    "plaintext",
	},
	{
		name:        "DestinationRule for a host that does not exist",
		schemaValid: true,
		objs:        []string{dr("s", "nohost", drTLS("nothere", "ISTIO_MUTUAL"))},
		want:        []wantFinding{{"warning", "DestinationRule s/nohost", "IST0174"}},
		expected:    "plaintext",
	},
	{
		name:        "wildcard DestinationRule for a namespace without Services",
		schemaValid: true,
		objs:        []string{dr("s", "ghosts", drTLS(`"*.ghost.svc.cluster.local"`, "ISTIO_MUTUAL")), dr("s", "real", drTLS(`"*.s.svc.cluster.local"`, "ISTIO_MUTUAL"))},
		want:        []wantFinding{{"warning", "DestinationRule s/ghosts", "IST0174"}},
		clean:       []string{"DestinationRule s/real"},
		expected:    "plaintext",
	},
	{
		name:        "DestinationRule for a ServiceEntry host is not dangling",
		schemaValid: true,
		objs: []string{dr("s", "ext", drTLS("api.example.com", "SIMPLE")),
			"apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ext, namespace: s}\nspec:\n  hosts: [api.example.com]\n  ports:\n  - {number: 443, name: https, protocol: TLS}\n"},
		want:     []wantFinding{{"warning", "DestinationRule s/ext", "IST0128"}},
		expected: "plaintext",
	},
	{
		name:     "invalid DestinationRule tls mode",
		objs:     []string{dr("s", "badtls", drTLS("srv", "MTLS"))},
		want:     []wantFinding{{"error", "DestinationRule s/badtls", "MTLS"}},
		expected: "plaintext",
	},
	{
		name:     "DestinationRule without host",
		objs:     []string{dr("s", "nohostfield", "spec:\n  trafficPolicy:\n    tls: {mode: DISABLE}\n")},
		want:     []wantFinding{{"error", "DestinationRule s/nohostfield", "host is required"}},
		expected: "plaintext",
	},
	{
		name:        "conflicting namespace-wide duplicates",
		schemaValid: true,
		objs:        []string{paAt("s", "first", t1, mode("STRICT")), paAt("s", "second", t2, mode("DISABLE"))},
		want:        []wantFinding{{"warning", "PeerAuthentication s/second", "KIA0002"}},
		// The older STRICT one applies.
		expected: "broken",
	},
	{
		name:        "conflicting mesh-wide duplicates",
		schemaValid: true,
		objs:        []string{paAt("istio-system", "a", t2, mode("STRICT")), paAt("istio-system", "b", t1, mode("PERMISSIVE"))},
		want:        []wantFinding{{"warning", "PeerAuthentication istio-system/a", "already defined"}},
		expected:    "plaintext",
	},
	{
		name:        "mesh config that is not YAML",
		schemaValid: true,
		objs:        []string{meshConfig("enableAutoMtls: [unclosed\n")},
		want:        []wantFinding{{"error", "ConfigMap istio-system/istio", "not YAML"}},
		expected:    "plaintext",
	},
	{
		name:        "mesh config with an unknown key",
		schemaValid: true,
		objs:        []string{meshConfig("enableAutoMtls: true\nnotAKnob: 1\n")},
		want:        []wantFinding{{"warning", "ConfigMap istio-system/istio", `unknown field "data.mesh.notAKnob"`}},
		expected:    "plaintext",
	},
	{
		name:        "malformed creationTimestamp",
		schemaValid: true,
		objs:        []string{paAt("s", "when", "yesterday", mode("STRICT"))},
		want:        []wantFinding{{"warning", "PeerAuthentication s/when", "RFC 3339"}},
		expected:    "broken",
	},
	{
		name:        "object that is not JSON",
		schemaValid: true,
		raw:         []inventory.Object{{APIVersion: "security.istio.io/v1", Kind: "PeerAuthentication", Namespace: "s", Name: "junk", Raw: []byte("{not json")}},
		want:        []wantFinding{{"error", "PeerAuthentication s/junk", "reading object"}},
		expected:    "plaintext",
	},
	{
		name:     "spec of the wrong type",
		objs:     []string{pa("s", "list", "spec: [1, 2]\n")},
		want:     []wantFinding{{"error", "PeerAuthentication s/list", "invalid spec"}},
		expected: "plaintext",
	},
	{
		name:        "gateway TLS 1.0",
		schemaValid: true,
		objs:        []string{"apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: s}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [\"*\"]\n    tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_0}\n"},
		want:        []wantFinding{{"warning", "Gateway s/gw", "TLSV1_0"}},
		expected:    "plaintext",
	},
}

func TestBadInputFindings(t *testing.T) {
	for _, tc := range badInputCases {
		t.Run(tc.name, func(t *testing.T) {
			f := std(t)
			f.w.apply(tc.objs...)
			f.w.inv.Objects = append(f.w.inv.Objects, tc.raw...)
			e := f.w.engine()
			var got []wantFinding
			for _, fd := range e.Findings() {
				for _, w := range tc.want {
					if fd.Severity == w.Severity && fd.Object == w.Object && strings.Contains(fd.Message, w.Contains) {
						got = append(got, w)
					}
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("findings mismatch (-want +got):\n%s\nall findings: %+v", d, e.Findings())
			}
			for _, fd := range e.Findings() {
				for _, obj := range tc.clean {
					if fd.Object == obj {
						t.Errorf("unexpected finding for %s: %s", obj, fd.Message)
					}
				}
			}
			o, ok := e.Evaluate(e.ClientOf(f.naked), f.svc, 80)
			if !ok || o.Expected != tc.expected {
				t.Errorf("naked -> srv:80 = %q, want %q; reasons: %v", o.Expected, tc.expected, o.Reasons())
			}
		})
	}
}

func TestMeshTLS(t *testing.T) {
	cases := []struct {
		name, mesh, compliance string
		wantVersion            string
		wantCiphers            int
	}{
		{"defaults", "", "", "TLSV1_2", 6},
		{"TLS 1.3 and chosen ciphers", "meshMTLS:\n  minProtocolVersion: TLSV1_3\n  cipherSuites: [ECDHE-ECDSA-AES256-GCM-SHA384]\n", "", "TLSV1_3", 1},
		{"fips-140-2 pins TLS 1.2 and drops non-FIPS ciphers", "meshMTLS:\n  minProtocolVersion: TLSV1_3\n", "fips-140-2", "TLSV1_2", 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := std(t)
			if tc.mesh != "" {
				f.w.apply(meshConfig(tc.mesh))
			}
			if tc.compliance != "" {
				ref := f.w.wl("istio-system", "istiod", inventory.MeshNone)
				x := f.w.inv.Workload(ref)
				x.Containers[0].Env = map[string]string{"COMPLIANCE_POLICY": tc.compliance}
			}
			m := f.w.engine().Mesh()
			if m.MinProtocolVersion != tc.wantVersion || len(m.CipherSuites) != tc.wantCiphers || m.CompliancePolicy != tc.compliance {
				t.Errorf("mesh TLS = %+v, want version %s, %d ciphers, compliance %q", m, tc.wantVersion, tc.wantCiphers, tc.compliance)
			}
		})
	}
}
