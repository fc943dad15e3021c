package runner

import (
	"fmt"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// Profiles are the compliance profiles every enumerated result is judged
// against.
var Profiles = []string{"sp800-52r2", "fips140-3-go"}

// tls13Schemes are the signature schemes a TLS 1.3 CertificateVerify can
// use with a leaf key (RFC 8446 4.2.3: RSA keys sign with RSASSA-PSS,
// ECDSA keys with the hash of their curve); nil when the key allows none
// this package names.
func tls13Schemes(keyType string, bits int) []string {
	switch {
	case keyType == "RSA":
		return []string{"rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512"}
	case keyType == "ECDSA" && bits == 256:
		return []string{"ecdsa_secp256r1_sha256"}
	case keyType == "ECDSA" && bits == 384:
		return []string{"ecdsa_secp384r1_sha384"}
	case keyType == "ECDSA" && bits == 521:
		return []string{"ecdsa_secp521r1_sha512"}
	case keyType == "Ed25519":
		return []string{"ed25519"}
	}
	return nil
}

func ianaTable() *cryptoref.IANA { return cryptoref.MustIANA() }

// judge says, per profile, which offered versions, suites, groups and
// signature algorithms pass, and whether each certificate's signature
// algorithm and key do. leaf13, when set, is the leaf certificate a TLS
// 1.3 handshake presented: its key fixes the schemes a TLS 1.3
// CertificateVerify can use, which are judged too.
func judge(t evidence.TLSProbe, leaf13 *evidence.Certificate) []evidence.ProfileResult {
	var out []evidence.ProfileResult
	for _, name := range Profiles {
		p, err := cryptoref.LookupProfile(name)
		if err != nil {
			out = append(out, evidence.ProfileResult{Profile: name, Pass: false,
				Items: []evidence.ProfileItem{{Kind: "profile", Value: name, Allowed: false, Note: err.Error()}}})
			continue
		}
		pr := evidence.ProfileResult{Profile: name, Pass: true}
		add := func(kind, value string, v cryptoref.Verdict) {
			it := evidence.ProfileItem{Kind: kind, Value: value, Allowed: v.Allowed, Source: v.Source}
			if v.Transitional {
				it.Note = "transitional: " + v.Source
			}
			if !v.Allowed {
				pr.Pass = false
			}
			pr.Items = append(pr.Items, it)
		}
		seen := map[string]bool{}
		for _, v := range t.Versions {
			add("version", v.Version, p.Version(v.Version))
			for _, s := range v.CipherSuites {
				if !seen[s] {
					seen[s] = true
					add("cipherSuite", s, p.CipherSuite(s))
				}
			}
		}
		for _, g := range t.Groups {
			add("group", g, p.Group(g))
		}
		for _, a := range t.SignatureAlgorithms {
			add("signatureAlgorithm", a, p.SignatureAlgorithm(a))
		}
		if leaf13 != nil {
			for _, a := range tls13Schemes(leaf13.KeyType, leaf13.KeyBits) {
				add("signatureAlgorithm", a, p.SignatureAlgorithm(a))
				it := &pr.Items[len(pr.Items)-1]
				it.Note = strings.TrimPrefix(it.Note+"; ", "; ") + fmt.Sprintf(
					"TLSv1.3 CertificateVerify with the %s %d leaf key (RFC 8446 4.2.3): derived, not observed", leaf13.KeyType, leaf13.KeyBits)
			}
		}
		for i, c := range t.Certificates {
			who := fmt.Sprintf("certificate %d (%s)", i, c.Subject)
			add("certificate", who+" signed with "+c.SignatureAlgorithm, p.CertificateSignatureAlgorithm(c.SignatureAlgorithm))
			add("certificate", fmt.Sprintf("%s key %s %d bits", who, c.KeyType, c.KeyBits), p.CertificateKey(c.KeyType, c.KeyBits))
		}
		out = append(out, pr)
	}
	return out
}
