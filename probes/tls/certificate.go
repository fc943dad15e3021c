package tls

import (
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"

	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// CertificateFacts lists the public facts of one certificate.
func CertificateFacts(c *x509.Certificate) evidence.Certificate {
	sum := sha256.Sum256(c.Raw)
	out := evidence.Certificate{
		Subject:            c.Subject.String(),
		Issuer:             c.Issuer.String(),
		SANs:               []string{},
		NotBefore:          c.NotBefore.UTC(),
		NotAfter:           c.NotAfter.UTC(),
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
		SHA256:             hex.EncodeToString(sum[:]),
	}
	if c.SerialNumber != nil {
		out.Serial = c.SerialNumber.Text(16)
	}
	for _, d := range c.DNSNames {
		out.SANs = append(out.SANs, "DNS:"+d)
	}
	for _, ip := range c.IPAddresses {
		out.SANs = append(out.SANs, "IP:"+ip.String())
	}
	for _, e := range c.EmailAddresses {
		out.SANs = append(out.SANs, "email:"+e)
	}
	for _, u := range c.URIs {
		out.SANs = append(out.SANs, "URI:"+u.String())
		if u.Scheme == "spiffe" && out.SPIFFEID == "" {
			out.SPIFFEID = u.String()
		}
	}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		out.KeyType, out.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		out.KeyType, out.KeyBits = "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		out.KeyType, out.KeyBits = "Ed25519", 256
	case *dsa.PublicKey:
		out.KeyType = "DSA"
		if k.P != nil {
			out.KeyBits = k.P.BitLen()
		}
	default:
		out.KeyType = c.PublicKeyAlgorithm.String()
	}
	return out
}

// ParseChain parses DER certificates, skipping none: a certificate that
// does not parse is an error.
func ParseChain(ders [][]byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for i, d := range ders {
		c, err := x509.ParseCertificate(d)
		if err != nil {
			return nil, fmt.Errorf("parsing certificate %d of the chain: %w", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// distinguishedName renders a DER distinguished name (a CA hint).
func distinguishedName(der []byte) string {
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &rdn); err != nil || len(rest) > 0 {
		return "unparsable name " + hex.EncodeToString(der[:min(len(der), 8)])
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return n.String()
}

// CertificateRequestCAs renders the CA hints of a flight's
// CertificateRequest.
func CertificateRequestCAs(f *Flight) []string {
	if f == nil || f.CertRequest == nil {
		return nil
	}
	var out []string
	for _, dn := range f.CertRequest.CAs {
		out = append(out, distinguishedName(dn))
	}
	return out
}
