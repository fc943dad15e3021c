package evaluate

import (
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// compliantExtensions is what a TLS 1.2 and 1.3 server meeting every SP
// 800-52r2 3.4 requirement answers.
func compliantExtensions() []evidence.TLSExtension {
	good := now.Add(-time.Hour)
	out := []evidence.TLSExtension{}
	for _, n := range []string{"renegotiation_info", "extended_master_secret", "status_request", "signature_algorithms",
		"supported_groups", "key_share", "supported_versions", "encrypt_then_mac", "fallback_scsv"} {
		out = append(out, evidence.TLSExtension{Name: n, Result: extSupported, Version: "TLSv1.2", Evidence: n + " echoed"})
	}
	out[2].OCSP = &evidence.OCSPStaple{Status: "good", Verified: true, ThisUpdate: &good}
	for _, n := range []string{"truncated_hmac", "client_certificate_url", "compression", "insecure_renegotiation"} {
		out = append(out, evidence.TLSExtension{Name: n, Result: extNotSupported, Version: "TLSv1.2", Evidence: n + " refused"})
	}
	return out
}

func withExt(name, result, ev string) []evidence.TLSExtension {
	out := compliantExtensions()
	for i := range out {
		if out[i].Name == name {
			out[i].Result, out[i].Evidence = result, ev
			if name == "status_request" && result != extSupported {
				out[i].OCSP = nil
			}
		}
	}
	return out
}

func TestExtensionRequirements(t *testing.T) {
	revoked := compliantExtensions()
	revoked[2].OCSP.Status = "revoked"
	cases := []struct {
		name    string
		profile string
		exts    []evidence.TLSExtension
		status  matrix.Status
		reason  string
		// versions, when set, are the versions the server accepted
		// (default: goodMTLS's).
		versions []string
	}{
		{"all met", "sp800-52r2", compliantExtensions(), matrix.Pass, "extension requirements of sp800-52r2 that apply are met", nil},
		{"no EMS (shall)", "sp800-52r2", withExt("extended_master_secret", extNotSupported, "ServerHello did not echo"), matrix.Fail, "sp800-52r2 3.4.1.3 (Extended Master Secret): the server shall support extended_master_secret; probe: ServerHello did not echo", nil},
		{"no stapling (shall)", "sp800-52r2", withExt("status_request", extNotSupported, "no OCSP stapling"), matrix.Fail, "3.4.1.5 (Certificate Status Request)", nil},
		{"revoked staple", "sp800-52r2", revoked, matrix.Fail, "the stapled OCSP response says the certificate is revoked", nil},
		{"fallback SCSV ignored, TLS 1.0-1.2 (shall)", "sp800-52r2", withExt("fallback_scsv", extNotSupported, "answered with a ServerHello"), matrix.Fail,
			"3.4.2 (Conditional TLS extensions: Fallback SCSV): the server shall support fallback_scsv", []string{"TLSv1.0", "TLSv1.1", "TLSv1.2"}},
		{"fallback SCSV ignored, TLS 1.1-1.3: does not apply", "sp800-52r2", withExt("fallback_scsv", extNotSupported, "answered with a ServerHello"), matrix.Pass,
			"are met", []string{"TLSv1.1", "TLSv1.2", "TLSv1.3"}},
		{"fallback SCSV ignored, TLS 1.2-1.3: does not apply", "sp800-52r2", withExt("fallback_scsv", extNotSupported, "answered with a ServerHello"), matrix.Pass, "are met", nil},
		{"client certificate URL echoed (should not)", "sp800-52r2", withExt("client_certificate_url", extSupported, "echoed"), matrix.Warn, "the server should not negotiate client_certificate_url", nil},
		{"compression (shall not)", "sp800-52r2", withExt("compression", extSupported, "chose DEFLATE"), matrix.Fail, "sp800-52r2 3.7 (Compression Methods)", nil},
		{"not applicable is no finding", "sp800-52r2", withExt("encrypt_then_mac", extNotApplicable, "no CBC suite"), matrix.Pass, "are met", nil},
		{"not tested is never PASS", "sp800-52r2", withExt("insecure_renegotiation", extNotTested, "needs a full handshake"), matrix.NotTested, "3.4.1.1 (Renegotiation Indication): insecure_renegotiation not tested: needs a full handshake", nil},
		{"no checks ran", "sp800-52r2", nil, matrix.NotTested, "did not run", nil},
		{"FIPS 140-3: EMS", "fips140-3-go", withExt("extended_master_secret", extNotSupported, "not echoed"), matrix.Fail, "fips140-3-go IG D.Q", nil},
		{"FIPS 140-3: no stapling is not its rule", "fips140-3-go", withExt("status_request", extNotSupported, "no OCSP stapling"), matrix.Pass, "are met", nil},
	}
	for _, c := range cases {
		prof, err := cryptoref.LookupProfile(c.profile)
		if err != nil {
			t.Fatal(err)
		}
		r := goodMTLS()
		r.TLS.Extensions = c.exts
		if c.versions != nil {
			r.TLS.Versions = nil
			for _, v := range c.versions {
				r.TLS.Versions = append(r.TLS.Versions, evidence.TLSVersion{Version: v, CipherSuites: []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}})
			}
		}
		v := probeExtensions(pathEvidence{probe: &r, probeID: "p"}, prof)
		if v.status != c.status || !strings.Contains(v.reason, c.reason) {
			t.Errorf("%s: %s %q, want %s containing %q", c.name, v.status, v.reason, c.status, c.reason)
		}
	}
}

// TestExtensionsJudgedWithinSuites: the verdict lands in the cipher-suites
// cell, the worst of both deciding.
func TestExtensionsJudgedWithinSuites(t *testing.T) {
	r := goodMTLS()
	r.TLS.Extensions = withExt("extended_master_secret", extNotSupported, "ServerHello did not echo extended_master_secret")
	m, err := Evaluate(Input{Inventory: smallInventory(), Now: now, Evidence: Evidence{Probes: &evidence.ProbeReport{Results: []evidence.ProbeResult{r}}}})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Rows[0].Cell(matrix.CheckCipherSuites)
	if c.Status != matrix.Fail || !strings.Contains(c.Reason, "3.4.1.3") || !strings.Contains(c.Reason, "accepted suites approved") {
		t.Errorf("cipher-suites cell = %+v", c)
	}
}
