package tlstest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// OCSP statuses for OCSPResponse.
const (
	OCSPGood    = "good"
	OCSPRevoked = "revoked"
	OCSPUnknown = "unknown" // the serial is not in the responder's index
)

// OCSPResponse has `openssl ocsp`, acting as the CA's responder, answer for
// cert's leaf with status, and returns the DER response (what
// s_server -status_file and nginx ssl_stapling_file read). It skips (or
// fails under CI) when openssl is missing.
func (ca *CA) OCSPResponse(t testing.TB, cert tls.Certificate, status string) []byte {
	t.Helper()
	bin := testenv.LookPath(t, "openssl")[0]
	dir := t.TempDir()
	leaf := cert.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	kder, err := x509.MarshalPKCS8PrivateKey(ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := write("ca.pem", ca.PEM)
	keyFile := write("ca.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	leafFile := write("leaf.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}))
	exp := leaf.NotAfter.UTC().Format("060102150405Z")
	serial := strings.ToUpper(leaf.SerialNumber.Text(16))
	if len(serial)%2 == 1 {
		serial = "0" + serial
	}
	var index string
	switch status {
	case OCSPGood:
		index = fmt.Sprintf("V\t%s\t\t%s\tunknown\t/CN=%s\n", exp, serial, leaf.Subject.CommonName)
	case OCSPRevoked:
		rev := leaf.NotBefore.UTC().Format("060102150405Z")
		index = fmt.Sprintf("R\t%s\t%s,keyCompromise\t%s\tunknown\t/CN=%s\n", exp, rev, serial, leaf.Subject.CommonName)
	case OCSPUnknown:
	default:
		t.Fatalf("unknown OCSP status %q", status)
	}
	indexFile := write("index.txt", []byte(index))
	out := filepath.Join(dir, "resp.der")
	cmd := exec.Command(bin, "ocsp", "-index", indexFile, "-CA", caFile, "-rsigner", caFile, "-rkey", keyFile,
		"-issuer", caFile, "-cert", leafFile, "-respout", out, "-ndays", "1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl ocsp: %v\n%s", err, b)
	}
	der, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// HAProxyOptions configure an haproxy TLS frontend.
type HAProxyOptions struct {
	// Bind are extra bind-line options, e.g. "ssl-min-ver TLSv1.2
	// ssl-max-ver TLSv1.2 no-tls-tickets".
	Bind string
	// Staple, when set (OCSPGood, OCSPRevoked, OCSPUnknown), has haproxy
	// staple an OCSP response of that status (the crt file's .ocsp
	// companion).
	Staple string
	CA     *CA
}

// HAProxy starts haproxy in the foreground with one TLS frontend that
// answers 200 to every request. It skips (or fails under CI) when haproxy
// or openssl is missing.
func HAProxy(t testing.TB, o HAProxyOptions) *Proc {
	t.Helper()
	bin := testenv.LookPath(t, "haproxy")[0]
	ca := o.CA
	if ca == nil {
		ca = NewCA(t)
	}
	dir := t.TempDir()
	cert := ca.Issue(t, CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, KeyType: RSA2048})
	cf, kf := WriteFiles(t, dir, "server", cert)
	chain, err := os.ReadFile(cf)
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(kf)
	if err != nil {
		t.Fatal(err)
	}
	pemFile := filepath.Join(dir, "server.pem")
	if err := os.WriteFile(pemFile, append(chain, key...), 0o600); err != nil {
		t.Fatal(err)
	}
	if o.Staple != "" {
		if err := os.WriteFile(pemFile+".ocsp", ca.OCSPResponse(t, cert, o.Staple), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	port := FreePort(t)
	conf := fmt.Sprintf(`global
  maxconn 64
defaults
  mode http
  timeout connect 5s
  timeout client 10s
  timeout server 10s
frontend fe
  bind 127.0.0.1:%d ssl crt %s %s
  http-request return status 200 content-type text/plain string ok
`, port, pemFile, o.Bind)
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	p := start(t, port, "", dir, bin, "-db", "-f", path)
	p.CA = ca
	return p
}
