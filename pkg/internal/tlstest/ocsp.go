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
