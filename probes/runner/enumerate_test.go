package runner_test

import (
	"crypto/tls"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/probes/plan"
)

func TestEnumerateGoServers(t *testing.T) {
	cases := []struct {
		name     string
		cfg      *tls.Config
		versions []evidence.TLSVersion
		groups   []string
	}{
		{
			name: "tls12 two suites mtls required",
			cfg: &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, ClientAuth: tls.RequireAnyClientCert,
				CipherSuites:     []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
				CurvePreferences: []tls.CurveID{tls.CurveP384, tls.CurveP256}},
			// httptest's certificate is RSA: only the RSA suites can be chosen.
			versions: []evidence.TLSVersion{{Version: "TLSv1.2", CipherSuites: []string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}}},
			groups:   []string{"secp384r1", "secp256r1"},
		},
		{
			name: "tls13 only",
			cfg: &tls.Config{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13,
				CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}},
			versions: []evidence.TLSVersion{{Version: "TLSv1.3", CipherSuites: []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}}},
			groups:   []string{"x25519", "secp256r1"},
		},
	}
	var targets []plan.Target
	for _, c := range cases {
		h, p := tlsServer(t, c.cfg)
		targets = append(targets, plan.Target{Host: h, Port: p})
	}
	rep := run(t, true, targets...)
	for i, c := range cases {
		r := rep.Results[i]
		if len(r.Errors) > 0 {
			t.Errorf("%s: errors %v", c.name, r.Errors)
		}
		if !r.TLS.Enumerated {
			t.Errorf("%s: not marked enumerated", c.name)
		}
		// Go servers choose by their own fixed order, not by Config's
		// order: compare suites and groups, not the preference flag.
		if diff := cmp.Diff(c.versions, r.TLS.Versions, cmpopts.IgnoreFields(evidence.TLSVersion{}, "ServerPreference")); diff != "" {
			t.Errorf("%s: versions (-want +got):\n%s", c.name, diff)
		}
		if diff := cmp.Diff(c.groups, r.TLS.Groups, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("%s: groups (-want +got):\n%s", c.name, diff)
		}
		if len(r.TLS.Profiles) != 2 {
			t.Errorf("%s: %d profile results, want 2", c.name, len(r.TLS.Profiles))
		}
	}
	if got := rep.Results[0].TLS.ClientAuth; got != "required" {
		t.Errorf("mTLS server client auth %q", got)
	}
}
