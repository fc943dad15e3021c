package tlstest

import (
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// NewRSACA makes a CA with an RSA 2048 key (its own certificate signed
// SHA256-RSA), for leaves signed with RSA algorithms such as SHA1-RSA.
func NewRSACA(t testing.TB) *CA {
	t.Helper()
	return selfSignedCA(t, "sc8scan test RSA CA", newKey(t, RSA2048), x509.SHA256WithRSA)
}

// IssueSigned is Issue with the signature algorithm of the leaf chosen
// (e.g. x509.SHA1WithRSA, which Go still signs with but never verifies);
// it must suit the CA's key.
func (ca *CA) IssueSigned(t testing.TB, o CertOptions, alg x509.SignatureAlgorithm) tls.Certificate {
	t.Helper()
	c := ca.Issue(t, o)
	tmpl := *c.Leaf
	tmpl.SignatureAlgorithm = alg
	signer, ok := c.PrivateKey.(crypto.Signer)
	if !ok {
		t.Fatalf("leaf key %T has no public key", c.PrivateKey)
	}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, ca.Cert, signer.Public(), ca.Key)
	if err != nil {
		t.Fatalf("issuing a %s certificate: %v", alg, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parsing certificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.Cert.Raw}, PrivateKey: c.PrivateKey, Leaf: leaf}
}

// OpenSSLWithCert starts `openssl s_server -www` presenting cert (the
// leaf, then the rest of its chain) with extra s_server arguments. It
// skips (or fails under CI) when openssl is missing.
func OpenSSLWithCert(t testing.TB, cert tls.Certificate, args ...string) *Proc {
	t.Helper()
	return OpenSSLWithCertEnv(t, cert, nil, args...)
}

// OpenSSLWithCertEnv is OpenSSLWithCert with env added to s_server's
// environment (OPENSSL_CONF=... for settings that have no flag).
func OpenSSLWithCertEnv(t testing.TB, cert tls.Certificate, env []string, args ...string) *Proc {
	t.Helper()
	bin := testenv.LookPath(t, "openssl")[0]
	dir := t.TempDir()
	leaf := cert
	leaf.Certificate = cert.Certificate[:1]
	cf, kf := WriteFiles(t, dir, "server", leaf)
	port := FreePort(t)
	argv := []string{bin, "s_server", "-quiet", "-www", "-accept", net.JoinHostPort("127.0.0.1", fmt.Sprint(port)),
		"-cert", cf, "-key", kf}
	if len(cert.Certificate) > 1 {
		var chain []byte
		for _, der := range cert.Certificate[1:] {
			chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
		}
		chainFile := filepath.Join(dir, "chain.pem")
		if err := os.WriteFile(chainFile, chain, 0o644); err != nil {
			t.Fatal(err)
		}
		argv = append(argv, "-cert_chain", chainFile)
	}
	argv = append(argv, args...)
	return startEnv(t, port, "", dir, env, argv...)
}
