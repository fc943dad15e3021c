package cryptoref_test

import (
	"fmt"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
)

func ExampleProfile_CertificateSignatureAlgorithm() {
	p, err := cryptoref.LookupProfile("sp800-52r2")
	if err != nil {
		panic(err)
	}
	for _, alg := range []string{"SHA256-RSA", "ECDSA-SHA384", "SHA1-RSA"} {
		fmt.Println(alg, p.CertificateSignatureAlgorithm(alg).Allowed)
	}
	fmt.Println("RSA 1024", p.CertificateKey("RSA", 1024).Allowed)
	fmt.Println("rsa_pss_rsae_sha256", p.SignatureAlgorithm("rsa_pss_rsae_sha256").Allowed)
	// Output:
	// SHA256-RSA true
	// ECDSA-SHA384 true
	// SHA1-RSA false
	// RSA 1024 false
	// rsa_pss_rsae_sha256 true
}
