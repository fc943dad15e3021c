package runner

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/evidence"
)

func TestJudgeSignaturesAndCertificates(t *testing.T) {
	rsa := evidence.Certificate{Subject: "CN=leaf", KeyType: "RSA", KeyBits: 2048, SignatureAlgorithm: "SHA1-RSA"}
	p256 := evidence.Certificate{Subject: "CN=ec", KeyType: "ECDSA", KeyBits: 256, SignatureAlgorithm: "ECDSA-SHA256"}
	ed := evidence.Certificate{Subject: "CN=ed", KeyType: "Ed25519", KeyBits: 256, SignatureAlgorithm: "Ed25519"}
	type item struct {
		Kind, Value string
		Allowed     bool
	}
	tests := []struct {
		name   string
		probe  evidence.TLSProbe
		leaf13 *evidence.Certificate
		want   map[string][]item // per profile, items beyond versions/suites/groups
		pass   map[string]bool
	}{
		{
			name:  "TLS 1.2 RSA with SHA-1 in the handshake and on the certificate",
			probe: evidence.TLSProbe{SignatureAlgorithms: []string{"rsa_pss_rsae_sha256", "rsa_pkcs1_sha1"}, Certificates: []evidence.Certificate{rsa}},
			want: map[string][]item{
				"sp800-52r2": {
					{"signatureAlgorithm", "rsa_pss_rsae_sha256", true}, {"signatureAlgorithm", "rsa_pkcs1_sha1", false},
					{"certificate", "certificate 0 (CN=leaf) signed with SHA1-RSA", false},
					{"certificate", "certificate 0 (CN=leaf) key RSA 2048 bits", true}},
				"fips140-3-go": {
					{"signatureAlgorithm", "rsa_pss_rsae_sha256", true}, {"signatureAlgorithm", "rsa_pkcs1_sha1", false},
					{"certificate", "certificate 0 (CN=leaf) signed with SHA1-RSA", false},
					{"certificate", "certificate 0 (CN=leaf) key RSA 2048 bits", true}},
			},
			pass: map[string]bool{"sp800-52r2": false, "fips140-3-go": false},
		},
		{
			name:   "TLS 1.3 only, ECDSA P-256: the CertificateVerify scheme follows from the key",
			probe:  evidence.TLSProbe{Certificates: []evidence.Certificate{p256}},
			leaf13: &p256,
			want: map[string][]item{
				"sp800-52r2": {{"signatureAlgorithm", "ecdsa_secp256r1_sha256", true},
					{"certificate", "certificate 0 (CN=ec) signed with ECDSA-SHA256", true}, {"certificate", "certificate 0 (CN=ec) key ECDSA 256 bits", true}},
				"fips140-3-go": {{"signatureAlgorithm", "ecdsa_secp256r1_sha256", true},
					{"certificate", "certificate 0 (CN=ec) signed with ECDSA-SHA256", true}, {"certificate", "certificate 0 (CN=ec) key ECDSA 256 bits", true}},
			},
			pass: map[string]bool{"sp800-52r2": true, "fips140-3-go": true},
		},
		{
			name:   "TLS 1.3 only, Ed25519: FIPS mode allows it, SP 800-52r2 does not name it",
			probe:  evidence.TLSProbe{Certificates: []evidence.Certificate{ed}},
			leaf13: &ed,
			want: map[string][]item{
				"sp800-52r2": {{"signatureAlgorithm", "ed25519", false},
					{"certificate", "certificate 0 (CN=ed) signed with Ed25519", false}, {"certificate", "certificate 0 (CN=ed) key Ed25519 256 bits", false}},
				"fips140-3-go": {{"signatureAlgorithm", "ed25519", true},
					{"certificate", "certificate 0 (CN=ed) signed with Ed25519", true}, {"certificate", "certificate 0 (CN=ed) key Ed25519 256 bits", true}},
			},
			pass: map[string]bool{"sp800-52r2": false, "fips140-3-go": true},
		},
	}
	for _, tt := range tests {
		got, pass := map[string][]item{}, map[string]bool{}
		for _, pr := range judge(tt.probe, tt.leaf13) {
			pass[pr.Profile] = pr.Pass
			for _, it := range pr.Items {
				if it.Source == "" {
					t.Errorf("%s: %s item %q has no source", tt.name, pr.Profile, it.Value)
				}
				got[pr.Profile] = append(got[pr.Profile], item{it.Kind, it.Value, it.Allowed})
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: items (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.pass, pass); diff != "" {
			t.Errorf("%s: pass (-want +got):\n%s", tt.name, diff)
		}
	}
}
