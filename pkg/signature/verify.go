package signature

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Trust is what a signature is checked against: a public key, or roots a
// certificate chain in the bundle must lead to.
type Trust struct {
	Key   crypto.PublicKey
	Roots *x509.CertPool
}

// Problem is one way a bundle fails to verify.
type Problem struct {
	Kind string // "signature", "changed", "missing", "added", "evidence", "manifest"
	File string
	Text string
}

func (p Problem) String() string {
	if p.File == "" {
		return p.Kind + ": " + p.Text
	}
	return fmt.Sprintf("%s: %s: %s", p.Kind, p.File, p.Text)
}

// Result is what Verify found; the bundle verifies when Problems is empty.
type Result struct {
	Signer   string // the signing certificate's subject, when a chain was checked
	Files    int    // files the manifest lists
	Problems []Problem
}

// maxManifest bounds the manifest Verify reads.
const maxManifest = 64 << 20

// Verify checks the bundle in dir: SHA256SUMS.sig over SHA256SUMS against
// trust, every listed file's SHA-256, that the directory holds no file the
// manifest does not list (the signature files aside) and lacks none it
// lists, and that matrix.json's recorded evidence digests match the
// evidence files. Every problem is reported, not only the first; err is
// for a bundle that cannot be read at all.
func Verify(dir string, trust Trust) (*Result, error) {
	res := &Result{}
	add := func(kind, file, format string, a ...any) {
		res.Problems = append(res.Problems, Problem{Kind: kind, File: file, Text: fmt.Sprintf(format, a...)})
	}
	manifest, err := readBounded(filepath.Join(dir, Manifest), maxManifest)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", Manifest, err)
	}
	if err := checkSignature(dir, manifest, trust, res); err != nil {
		add("signature", SigFile, "%v", err)
	}
	listed, err := parseManifest(manifest)
	if err != nil {
		add("manifest", Manifest, "%v", err)
	}
	res.Files = len(listed)
	present := map[string]bool{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case rel == Manifest || rel == SigFile || rel == ChainFile:
			return nil
		case !d.Type().IsRegular():
			add("added", rel, "not a regular file, and not in the manifest")
			return nil
		}
		present[rel] = true
		want, ok := listed[rel]
		if !ok {
			add("added", rel, "not in the signed manifest")
			return nil
		}
		got, err := fileSum(p)
		if err != nil {
			return err
		}
		if got != want {
			add("changed", rel, "SHA-256 %s, the signed manifest says %s", got, want)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the bundle: %w", err)
	}
	var names []string
	for f := range listed {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		if !present[f] {
			add("missing", f, "in the signed manifest but not in the bundle")
		}
	}
	checkEvidence(dir, listed, add)
	return res, nil
}

func checkSignature(dir string, manifest []byte, trust Trust, res *Result) error {
	sig, err := readBounded(filepath.Join(dir, SigFile), 1<<16)
	if err != nil {
		return fmt.Errorf("the bundle is not signed: %w", err)
	}
	pub := trust.Key
	if trust.Roots != nil {
		chain, err := readChain(filepath.Join(dir, ChainFile))
		if err != nil {
			return err
		}
		inter := x509.NewCertPool()
		for _, c := range chain[1:] {
			inter.AddCert(c)
		}
		if _, err := chain[0].Verify(x509.VerifyOptions{Roots: trust.Roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return fmt.Errorf("the signer's certificate does not lead to the given CA: %w", err)
		}
		res.Signer = chain[0].Subject.String()
		pub = chain[0].PublicKey
	}
	if pub == nil {
		return errors.New("nothing to check the signature against (give a public key or a CA)")
	}
	if err := checkVerify(pub, manifest, sig); err != nil {
		return fmt.Errorf("%s does not verify against the %s: %w (a changed manifest, or a signature of another key or bundle)", SigFile, trustName(trust), err)
	}
	return nil
}

func trustName(t Trust) string {
	if t.Roots != nil {
		return "signer's certificate"
	}
	return "given public key"
}

func readChain(path string) ([]*x509.Certificate, error) {
	b, err := readBounded(path, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("the bundle has no signer certificate to check against the CA: %w", err)
	}
	chain, err := ParseCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ChainFile, err)
	}
	return chain, nil
}

// ParseCertificates reads the PEM certificates in b, in order, skipping
// blocks of other types; none at all is an error.
func ParseCertificates(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate in the file")
	}
	return out, nil
}

// parseManifest reads "HEX  PATH" lines (sha256sum's format).
func parseManifest(b []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<16)
	n := 0
	for sc.Scan() {
		n++
		sum, path, ok := strings.Cut(sc.Text(), "  ")
		if _, err := hex.DecodeString(sum); !ok || err != nil || len(sum) != 64 || path == "" || strings.HasPrefix(path, "/") || strings.Contains(path, "..") {
			return out, fmt.Errorf("line %d is not \"SHA256  relative/path\"", n)
		}
		out[path] = sum
	}
	return out, sc.Err()
}

// checkEvidence compares the evidence digests matrix.json records with
// the evidence files' own.
func checkEvidence(dir string, listed map[string]string, add func(kind, file, format string, a ...any)) {
	if _, ok := listed["matrix.json"]; !ok {
		return
	}
	f, err := os.Open(filepath.Join(dir, "matrix.json"))
	if err != nil {
		return // reported as missing
	}
	defer f.Close()
	var m struct {
		Evidence []struct {
			File   string `json:"file"`
			SHA256 string `json:"sha256"`
		} `json:"evidence"`
	}
	if err := json.NewDecoder(io.LimitReader(f, 1<<30)).Decode(&m); err != nil {
		add("evidence", "matrix.json", "not readable: %v", err)
		return
	}
	for _, e := range m.Evidence {
		if e.File == "" {
			continue
		}
		got, err := fileSum(filepath.Join(dir, filepath.FromSlash(e.File)))
		switch {
		case err != nil:
			add("evidence", e.File, "matrix.json records it, but it cannot be read: %v", err)
		case got != e.SHA256:
			add("evidence", e.File, "SHA-256 %s, matrix.json records %s", got, e.SHA256)
		}
	}
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}
