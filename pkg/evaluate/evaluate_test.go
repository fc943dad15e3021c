package evaluate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// smallInventory: client (meshed) -> api:8443 (meshed), and client -> db:5432 (no mesh).
func smallInventory() *inventory.Inventory {
	client := inventory.WorkloadRef{Namespace: "a", Kind: "Deployment", Name: "client"}
	api := inventory.WorkloadRef{Namespace: "b", Kind: "Deployment", Name: "api"}
	db := inventory.WorkloadRef{Namespace: "c", Kind: "StatefulSet", Name: "db"}
	inv := &inventory.Inventory{Cluster: "t", Source: "manifests:test",
		Workloads: []inventory.Workload{
			{WorkloadRef: client, Mesh: inventory.Mesh{Kind: "sidecar"}, Containers: []inventory.Container{{Name: "c", Image: "client:1"}}},
			{WorkloadRef: api, Mesh: inventory.Mesh{Kind: "sidecar"}, Containers: []inventory.Container{{Name: "c", Image: "api:1"}}},
			{WorkloadRef: db, Mesh: inventory.Mesh{Kind: "none"}, Containers: []inventory.Container{{Name: "c", Image: "db:1"}}},
		},
		Services: []inventory.Service{
			{ServiceRef: inventory.ServiceRef{Namespace: "b", Name: "api"}, ClusterIP: "10.0.0.1", Backends: []inventory.WorkloadRef{api},
				Ports: []inventory.ServicePort{{Port: 8443, TargetPort: 8443, Protocol: "TCP"}}},
			{ServiceRef: inventory.ServiceRef{Namespace: "c", Name: "db"}, Backends: []inventory.WorkloadRef{db},
				Ports: []inventory.ServicePort{{Port: 5432, TargetPort: 5432, Protocol: "TCP"}}},
		},
	}
	return inv
}

// path returns the cells of the path from a/client to the row's port.
func pathOf(t *testing.T, m *matrix.Matrix, row int) matrix.Path {
	t.Helper()
	d := m.Rows[row].Destination
	f, err := matrix.ParseFilter("a/client", fmt.Sprintf("%s/%s:%d", d.Namespace, d.Service, d.Port))
	if err != nil {
		t.Fatal(err)
	}
	var out []matrix.Path
	matrix.NewIndex(m).Paths(f, func(p matrix.Path) error { out = append(out, p); return nil })
	if len(out) != 1 {
		t.Fatalf("%d paths from a/client to row %d, want 1", len(out), row)
	}
	return out[0]
}

// cell returns the path's cell for check.
func cell(t *testing.T, m *matrix.Matrix, row int, check string) matrix.Cell {
	t.Helper()
	for _, c := range pathOf(t, m, row).Cells() {
		if c.Check == check {
			return c
		}
	}
	t.Fatalf("no cell %s", check)
	return matrix.Cell{}
}

func cells(t *testing.T, m *matrix.Matrix, row int) map[string]matrix.Status {
	t.Helper()
	out := map[string]matrix.Status{}
	for _, c := range pathOf(t, m, row).Cells() {
		out[c.Check] = c.Status
	}
	return out
}

// policyOf is a PolicyReport with one class holding every workload of inv
// per row, in the order given.
func policyOf(inv *inventory.Inventory, classes ...evidence.PolicyClass) *evidence.PolicyReport {
	g := evidence.SourceGroup{ID: "6f0c0d0e-0000-5000-8000-000000000001"}
	for _, w := range inv.Workloads {
		g.Members = append(g.Members, evidence.PolicySource{Namespace: w.Namespace, Kind: w.Kind, Workload: w.Name, Mesh: w.Mesh.Kind})
	}
	r := &evidence.PolicyReport{Groups: []evidence.SourceGroup{g}}
	i := 0
	for _, s := range inv.Services {
		for _, sp := range s.Ports {
			c := classes[i]
			i++
			c.Group = g.ID
			r.Ports = append(r.Ports, evidence.PolicyPort{Destination: evidence.PolicyDestination{Namespace: s.Namespace, Service: s.Name, Port: int(sp.Port), TargetPort: int(sp.TargetPort)},
				Server: c.Server, PlaintextAccepted: c.PlaintextAccepted, Classes: []evidence.PolicyClass{c}})
		}
	}
	return r
}

func TestNoEvidenceIsNeverPass(t *testing.T) {
	m, err := Evaluate(Input{Inventory: smallInventory(), Now: now, Evidence: Evidence{Skipped: map[string]string{"probe": "no targets"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Rows) != 2 || len(m.Rows[0].Cells) != len(matrix.DestinationChecks) {
		t.Fatalf("every (row x destination check) cell must exist: %d rows", len(m.Rows))
	}
	// Without policy evidence the classes are the mesh modes: sidecar
	// (client, api) and none (db), each a client of both ports.
	if n := len(m.Rows[0].Classes); n != 2 || m.Summary.Paths != 6 || m.Summary.Classes != 4 {
		t.Fatalf("%d classes in row 0, %d classes and %d paths in all; want 2, 4 and 6", n, m.Summary.Classes, m.Summary.Paths)
	}
	for _, r := range m.Rows {
		all := append([]matrix.Cell(nil), r.Cells...)
		for _, c := range r.Classes {
			if len(c.Cells) != len(matrix.SourceChecks) {
				t.Errorf("class %s has %d cells", c.Key, len(c.Cells))
			}
			all = append(all, c.Cells...)
		}
		for _, c := range all {
			if c.Status != matrix.NotTested || c.Reason == "" {
				t.Errorf("%s: %s %q, want NOT-TESTED with a reason", c.Check, c.Status, c.Reason)
			}
		}
	}
	if m.Summary.Coverage != 0 || m.Summary.Status != matrix.NotTested {
		t.Errorf("summary = %+v", m.Summary)
	}
	if !strings.Contains(m.Rows[0].Cell(matrix.CheckPlaintextRefused).Reason, "probe: no targets") {
		t.Errorf("skipped reason not carried: %q", m.Rows[0].Cell(matrix.CheckPlaintextRefused).Reason)
	}
}

func goodMTLS() evidence.ProbeResult {
	return evidence.ProbeResult{
		Target:    evidence.Target{Host: "127.0.0.1", Port: 40001, Service: &evidence.ServicePort{Namespace: "b", Name: "api", Port: 8443}},
		Plaintext: evidence.PlaintextProbe{Tested: true, Accepted: false, Evidence: "connection reset"},
		TLS: evidence.TLSProbe{Tested: true, Offered: true, Enumerated: true, ClientAuth: "required",
			Versions:     []evidence.TLSVersion{{Version: "TLSv1.2", CipherSuites: []string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}}, {Version: "TLSv1.3", CipherSuites: []string{"TLS_AES_128_GCM_SHA256"}}},
			Certificates: []evidence.Certificate{{Subject: "CN=api", NotBefore: now.Add(-time.Hour), NotAfter: now.Add(90 * 24 * time.Hour), KeyType: "ECDSA", KeyBits: 256}},
			Verification: &evidence.Verification{Checked: true, Trusted: true, HostnameMatch: true, Name: "api.b.svc.cluster.local"},
			Extensions:   compliantExtensions()},
	}
}

func TestProbeVerdicts(t *testing.T) {
	legacy := goodMTLS()
	legacy.Target = evidence.Target{Host: "db.c.svc.cluster.local", Port: 5432} // matched by name, not by Service
	legacy.Plaintext = evidence.PlaintextProbe{Tested: true, Accepted: true, Protocol: "postgres"}
	legacy.TLS.ClientAuth = "none"
	legacy.TLS.Versions = []evidence.TLSVersion{{Version: "TLSv1.0", CipherSuites: []string{"TLS_RSA_WITH_AES_128_CBC_SHA"}}, {Version: "TLSv1.2", CipherSuites: []string{"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}}}
	legacy.TLS.Certificates[0].NotAfter = now.Add(-time.Hour)
	m, err := Evaluate(Input{Inventory: smallInventory(), Now: now, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{goodMTLS(), legacy}}}})
	if err != nil {
		t.Fatal(err)
	}
	want0 := map[string]matrix.Status{
		matrix.CheckPlaintextRefused: matrix.Pass, matrix.CheckTLSMinVersion: matrix.Pass, matrix.CheckCipherSuites: matrix.Pass,
		matrix.CheckServerCertificate: matrix.Pass, matrix.CheckClientCertificate: matrix.Pass,
		matrix.CheckMeshPolicy: matrix.NotTested, matrix.CheckEncryptedOnWire: matrix.NotTested,
		matrix.CheckFIPSCrypto: matrix.NotTested, matrix.CheckPolicyObservation: matrix.NotTested,
	}
	if diff := cmp.Diff(want0, cells(t, m, 0)); diff != "" {
		t.Errorf("good mTLS port (-want +got):\n%s", diff)
	}
	want1 := map[string]matrix.Status{
		matrix.CheckPlaintextRefused: matrix.Fail, matrix.CheckTLSMinVersion: matrix.Fail, matrix.CheckCipherSuites: matrix.Fail,
		matrix.CheckServerCertificate: matrix.Fail, matrix.CheckClientCertificate: matrix.Fail,
		matrix.CheckMeshPolicy: matrix.NotTested, matrix.CheckEncryptedOnWire: matrix.NotTested,
		matrix.CheckFIPSCrypto: matrix.NotTested, matrix.CheckPolicyObservation: matrix.NotTested,
	}
	if diff := cmp.Diff(want1, cells(t, m, 1)); diff != "" {
		t.Errorf("legacy port (-want +got):\n%s", diff)
	}
	if r := m.Rows[1].Cell(matrix.CheckCipherSuites).Reason; !strings.Contains(r, "CHACHA20") {
		t.Errorf("suite reason %q does not name the bad suite", r)
	}
	if ev := m.Rows[0].Cell(matrix.CheckPlaintextRefused).Evidence; len(ev) != 1 || ev[0] != "probe-report#results[0]" {
		t.Errorf("evidence ids = %v", ev)
	}
	if m.Summary.Status != matrix.Fail {
		t.Errorf("summary status %s", m.Summary.Status)
	}
}

func TestBrokenProbeIsError(t *testing.T) {
	r := evidence.ProbeResult{Target: evidence.Target{Host: "10.0.0.1", Port: 8443}, Errors: []string{"read: connection reset by peer"}}
	m, _ := Evaluate(Input{Inventory: smallInventory(), Now: now, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{r}}}})
	for _, c := range m.Rows[0].Cells {
		if c.Status == matrix.Pass {
			t.Errorf("%s PASS from a probe that failed", c.Check)
		}
	}
	c := m.Rows[0].Cell(matrix.CheckPlaintextRefused)
	if c.Status != matrix.Error || !strings.Contains(c.Reason, "connection reset") {
		t.Errorf("plaintext cell = %+v", c)
	}
}

func TestIncompleteEnumerationNeverPasses(t *testing.T) {
	r := goodMTLS()
	r.TLS.Enumerated = false
	m, _ := Evaluate(Input{Inventory: smallInventory(), Now: now, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{r}}}})
	for _, id := range []string{matrix.CheckTLSMinVersion, matrix.CheckCipherSuites} {
		if c := m.Rows[0].Cell(id); c.Status != matrix.NotTested || !strings.Contains(c.Reason, "did not complete") {
			t.Errorf("%s with partial enumeration: %+v", id, c)
		}
	}
	r.TLS.Versions[0].Version = "TLSv1.0"
	m, _ = Evaluate(Input{Inventory: smallInventory(), Now: now, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{r}}}})
	if c := m.Rows[0].Cell(matrix.CheckTLSMinVersion); c.Status != matrix.Fail {
		t.Errorf("a low version seen is a FAIL even when enumeration is partial: %+v", c)
	}
}

func TestTransitionalSuitesWarn(t *testing.T) {
	r := goodMTLS()
	r.TLS.Versions[0].CipherSuites = append(r.TLS.Versions[0].CipherSuites, "TLS_RSA_WITH_AES_128_GCM_SHA256")
	m, _ := Evaluate(Input{Inventory: smallInventory(), Now: now, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{r}}}})
	if c := m.Rows[0].Cell(matrix.CheckCipherSuites); c.Status != matrix.Warn {
		t.Errorf("Appendix D suite: %+v", c)
	}
}

func TestPolicyFlowsImagesAndAgreement(t *testing.T) {
	inv := smallInventory()
	inv.Workloads[2].Mesh.Kind = "sidecar" // db joins the mesh, PERMISSIVE
	r := goodMTLS()
	r.Plaintext = evidence.PlaintextProbe{Tested: true, Accepted: true, Protocol: "http/1.1"} // PERMISSIVE in truth
	pol := policyOf(inv,
		evidence.PolicyClass{Mesh: "sidecar", Server: evidence.PolicySide{Mode: "STRICT", Policy: "b/default"}, Client: evidence.PolicySide{Mode: "AUTO"}, Expected: "mtls"},
		evidence.PolicyClass{Mesh: "sidecar", Server: evidence.PolicySide{Mode: "PERMISSIVE", Policy: "c/default"}, Client: evidence.PolicySide{Mode: "DISABLE", Policy: "a/no-tls"}, Expected: "plaintext", PlaintextAccepted: true},
	)
	from := &evidence.FlowEndpoint{Namespace: "a", Workload: "Deployment/client"}
	flows := &evidence.FlowReport{Flows: []evidence.Flow{
		{Source: from, Destination: &evidence.FlowEndpoint{Namespace: "b", Service: "api", Port: 8443}, Encrypted: true, TLS: &evidence.FlowTLS{Version: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ClientCertificate: "unknown"}},
		{Source: from, Destination: &evidence.FlowEndpoint{Namespace: "c", Service: "db", Port: 5432}, Plaintext: &evidence.FlowPlaintext{Protocol: "postgres"}},
	}}
	imgs := &evidence.ImageReport{Images: []evidence.Image{{Ref: "client:1", Verdict: "validated"}, {Ref: "api:1", Verdict: "validated"}, {Ref: "db:1", Verdict: "not-validated"}}}
	m, err := Evaluate(Input{Inventory: inv, Now: now, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{r}}, Policy: pol, Flows: flows, Images: imgs}})
	if err != nil {
		t.Fatal(err)
	}
	got0, got1 := cells(t, m, 0), cells(t, m, 1)
	checks := []struct {
		row   map[string]matrix.Status
		check string
		want  matrix.Status
	}{
		{got0, matrix.CheckMeshPolicy, matrix.Pass},
		{got0, matrix.CheckPolicyObservation, matrix.Fail}, // STRICT declared, plaintext observed
		{got0, matrix.CheckEncryptedOnWire, matrix.Pass},
		{got0, matrix.CheckFIPSCrypto, matrix.Pass},
		{got1, matrix.CheckMeshPolicy, matrix.Fail},
		{got1, matrix.CheckEncryptedOnWire, matrix.Fail},
		{got1, matrix.CheckFIPSCrypto, matrix.Fail},
		{got1, matrix.CheckPlaintextRefused, matrix.Fail}, // from policy: not probed
	}
	for _, c := range checks {
		if c.row[c.check] != c.want {
			t.Errorf("%s = %s, want %s", c.check, c.row[c.check], c.want)
		}
	}
	if reason := m.Rows[1].Cell(matrix.CheckPlaintextRefused).Reason; !strings.Contains(reason, "not probed") {
		t.Errorf("a declared-only verdict must say so: %q", reason)
	}
	// The observed flows and the image verdicts split the one policy
	// class: a/client, seen on the wire, is a class of its own; api
	// (validated images) and db (not-validated) are not observed.
	for i, want := range []string{"observed encrypted", "observed in cleartext"} {
		p := pathOf(t, m, i)
		if p.Class.Members != 1 || !strings.Contains(p.Class.Key, want) {
			t.Errorf("row %d: a/client's class %q has %d members, want 1 %s", i, p.Class.Key, p.Class.Members, want)
		}
		if n := len(m.Rows[i].Classes); n != 3 {
			t.Errorf("row %d: %d classes, want 3", i, n)
		}
		for _, c := range m.Rows[i].Classes {
			if c.ID != p.Class.ID && c.Cell(matrix.CheckEncryptedOnWire).Status != matrix.NotTested {
				t.Errorf("row %d: unobserved class %q: %+v", i, c.Key, c.Cell(matrix.CheckEncryptedOnWire))
			}
		}
	}

	// Outside the mesh the policy makes no claim: N/A, and no verdict on
	// plaintext from policy alone.
	inv.Workloads[2].Mesh.Kind = "none"
	pol.Ports[1].Server = evidence.PolicySide{Mode: "NONE"}
	pol.Ports[1].Classes[0].Server = evidence.PolicySide{Mode: "NONE"}
	m, _ = Evaluate(Input{Inventory: inv, Now: now, Evidence: Evidence{Policy: pol}})
	got1 = cells(t, m, 1)
	if got1[matrix.CheckMeshPolicy] != matrix.NA || got1[matrix.CheckPolicyObservation] != matrix.NA || got1[matrix.CheckPlaintextRefused] != matrix.NotTested {
		t.Errorf("unmeshed server: %v", got1)
	}
}

func TestWaivers(t *testing.T) {
	r := goodMTLS()
	r.TLS.ClientAuth = "none"
	ws := []Waiver{
		{ID: "W-1", Check: matrix.CheckClientCertificate, Destination: "b/api:*", Justification: "public API", Approver: "isso@example.gov", Expires: now.Add(24 * time.Hour), Deviation: "OR"},
		{ID: "W-2", Check: "*", Source: "zzz/*/*", Justification: "x", Approver: "y", Expires: now.Add(-time.Hour)},
	}
	m, err := Evaluate(Input{Inventory: smallInventory(), Now: now, Waivers: ws, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{r}}}})
	if err != nil {
		t.Fatal(err)
	}
	c := *m.Rows[0].Cell(matrix.CheckClientCertificate)
	if c.Status != matrix.Waived || c.Waiver != "W-1" || !strings.Contains(c.Reason, "isso@example.gov") {
		t.Errorf("waived cell = %+v", c)
	}
	if len(m.ExpiredWaivers()) != 0 {
		t.Error("an expired waiver that matched nothing is not reported as used")
	}
	ws[0].Expires = now.Add(-time.Minute)
	m, _ = Evaluate(Input{Inventory: smallInventory(), Now: now, Waivers: ws, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{r}}}})
	if c := m.Rows[0].Cell(matrix.CheckClientCertificate); c.Status != matrix.Fail {
		t.Errorf("expired waiver still applied: %+v", c)
	}
	if got := m.ExpiredWaivers(); len(got) != 1 || got[0] != "W-1" {
		t.Errorf("expired = %v", got)
	}
	for _, bad := range []Waiver{{ID: "x", Check: "nope", Destination: "p", Justification: "j", Approver: "a", Expires: now}, {ID: "y", Check: "*", Justification: "j", Approver: "a", Expires: now}, {ID: "z", Check: "*", Destination: "p", Expires: now},
		{ID: "p", Check: "*", PathID: "0b6c0b1e-0000-5000-8000-000000000000", Justification: "j", Approver: "a", Expires: now.Add(time.Hour)}} {
		if _, err := Evaluate(Input{Inventory: smallInventory(), Now: now, Waivers: []Waiver{bad}}); err == nil {
			t.Errorf("bad waiver %+v accepted", bad)
		}
	}
}

func TestCoverageAndRollups(t *testing.T) {
	m, _ := Evaluate(Input{Inventory: smallInventory(), Now: now, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{goodMTLS()}}}})
	s := m.Summary
	// 2 rows x 5 destination checks + 4 classes x 4 source checks.
	if s.Cells != 2*len(matrix.DestinationChecks)+4*len(matrix.SourceChecks) || s.Tested != 5 {
		t.Errorf("cells %d tested %d", s.Cells, s.Tested)
	}
	if s.Coverage <= 0 || s.Coverage >= 1 {
		t.Errorf("coverage %v", s.Coverage)
	}
	for _, r := range s.ByControl {
		if r.ID == matrix.SC81 && r.Status != matrix.NotTested {
			t.Errorf("sc-8.1 roll-up %s: untested cells must hold it at NOT-TESTED", r.Status)
		}
	}
}

func TestProfileItemsJudgeCertificatesAndSignatures(t *testing.T) {
	r := goodMTLS()
	r.TLS.Profiles = []evidence.ProfileResult{{Profile: "sp800-52r2", Items: []evidence.ProfileItem{
		{Kind: "certificate", Value: "SHA1-RSA", Allowed: false, Source: "SP 800-52r2 3.3.2"},
		{Kind: "signatureAlgorithm", Value: "rsa_pkcs1_sha1", Allowed: false},
		{Kind: "signatureAlgorithm", Value: "ecdsa_secp256r1_sha256", Allowed: false, Note: "derived, not observed"},
	}}}
	m, _ := Evaluate(Input{Inventory: smallInventory(), Now: now, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{r}}}})
	if c := m.Rows[0].Cell(matrix.CheckServerCertificate); c.Status != matrix.Fail || !strings.Contains(c.Reason, "SHA1-RSA") {
		t.Errorf("SHA-1 signed chain: %+v", c)
	}
	if c := m.Rows[0].Cell(matrix.CheckCipherSuites); c.Status != matrix.Fail || !strings.Contains(c.Reason, "rsa_pkcs1_sha1") || strings.Contains(c.Reason, "ecdsa_secp256r1") {
		t.Errorf("SHA-1 signatures: %+v", c)
	}
}

// TestResetFromOutsideTheMesh: a port that resets every connection of the
// out-of-mesh probe is refusing it when a declared STRICT policy on a meshed
// server explains the resets (ztunnel under ambient STRICT; a sidecar's
// inbound listener has no cleartext filter chain under STRICT). PLAIN then
// passes on the reset and the TLS checks need an in-mesh vantage; without
// such a policy the resets stay an ERROR.
func TestResetFromOutsideTheMesh(t *testing.T) {
	reset := evidence.ProbeResult{
		Target:   evidence.Target{Host: "127.0.0.1", Port: 40001, Service: &evidence.ServicePort{Namespace: "b", Name: "api", Port: 8443}},
		TLS:      evidence.TLSProbe{ClientAuth: "unknown"},
		Errors:   []string{"TLS: server refused the ClientHello: connection reset by peer", "plaintext: no recognised cleartext answer"},
		ResetAll: true,
	}
	silent := reset
	silent.ResetAll = false
	strict := func(mesh string, plaintext bool, mode string) func(*inventory.Inventory, *evidence.PolicyReport) {
		return func(inv *inventory.Inventory, pr *evidence.PolicyReport) {
			inv.Workloads[1].Mesh.Kind = mesh
			*pr = *policyOf(inv, evidence.PolicyClass{Mesh: "sidecar", Server: evidence.PolicySide{Mode: mode, Policy: "b/default"},
				Client: evidence.PolicySide{Mode: "ISTIO_MUTUAL"}, Expected: "mtls", PlaintextAccepted: plaintext},
				evidence.PolicyClass{Mesh: "sidecar", Server: evidence.PolicySide{Mode: "NONE"}, Client: evidence.PolicySide{Mode: "NONE"}, Expected: "plaintext", PlaintextAccepted: true})
		}
	}
	probeChecks := []string{matrix.CheckTLSMinVersion, matrix.CheckCipherSuites, matrix.CheckServerCertificate, matrix.CheckClientCertificate}
	for _, tt := range []struct {
		name      string
		probe     evidence.ProbeResult
		setup     func(*inventory.Inventory, *evidence.PolicyReport)
		plain     matrix.Status
		tlsChecks matrix.Status
		reason    string // in the TLS checks' reasons
	}{
		{"ambient STRICT", reset, strict("ambient", false, "STRICT"), matrix.Pass, matrix.NotTested, "needs an in-mesh vantage"},
		{"sidecar STRICT", reset, strict("sidecar", false, "STRICT"), matrix.Pass, matrix.NotTested, "needs an in-mesh vantage"},
		{"PERMISSIVE does not explain resets", reset, strict("sidecar", true, "PERMISSIVE"), matrix.Error, matrix.Error, "reset"},
		{"STRICT on a server outside the mesh", reset, strict("none", false, "STRICT"), matrix.Error, matrix.Error, "reset"},
		{"no policy evidence", reset, func(*inventory.Inventory, *evidence.PolicyReport) {}, matrix.Error, matrix.Error, "reset"},
		{"silence is not a refusal", silent, strict("ambient", false, "STRICT"), matrix.Error, matrix.Error, "reset"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inv := smallInventory()
			pr := &evidence.PolicyReport{}
			tt.setup(inv, pr)
			ev := Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{tt.probe}}}
			if len(pr.Ports) > 0 {
				ev.Policy = pr
			}
			m, err := Evaluate(Input{Inventory: inv, Now: now, Evidence: ev})
			if err != nil {
				t.Fatal(err)
			}
			row := &m.Rows[0]
			if c := row.Cell(matrix.CheckPlaintextRefused); c.Status != tt.plain {
				t.Errorf("PLAIN = %s %q, want %s", c.Status, c.Reason, tt.plain)
			} else if tt.plain == matrix.Pass && (!strings.Contains(c.Reason, "reset") || !strings.Contains(c.Reason, "STRICT by b/default")) {
				t.Errorf("PLAIN reason %q should give the reset as evidence and the policy as explanation", c.Reason)
			}
			for _, check := range probeChecks {
				if c := row.Cell(check); c.Status != tt.tlsChecks || !strings.Contains(c.Reason, tt.reason) {
					t.Errorf("%s = %s %q, want %s containing %q", check, c.Status, c.Reason, tt.tlsChecks, tt.reason)
				}
			}
		})
	}
}

// TestSourceWaiverSplitsItsClass: a waiver that names some sources of a
// class waives a class of exactly those sources, never the destination
// cells that speak for every source, nor the other members.
func TestSourceWaiverSplitsItsClass(t *testing.T) {
	inv := smallInventory()
	pol := policyOf(inv,
		evidence.PolicyClass{Mesh: "sidecar", Server: evidence.PolicySide{Mode: "PERMISSIVE", Policy: "b/default"}, Client: evidence.PolicySide{Mode: "AUTO"}, Expected: "mtls", PlaintextAccepted: true},
		evidence.PolicyClass{Mesh: "sidecar", Server: evidence.PolicySide{Mode: "NONE"}, Client: evidence.PolicySide{Mode: "NONE"}, Expected: "plaintext", PlaintextAccepted: true})
	ws := []Waiver{{ID: "W-9", Check: "*", Source: "a/*/*", Destination: "b/api:8443", Justification: "batch migration", Approver: "isso@example.gov", Expires: now.Add(time.Hour)}}
	m, err := Evaluate(Input{Inventory: inv, Now: now, Waivers: ws, Evidence: Evidence{Policy: pol}})
	if err != nil {
		t.Fatal(err)
	}
	row := m.Rows[0]
	if len(row.Classes) != 2 {
		t.Fatalf("%d classes, want the waived a/client and the rest", len(row.Classes))
	}
	ix := matrix.NewIndex(m)
	for _, c := range row.Classes {
		st := c.Cell(matrix.CheckMeshPolicy).Status
		named := len(ix.Members(&c)) == 1 && ix.Members(&c)[0].Namespace == "a"
		switch {
		case named && st != matrix.Waived:
			t.Errorf("a/client's class %q: mesh policy %s, want WAIVED", c.Key, st)
		case !named && st != matrix.Fail:
			t.Errorf("class %q (%d members): mesh policy %s, want FAIL", c.Key, c.Members, st)
		}
	}
	if c := row.Cell(matrix.CheckPlaintextRefused); c.Status != matrix.Fail || c.Waiver != "" {
		t.Errorf("a source waiver reached a destination cell: %+v", c)
	}
	if m.Rows[1].Classes[0].Members != 3 {
		t.Errorf("the waiver split a class of another destination: %+v", m.Rows[1].Classes)
	}
}

// TestSeveralProbesOfOnePort: an in-cluster run probes a port at its
// ClusterIP and at each backend pod; one backend that takes cleartext
// fails the port whichever result comes first, and a probe from inside
// the mesh (which goes through the mesh's proxies) never speaks for what
// the port accepts from outside.
func TestSeveralProbesOfOnePort(t *testing.T) {
	svc := &evidence.ServicePort{Namespace: "b", Name: "api", Port: 8443}
	refused := evidence.ProbeResult{Target: evidence.Target{Host: "198.19.0.10", Port: 8443, Service: svc},
		Plaintext: evidence.PlaintextProbe{Tested: true, Evidence: "connection reset"}}
	accepted := evidence.ProbeResult{Target: evidence.Target{Host: "198.18.10.7", Port: 8443, Service: svc},
		Plaintext: evidence.PlaintextProbe{Tested: true, Accepted: true, Protocol: "http/1.1", Evidence: "HTTP/1.1 200 status line"}}
	inMesh := accepted
	inMesh.InMesh = "sidecar"
	for _, tt := range []struct {
		name    string
		results []evidence.ProbeResult
		want    matrix.Status
		host    string // in the reason
	}{
		{"refused first", []evidence.ProbeResult{refused, accepted}, matrix.Fail, "198.18.10.7"},
		{"accepted first", []evidence.ProbeResult{accepted, refused}, matrix.Fail, "198.18.10.7"},
		{"both refuse", []evidence.ProbeResult{refused, refused}, matrix.Pass, ""},
		{"in-mesh view kept apart", []evidence.ProbeResult{inMesh, refused}, matrix.Pass, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Evaluate(Input{Inventory: smallInventory(), Now: now, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: tt.results}}})
			if err != nil {
				t.Fatal(err)
			}
			c := m.Rows[0].Cell(matrix.CheckPlaintextRefused)
			if c.Status != tt.want || !strings.Contains(c.Reason, tt.host) {
				t.Errorf("PLAIN = %s %q, want %s naming %q", c.Status, c.Reason, tt.want, tt.host)
			}
		})
	}
}

// TestRefusalSeenFromInsideTheMesh: a reset from outside a STRICT port is
// the declared refusal when a client inside the mesh is answered, and is
// not explained when the mesh client is reset too.
func TestRefusalSeenFromInsideTheMesh(t *testing.T) {
	svc := &evidence.ServicePort{Namespace: "b", Name: "api", Port: 8443}
	reset := evidence.ProbeResult{Target: evidence.Target{Host: "198.19.0.10", Port: 8443, Service: svc}, TLS: evidence.TLSProbe{ClientAuth: "unknown"},
		Errors: []string{"TLS: connection reset by peer"}, ResetAll: true}
	answered := evidence.ProbeResult{Target: reset.Target, InMesh: "ambient", Vantage: "in-mesh probe",
		Plaintext: evidence.PlaintextProbe{Tested: true, Accepted: true, Protocol: "http/1.1"}}
	meshReset := reset
	meshReset.InMesh = "ambient"
	for _, tt := range []struct {
		name   string
		mesh   evidence.ProbeResult
		want   matrix.Status
		reason string
	}{
		{"mesh client answered", answered, matrix.Pass, "a client inside the mesh, in-mesh probe, was answered"},
		{"mesh client reset too", meshReset, matrix.Error, "reset"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inv := smallInventory()
			inv.Workloads[1].Mesh.Kind = "ambient"
			pol := policyOf(inv, evidence.PolicyClass{Mesh: "ambient", Server: evidence.PolicySide{Mode: "STRICT", Policy: "b/default"},
				Client: evidence.PolicySide{Mode: "ISTIO_MUTUAL"}, Expected: "mtls"},
				evidence.PolicyClass{Mesh: "none", Server: evidence.PolicySide{Mode: "STRICT"}, Client: evidence.PolicySide{Mode: "NONE"}, Expected: "broken"})
			m, err := Evaluate(Input{Inventory: inv, Now: now, Evidence: Evidence{Policy: pol, Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{reset, tt.mesh}}}})
			if err != nil {
				t.Fatal(err)
			}
			c := m.Rows[0].Cell(matrix.CheckPlaintextRefused)
			if c.Status != tt.want || !strings.Contains(c.Reason, tt.reason) {
				t.Errorf("PLAIN = %s %q, want %s with %q", c.Status, c.Reason, tt.want, tt.reason)
			}
		})
	}
}
