package signature

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// openssl runs openssl with args in dir and fails t on an error.
func openssl(t *testing.T, dir string, args ...string) string {
	t.Helper()
	bin := testenv.LookPath(t, "openssl")[0]
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// bundle writes a small bundle: matrix.json recording its evidence file's
// digest (or recorded, when given), the evidence, a report, SHA256SUMS.
func bundle(t *testing.T, recorded string) string {
	t.Helper()
	dir := t.TempDir()
	ev := []byte(`{"kind":"ProbeReport","results":[]}` + "\n")
	sum := sha256.Sum256(ev)
	if recorded == "" {
		recorded = hex.EncodeToString(sum[:])
	}
	files := map[string][]byte{
		"evidence/probe-report.json": ev,
		"matrix.json":                []byte(fmt.Sprintf(`{"kind":"Matrix","evidence":[{"id":"probe-report","file":"evidence/probe-report.json","sha256":%q}]}`+"\n", recorded)),
		"matrix.md":                  []byte("# matrix\n"),
	}
	var names []string
	for n, b := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(n)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	var m strings.Builder
	for _, n := range names {
		s := sha256.Sum256(files[n])
		fmt.Fprintf(&m, "%s  %s\n", hex.EncodeToString(s[:]), n)
	}
	if err := os.WriteFile(filepath.Join(dir, Manifest), []byte(m.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestKeysFromOpenSSL signs with keys openssl made (each kind the bundle
// takes, an encrypted one among them), verifies with our Verify and with
// openssl itself, and refuses the keys the bundle does not take.
func TestKeysFromOpenSSL(t *testing.T) {
	keys := t.TempDir()
	for _, c := range []struct {
		name string
		gen  []string
		dgst bool // openssl dgst verifies it (Ed25519 needs pkeyutl)
		pass string
	}{
		{"p256", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}, true, ""},
		{"p384", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}, true, ""},
		{"rsa3072", []string{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"}, true, ""},
		{"ed25519", []string{"genpkey", "-algorithm", "ED25519"}, false, ""},
		{"p256-encrypted", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:correct horse"}, true, "correct horse"},
	} {
		t.Run(c.name, func(t *testing.T) {
			keyFile := filepath.Join(keys, c.name+".pem")
			openssl(t, keys, append(c.gen, "-out", keyFile)...)
			pubFile := filepath.Join(keys, c.name+".pub")
			args := []string{"pkey", "-in", keyFile, "-pubout", "-out", pubFile}
			if c.pass != "" {
				args = append(args, "-passin", "pass:"+c.pass)
			}
			openssl(t, keys, args...)
			pemKey, _ := os.ReadFile(keyFile)
			if c.pass != "" {
				if _, err := ParsePrivateKey(pemKey, nil); err != ErrPassphrase {
					t.Errorf("encrypted key without a passphrase: %v", err)
				}
				if _, err := ParsePrivateKey(pemKey, []byte("wrong")); err == nil {
					t.Errorf("encrypted key with a wrong passphrase accepted")
				}
			}
			key, err := ParsePrivateKey(pemKey, []byte(c.pass))
			if err != nil {
				t.Fatal(err)
			}
			dir := bundle(t, "")
			if err := Sign(dir, key, nil); err != nil {
				t.Fatal(err)
			}
			pemPub, _ := os.ReadFile(pubFile)
			pub, err := ParsePublicKey(pemPub)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Verify(dir, Trust{Key: pub})
			if err != nil || len(res.Problems) != 0 || res.Files != 3 {
				t.Fatalf("Verify: %v %+v", err, res)
			}
			if c.dgst {
				out := openssl(t, dir, "dgst", "-sha256", "-verify", pubFile, "-signature", SigFile, Manifest)
				if !strings.Contains(out, "Verified OK") {
					t.Errorf("openssl dgst: %s", out)
				}
			} else {
				out := openssl(t, dir, "pkeyutl", "-verify", "-pubin", "-inkey", pubFile, "-rawin", "-in", Manifest, "-sigfile", SigFile)
				if !strings.Contains(out, "Signature Verified Successfully") {
					t.Errorf("openssl pkeyutl: %s", out)
				}
			}
		})
	}
	for _, c := range []struct {
		name string
		gen  []string
		want string
	}{
		{"rsa2048", []string{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}, "RSA of 2048 bits"},
		{"p521", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"}, "P-521"},
	} {
		keyFile := filepath.Join(keys, c.name+".pem")
		openssl(t, keys, append(c.gen, "-out", keyFile)...)
		pemKey, _ := os.ReadFile(keyFile)
		if _, err := ParsePrivateKey(pemKey, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a refusal naming %q", c.name, err, c.want)
		}
	}
}

func p256(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestTamper: each way a bundle can be altered after signing gets its own
// problem naming the file.
func TestTamper(t *testing.T) {
	key := p256(t)
	other := p256(t)
	for _, c := range []struct {
		name   string
		alter  func(t *testing.T, dir string)
		kind   string
		file   string
		signed string // "" a good bundle; "evidence" one whose matrix records a wrong digest
	}{
		{"a changed byte", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "matrix.md")
			b, _ := os.ReadFile(p)
			b[2] ^= 1
			os.WriteFile(p, b, 0o644)
		}, "changed", "matrix.md", ""},
		{"a removed file", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "matrix.md")) }, "missing", "matrix.md", ""},
		{"an added file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "evidence", "extra.json"), []byte("{}"), 0o644)
		}, "added", "evidence/extra.json", ""},
		{"a swapped signature", func(t *testing.T, dir string) {
			if err := Sign(dir, other, nil); err != nil {
				t.Fatal(err)
			}
		}, "signature", SigFile, ""},
		{"a changed manifest", func(t *testing.T, dir string) {
			p := filepath.Join(dir, Manifest)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, append(b, []byte(strings.Repeat("0", 64)+"  evidence/extra.json\n")...), 0o644)
			os.WriteFile(filepath.Join(dir, "evidence", "extra.json"), []byte("{}"), 0o644)
		}, "signature", SigFile, ""},
		{"no signature", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, SigFile)) }, "signature", SigFile, ""},
		{"evidence digests that do not match", func(t *testing.T, dir string) {}, "evidence", "evidence/probe-report.json", strings.Repeat("ab", 32)},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := bundle(t, c.signed)
			if err := Sign(dir, key, nil); err != nil {
				t.Fatal(err)
			}
			c.alter(t, dir)
			res, err := Verify(dir, Trust{Key: key.Public()})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range res.Problems {
				found = found || p.Kind == c.kind && p.File == c.file
			}
			if !found {
				t.Errorf("problems %v, want one of kind %s for %s", res.Problems, c.kind, c.file)
			}
		})
	}
}

// TestCertificateChain signs with a leaf key and its chain, verifies
// against the CA, and refuses a chain from another CA.
func TestCertificateChain(t *testing.T) {
	mk := func(name string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, ca bool) (*x509.Certificate, *ecdsa.PrivateKey) {
		k := p256(t)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: ca, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
		if parent == nil {
			parent, parentKey = tmpl, k
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, k.Public(), parentKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c, k
	}
	ca, caKey := mk("sc8scan test CA", nil, nil, true)
	leaf, leafKey := mk("ConMon signer", ca, caKey, false)
	otherCA, _ := mk("another CA", nil, nil, true)
	dir := bundle(t, "")
	if err := Sign(dir, leafKey, []*x509.Certificate{leaf, ca}); err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	res, err := Verify(dir, Trust{Roots: roots})
	if err != nil || len(res.Problems) != 0 || res.Signer != "CN=ConMon signer" {
		t.Fatalf("Verify: %v %+v", err, res)
	}
	others := x509.NewCertPool()
	others.AddCert(otherCA)
	res, _ = Verify(dir, Trust{Roots: others})
	if len(res.Problems) != 1 || res.Problems[0].Kind != "signature" || !strings.Contains(res.Problems[0].Text, "does not lead to the given CA") {
		t.Errorf("another CA: %v", res.Problems)
	}
	if err := Sign(bundle(t, ""), leafKey, []*x509.Certificate{otherCA}); err == nil || !strings.Contains(err.Error(), "does not hold the signing key") {
		t.Errorf("signed with a certificate that does not hold the key: %v", err)
	}
}
