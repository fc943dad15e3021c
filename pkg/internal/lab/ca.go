package lab

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"

	"golang.org/x/crypto/ocsp"
)

// CA is a throwaway certificate authority.
type CA struct {
	cert   *x509.Certificate
	key    crypto.Signer
	issued time.Time
	PEM    []byte
}

// NewCA makes a CA valid from an hour before issued for a year. issued is
// also the time its leaves are dated from, so that whoever evaluates them
// can be given the same clock.
func NewCA(name string, issued time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name, Organization: []string{"sc8scan lab"}},
		NotBefore: issued.Add(-time.Hour), NotAfter: issued.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("signing CA: %w", err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &CA{cert: cert, key: key, issued: issued, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Leaf describes a certificate to issue.
type Leaf struct {
	CommonName string
	DNSNames   []string
	URIs       []string
	RSA        bool      // RSA 2048 instead of ECDSA P-256
	NotBefore  time.Time // default an hour before the CA's issue time
	NotAfter   time.Time // default 90 days after the CA's issue time
	Client     bool
}

// Issue signs a leaf certificate.
func (ca *CA) Issue(l Leaf) (tls.Certificate, error) {
	var key crypto.Signer
	var err error
	if l.RSA {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generating key: %w", err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	if l.NotBefore.IsZero() {
		l.NotBefore = ca.issued.Add(-time.Hour)
	}
	if l.NotAfter.IsZero() {
		l.NotAfter = ca.issued.Add(90 * 24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: l.CommonName, Organization: []string{"sc8scan lab"}},
		NotBefore: l.NotBefore, NotAfter: l.NotAfter, DNSNames: l.DNSNames,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	if l.Client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	for _, u := range l.URIs {
		if pu, err := parseURI(u); err == nil {
			tmpl.URIs = append(tmpl.URIs, pu)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("signing %s: %w", l.CommonName, err)
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key}, nil
}

// Pool returns a pool holding the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// Staple makes the CA's OCSP response saying cert's leaf is good, dated
// at the CA's issue time, for the server to staple (tls.Certificate's
// OCSPStaple).
func (ca *CA) Staple(cert tls.Certificate) ([]byte, error) {
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("parsing leaf: %w", err)
	}
	resp, err := ocsp.CreateResponse(ca.cert, ca.cert, ocsp.Response{
		Status: ocsp.Good, SerialNumber: leaf.SerialNumber,
		ThisUpdate: ca.issued, NextUpdate: ca.issued.Add(7 * 24 * time.Hour),
	}, ca.key)
	if err != nil {
		return nil, fmt.Errorf("signing OCSP response for %s: %w", leaf.Subject.CommonName, err)
	}
	return resp, nil
}
