package tlstest_test

import (
	"crypto/x509"
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
	"github.com/sc8scan/sc8scan/pkg/internal/tlstest"
	"github.com/sc8scan/sc8scan/probes/plan"
)

// profileItems picks the items of one kind from one profile's verdict.
func profileItems(r evidence.ProbeResult, profile, kind string) map[string]bool {
	out := map[string]bool{}
	for _, pr := range r.TLS.Profiles {
		if pr.Profile != profile {
			continue
		}
		for _, it := range pr.Items {
			if it.Kind == kind {
				out[it.Value] = it.Allowed
			}
		}
	}
	return out
}

func TestOpenSSLSignatureAlgorithms(t *testing.T) {
	ca := tlstest.NewCA(t)
	cases := []struct {
		name string
		opts tlstest.OpenSSLOptions
		want []string
	}{
		{
			name: "RSA restricted with -sigalgs, server order",
			opts: tlstest.OpenSSLOptions{Args: []string{"-tls1_2", "-serverpref", "-sigalgs", "rsa_pss_rsae_sha256:RSA+SHA384",
				"-cipher", "ECDHE-RSA-AES128-GCM-SHA256"}},
			want: []string{"rsa_pss_rsae_sha256", "rsa_pkcs1_sha384"},
		},
		{
			name: "RSA restricted with -sigalgs, DHE",
			opts: tlstest.OpenSSLOptions{Args: []string{"-tls1_2", "-serverpref", "-sigalgs", "RSA+SHA512:rsa_pss_rsae_sha384",
				"-cipher", "DHE-RSA-AES256-GCM-SHA384"}},
			want: []string{"rsa_pkcs1_sha512", "rsa_pss_rsae_sha384"},
		},
		{
			name: "RSA with SHA-1 allowed at security level 0",
			opts: tlstest.OpenSSLOptions{Args: []string{"-tls1_2", "-serverpref", "-sigalgs", "RSA+SHA1:rsa_pss_rsae_sha512",
				"-cipher", "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"}},
			want: []string{"rsa_pkcs1_sha1", "rsa_pss_rsae_sha512"},
		},
		{
			// OpenSSL 3.0 signs TLS 1.2 with any ECDSA hash at security
			// level 1 except SHA-1, whatever the curve of the key.
			name: "ECDSA P-256, OpenSSL defaults",
			opts: tlstest.OpenSSLOptions{KeyType: tlstest.ECDSAP256, Args: []string{"-tls1_2", "-serverpref"}},
			want: []string{"ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ecdsa_secp521r1_sha512", "ecdsa_sha224"},
		},
	}
	var procs []*tlstest.Proc
	var targets []plan.Target
	for _, c := range cases {
		c.opts.CA = ca
		p := tlstest.OpenSSL(t, c.opts)
		procs = append(procs, p)
		targets = append(targets, target(p))
	}
	for i, r := range probe(t, ca.PEM, targets...) {
		c := cases[i]
		if diff := cmp.Diff(c.want, r.TLS.SignatureAlgorithms); diff != "" {
			t.Errorf("%s: signature algorithms (-want +got):\n%s", c.name, diff)
		}
		if len(r.Errors) > 0 || !r.TLS.Enumerated {
			t.Errorf("%s: errors %v, enumerated %v", c.name, r.Errors, r.TLS.Enumerated)
		}
		judged := profileItems(r, "sp800-52r2", "signatureAlgorithm")
		for _, a := range c.want {
			if allowed, ok := judged[a]; !ok || allowed != (a != "ecdsa_sha224" && a != "rsa_pkcs1_sha1") {
				t.Errorf("%s: sp800-52r2 judged %s %v (present %v)", c.name, a, allowed, ok)
			}
		}
	}
	// openssl s_client agrees on the ECDSA server: each reported scheme
	// alone completes a handshake; SHA-1 and Ed25519 do not.
	ecdsa := procs[3]
	for _, a := range []struct {
		sigalg string
		ok     bool
	}{
		{"ecdsa_secp256r1_sha256", true}, {"ecdsa_secp384r1_sha384", true}, {"ecdsa_secp521r1_sha512", true},
		{"ECDSA+SHA224", true}, {"ECDSA+SHA1", false}, {"ed25519", false},
	} {
		out, _ := exec.Command(testenv.LookPath(t, "openssl")[0], "s_client", "-connect", ecdsa.Addr, "-tls1_2",
			"-sigalgs", a.sigalg, "-cipher", "ALL:@SECLEVEL=0").CombinedOutput()
		if got := strings.Contains(string(out), "Cipher is ECDHE-ECDSA"); got != a.ok {
			t.Errorf("openssl s_client -sigalgs %s: handshake %v, want %v", a.sigalg, got, a.ok)
		}
	}
}

// A leaf signed with SHA1-RSA fails the SP 800-52r2 and FIPS certificate
// checks; its SHA256-RSA CA and both RSA 2048 keys pass.
func TestSHA1SignedCertificate(t *testing.T) {
	ca := tlstest.NewRSACA(t)
	cert := ca.IssueSigned(t, tlstest.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"},
		IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyType: tlstest.RSA2048}, x509.SHA1WithRSA)
	p := tlstest.OpenSSLWithCert(t, cert, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0")
	r := probe(t, ca.PEM, target(p))[0]
	if len(r.TLS.Certificates) != 2 || r.TLS.Certificates[0].SignatureAlgorithm != "SHA1-RSA" {
		t.Fatalf("certificates %+v, errors %v", r.TLS.Certificates, r.Errors)
	}
	leaf, root := r.TLS.Certificates[0].Subject, r.TLS.Certificates[1].Subject
	want := map[string]bool{
		"certificate 0 (" + leaf + ") signed with SHA1-RSA":   false,
		"certificate 0 (" + leaf + ") key RSA 2048 bits":      true,
		"certificate 1 (" + root + ") signed with SHA256-RSA": true,
		"certificate 1 (" + root + ") key RSA 2048 bits":      true,
	}
	for _, profile := range []string{"sp800-52r2", "fips140-3-go"} {
		if diff := cmp.Diff(want, profileItems(r, profile, "certificate")); diff != "" {
			t.Errorf("%s certificate items (-want +got):\n%s", profile, diff)
		}
		for _, pr := range r.TLS.Profiles {
			if pr.Profile == profile && pr.Pass {
				t.Errorf("%s passes a SHA1-RSA certificate", profile)
			}
		}
	}
	if !r.TLS.Enumerated {
		t.Errorf("not enumerated: %v", r.Errors)
	}
}
