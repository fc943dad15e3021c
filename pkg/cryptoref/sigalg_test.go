package cryptoref

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSignatureAlgorithmJudgements(t *testing.T) {
	tests := []struct {
		profile, scheme string
		allowed         bool
	}{
		{"sp800-52r2", "rsa_pss_rsae_sha256", true},
		{"sp800-52r2", "rsa_pss_pss_sha512", true},
		{"sp800-52r2", "rsa_pkcs1_sha384", true},
		{"sp800-52r2", "ecdsa_secp521r1_sha512", true},
		{"sp800-52r2", "rsa_pkcs1_sha1", false},
		{"sp800-52r2", "ecdsa_sha1", false},
		{"sp800-52r2", "ed25519", false},
		{"sp800-52r2", "ed448", false},
		{"sp800-52r2", "rsa_pkcs1_md5", false},
		{"fips140-3-go", "ed25519", true},
		{"fips140-3-go", "rsa_pss_rsae_sha512", true},
		{"fips140-3-go", "rsa_pss_pss_sha256", false},
		{"fips140-3-go", "rsa_pkcs1_sha1", false},
		{"fips140-3-go", "ecdsa_brainpoolP256r1tls13_sha256", false},
	}
	for _, tt := range tests {
		p, err := LookupProfile(tt.profile)
		if err != nil {
			t.Fatal(err)
		}
		v := p.SignatureAlgorithm(tt.scheme)
		if v.Allowed != tt.allowed || (v.Allowed && v.Source == "") {
			t.Errorf("%s %s: got %+v, want allowed %v with a source", tt.profile, tt.scheme, v, tt.allowed)
		}
	}
}

func TestCertificateJudgements(t *testing.T) {
	type verdict struct{ Sig, Key bool }
	tests := []struct {
		profile, sig, keyType string
		bits                  int
		want                  verdict
	}{
		{"sp800-52r2", "SHA256-RSA", "RSA", 2048, verdict{true, true}},
		{"sp800-52r2", "SHA1-RSA", "RSA", 2048, verdict{false, true}},
		{"sp800-52r2", "MD5-RSA", "RSA", 1024, verdict{false, false}},
		{"sp800-52r2", "SHA384-RSAPSS", "RSA", 3072, verdict{true, true}},
		{"sp800-52r2", "ECDSA-SHA256", "ECDSA", 224, verdict{true, true}},
		{"sp800-52r2", "ECDSA-SHA1", "ECDSA", 192, verdict{false, false}},
		{"sp800-52r2", "DSA-SHA256", "DSA", 2048, verdict{true, true}},
		{"sp800-52r2", "DSA-SHA1", "DSA", 1024, verdict{false, false}},
		{"sp800-52r2", "Ed25519", "Ed25519", 256, verdict{false, false}},
		{"sp800-52r2", "0", "RSA", 2047, verdict{false, false}},
		{"fips140-3-go", "Ed25519", "Ed25519", 256, verdict{true, true}},
		{"fips140-3-go", "ECDSA-SHA256", "ECDSA", 224, verdict{true, false}},
		{"fips140-3-go", "ECDSA-SHA512", "ECDSA", 521, verdict{true, true}},
		{"fips140-3-go", "DSA-SHA256", "DSA", 2048, verdict{false, false}},
		{"fips140-3-go", "SHA1-RSA", "RSA", 4096, verdict{false, true}},
	}
	for _, tt := range tests {
		p, err := LookupProfile(tt.profile)
		if err != nil {
			t.Fatal(err)
		}
		sv, kv := p.CertificateSignatureAlgorithm(tt.sig), p.CertificateKey(tt.keyType, tt.bits)
		if diff := cmp.Diff(tt.want, verdict{sv.Allowed, kv.Allowed}); diff != "" {
			t.Errorf("%s %s %s-%d (-want +got):\n%s", tt.profile, tt.sig, tt.keyType, tt.bits, diff)
		}
		if sv.Source == "" || kv.Source == "" {
			t.Errorf("%s %s %s-%d: verdict without a source: %+v %+v", tt.profile, tt.sig, tt.keyType, tt.bits, sv, kv)
		}
	}
}

func TestProfileValidation(t *testing.T) {
	good := func() Profile {
		return Profile{Name: "x", Source: "s", MinVersion: "TLSv1.2",
			SignatureAlgorithms:            []Entry{{Value: "rsa_pss_rsae_sha256", Source: "s"}},
			CertificateSignatureAlgorithms: []Entry{{Value: "SHA256-RSA", Source: "s"}},
			CertificateKeys:                []KeyRule{{Type: "RSA", MinBits: 2048, Source: "s"}}}
	}
	tests := []struct {
		name   string
		mutate func(*Profile)
		errHas string
	}{
		{"valid", func(*Profile) {}, ""},
		{"no signature algorithms", func(p *Profile) { p.SignatureAlgorithms = nil }, "signature algorithms"},
		{"unknown scheme", func(p *Profile) { p.SignatureAlgorithms[0].Value = "rsa_sha999" }, "not in the IANA table"},
		{"scheme without source", func(p *Profile) { p.SignatureAlgorithms[0].Source = "" }, "no source"},
		{"scheme twice", func(p *Profile) { p.SignatureAlgorithms = append(p.SignatureAlgorithms, p.SignatureAlgorithms[0]) }, "twice"},
		{"key rule without size", func(p *Profile) { p.CertificateKeys[0].MinBits = 0 }, "minBits or bits"},
		{"key rule with both", func(p *Profile) { p.CertificateKeys[0].Bits = []int{256} }, "minBits or bits"},
		{"key type twice", func(p *Profile) { p.CertificateKeys = append(p.CertificateKeys, p.CertificateKeys[0]) }, "twice"},
	}
	for _, tt := range tests {
		p := good()
		tt.mutate(&p)
		err := p.validate()
		switch {
		case tt.errHas == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.errHas)
		}
	}
}
