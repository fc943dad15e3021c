package runner_test

import (
	"crypto/tls"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/probes/plan"
)

func TestSignatureAlgorithmsGoServers(t *testing.T) {
	cases := []struct {
		name string
		cfg  *tls.Config
		want []string
	}{
		{
			// Go signs with the first scheme of the client's list that
			// fits its key (httptest's RSA key; no SHA-1 since Go 1.25).
			name: "tls12 RSA",
			cfg:  &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12},
			want: []string{"rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha512"},
		},
		{
			name: "tls12 RSA key transport only: nothing signed",
			cfg:  &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}},
			want: nil,
		},
		{
			name: "tls13 only: encrypted CertificateVerify",
			cfg:  &tls.Config{MinVersion: tls.VersionTLS13},
			want: nil,
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
		if diff := cmp.Diff(c.want, r.TLS.SignatureAlgorithms); diff != "" {
			t.Errorf("%s: signature algorithms (-want +got):\n%s", c.name, diff)
		}
		if !r.TLS.Enumerated || len(r.Errors) > 0 {
			t.Errorf("%s: enumerated %v, errors %v", c.name, r.TLS.Enumerated, r.Errors)
		}
		var judged []string
		for _, it := range r.TLS.Profiles[0].Items {
			if it.Kind == "signatureAlgorithm" {
				judged = append(judged, it.Value)
			}
		}
		want := c.want
		if i == 2 {
			// TLS 1.3 with an RSA key: RSASSA-PSS, derived from the key.
			want = []string{"rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512"}
		}
		if diff := cmp.Diff(want, judged); diff != "" {
			t.Errorf("%s: judged signature algorithms (-want +got):\n%s", c.name, diff)
		}
	}
}
