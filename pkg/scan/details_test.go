package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evaluate"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

func detailEvidence() evaluate.Evidence {
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	pref := true
	return evaluate.Evidence{
		Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{{
			Target:    evidence.Target{Host: "198.18.0.7", Port: 8443, Service: &evidence.ServicePort{Namespace: "legacy", Name: "billing", Port: 8443}},
			Vantage:   "sc8scan (out of mesh)",
			Plaintext: evidence.PlaintextProbe{Tested: true},
			TLS: evidence.TLSProbe{Tested: true, Offered: true, Enumerated: true, ClientAuth: "none", ClientAuthEvidence: "no CertificateRequest",
				Versions: []evidence.TLSVersion{{Version: "TLSv1.0", CipherSuites: []string{"TLS_RSA_WITH_3DES_EDE_CBC_SHA"}, ServerPreference: &pref}},
				Groups:   []string{"x25519"},
				Extensions: []evidence.TLSExtension{{Name: "status_request", Result: "supported", Version: "TLSv1.2", Evidence: "CertificateStatus sent",
					OCSP: &evidence.OCSPStaple{Status: "good", Verified: true}}},
				Certificates: []evidence.Certificate{{Subject: "CN=billing", Issuer: "CN=lab CA", KeyType: "RSA", KeyBits: 2048,
					SignatureAlgorithm: "SHA256-RSA", NotBefore: at, NotAfter: at.AddDate(0, 1, 0)}},
				Profiles: []evidence.ProfileResult{{Profile: "sp800-52r2", Items: []evidence.ProfileItem{{Kind: "version", Value: "TLSv1.0"}}}}},
			Errors: []string{"enumeration: 1 handshake timed out"},
		}}},
		Policy: &evidence.PolicyReport{Ports: []evidence.PolicyPort{{
			Destination: evidence.PolicyDestination{Namespace: "legacy", Service: "billing", Port: 8443, TargetPort: 8443},
			Server:      evidence.PolicySide{Mode: "NONE"},
			Classes: []evidence.PolicyClass{{Mesh: "none", Expected: "plaintext", PlaintextAccepted: true,
				Reasons: []string{"client outside the mesh (no sidecar, not in ambient)"}}},
		}}},
		Flows: &evidence.FlowReport{Flows: []evidence.Flow{{Client: "198.18.0.5:41000", Server: "198.18.0.7:8443", Transport: "tcp",
			FirstSeen: at, LastSeen: at, Packets: 18, Bytes: 3430, Encrypted: true, Classification: "tls",
			TLS: &evidence.FlowTLS{Version: "TLSv1.0", CipherSuite: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", ServerName: "billing", ClientCertificate: "not-sent"}}}},
		Images: &evidence.ImageReport{Images: []evidence.Image{{Ref: "registry.example/billing:1", Digest: "sha256:ab", Verdict: "not-validated",
			Binaries: []evidence.Binary{{Path: "/app", Backend: "go-std", Verdict: "not-validated",
				Modules: []evidence.Module{{Name: "Go Cryptographic Module", Version: "v1.0.0", CMVPCertificate: "5081", Standard: "140-3", Status: "active"}}}}}}},
	}
}

// TestDetails resolves each kind of reference a cell cites to what its
// document says, and refuses references that point nowhere.
func TestDetails(t *testing.T) {
	d := Details(detailEvidence())
	tests := []struct {
		ref, heading string
		want         []string
	}{
		{"probe-report#results[0]", "Probe of 198.18.0.7:8443", []string{"Service port: legacy/billing:8443", "TLSv1.0 suites: TLS_RSA_WITH_3DES_EDE_CBC_SHA (server's order)",
			"Groups: x25519", "Client certificate: none: no CertificateRequest", "Certificate 0 (leaf): CN=billing; issued by CN=lab CA; RSA 2048; signed SHA256-RSA; valid 2026-11-27 to 2026-12-27",
			"Profile sp800-52r2: fails; not allowed: TLSv1.0", "Extension status_request: supported (TLSv1.2): CertificateStatus sent; stapled OCSP good, verified", "Cleartext: refused", "Error: enumeration: 1 handshake timed out"}},
		{"policy-report#ports[0]", "Policy for legacy/billing:8443", []string{"Server mode: NONE (the weakest over the port's classes)", "Cleartext: refused from every class"}},
		{"policy-report#ports[0].classes[0]", "Policy for a class of clients of legacy/billing:8443", []string{"Cleartext: accepted", "Reason: client outside the mesh (no sidecar, not in ambient)"}},
		{"flow-report#flows[0]", "Flow 198.18.0.5:41000 to 198.18.0.7:8443 (tcp)", []string{"TLS: TLSv1.0 TLS_RSA_WITH_3DES_EDE_CBC_SHA", "Client certificate: not-sent", "Classified: tls, encrypted"}},
		{"image-report#images[0]", "Image registry.example/billing:1", []string{"/app: go-std: not-validated; Go Cryptographic Module v1.0.0, CMVP #5081 (FIPS 140-3) active", "Digest: sha256:ab"}},
	}
	for _, tt := range tests {
		got, ok := d(tt.ref)
		if !ok {
			t.Errorf("%s: not found", tt.ref)
			continue
		}
		if got.Heading != tt.heading {
			t.Errorf("%s: heading %q, want %q", tt.ref, got.Heading, tt.heading)
		}
		var lines []string
		for _, f := range got.Facts {
			lines = append(lines, f.Label+": "+f.Value)
		}
		all := strings.Join(lines, "\n")
		for _, w := range tt.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: facts lack %q:\n%s", tt.ref, w, all)
			}
		}
	}
	for _, bad := range []string{"probe-report#results[1]", "probe-report#results[-1]", "probe-report", "policy-report#ports[0].classes[4]",
		"policy-report#ports[0].groups[0]", "flow-report#results[0]", "image-report#images[0].binaries[0]", "other#results[0]", "probe-report#results[0"} {
		if _, ok := d(bad); ok {
			t.Errorf("%s resolved", bad)
		}
	}
	if _, ok := Details(evaluate.Evidence{})("probe-report#results[0]"); ok {
		t.Error("a reference resolved without its document")
	}
}

// TestBundleEvidence reads a bundle's evidence back for the page, and
// leaves out a document that is not the one the matrix records.
func TestBundleEvidence(t *testing.T) {
	dir := t.TempDir()
	ev := detailEvidence()
	m := &matrix.Matrix{}
	for id, doc := range map[string]any{evaluate.ProbeDoc: probeDoc(ev.Probes), evaluate.ImageDoc: imageDoc(ev.Images)} {
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		file := "evidence/" + id + ".json"
		if err := os.MkdirAll(filepath.Join(dir, "evidence"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		m.Evidence = append(m.Evidence, matrix.Evidence{ID: id, File: file, SHA256: hex.EncodeToString(sum[:])})
	}
	m.Evidence = append(m.Evidence, matrix.Evidence{ID: evaluate.FlowDoc, File: "evidence/flow-report.json", SHA256: "00"},
		matrix.Evidence{ID: "escape", File: "../outside.json", SHA256: "00"})
	got, problems := BundleEvidence(dir, m)
	if got.Probes == nil || got.Images == nil || got.Flows != nil || len(problems) != 0 {
		t.Fatalf("probes %v images %v flows %v problems %q", got.Probes != nil, got.Images != nil, got.Flows != nil, problems)
	}
	// A changed byte: the document is left out, and said so.
	m.Evidence[0].SHA256 = strings.Repeat("0", 64)
	got, problems = BundleEvidence(dir, m)
	if len(problems) != 1 || !strings.Contains(problems[0], "not the document the matrix records") {
		t.Errorf("problems %q, want one naming the changed document", problems)
	}
	if d, ok := Details(got)(m.Evidence[0].ID + "#" + map[string]string{evaluate.ProbeDoc: "results[0]", evaluate.ImageDoc: "images[0]"}[m.Evidence[0].ID]); ok {
		t.Errorf("a changed document still gives details: %v", d)
	}
}

func probeDoc(p *evidence.ProbeReport) *evidence.ProbeReport {
	p.Header = evidence.Header{APIVersion: evidence.APIVersion, Kind: evidence.KindProbeReport}
	return p
}

func imageDoc(p *evidence.ImageReport) *evidence.ImageReport {
	p.Header = evidence.Header{APIVersion: evidence.APIVersion, Kind: evidence.KindImageReport}
	return p
}
