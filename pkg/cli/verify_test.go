package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

func runCLI(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	err := Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, args)
	code := ExitCode(err, &errb)
	return out.String(), errb.String(), code
}

// TestSignedBundle scans the demo dump into a bundle signed with an
// encrypted key openssl made, verifies it with sc8scan verify and with
// openssl alone, then alters it and sees verify fail with exit 6.
func TestSignedBundle(t *testing.T) {
	ossl := testenv.LookPath(t, "openssl")[0]
	dir := t.TempDir()
	key, pub, pass := filepath.Join(dir, "key.pem"), filepath.Join(dir, "key.pub"), filepath.Join(dir, "pass")
	for _, args := range [][]string{
		{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-aes256", "-pass", "pass:s3cret", "-out", key},
		{"pkey", "-in", key, "-passin", "pass:s3cret", "-pubout", "-out", pub},
	} {
		if out, err := exec.Command(ossl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	if err := os.WriteFile(pass, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "bundle")
	scan := []string{"scan", "--from", "../../testdata/demo", "--no-probe", "--out", bundle, "-o", "none", "-q", "--sign-key", key}

	// An encrypted key without its passphrase is refused before scanning.
	t.Setenv(passphraseEnv, "")
	if _, errs, code := runCLI(scan...); code != ExitError || !strings.Contains(errs, passphraseEnv) {
		t.Fatalf("no passphrase: exit %d, %q", code, errs)
	}
	if _, errs, code := runCLI(append(scan, "--sign-passphrase-file", pass)...); code != ExitFail && code != ExitOK {
		t.Fatalf("scan: exit %d, %s", code, errs)
	}
	out, errs, code := runCLI("verify", bundle, "--key", pub)
	if code != ExitOK || !strings.HasPrefix(out, "OK ") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errs)
	}
	cmd := exec.Command(ossl, "dgst", "-sha256", "-verify", pub, "-signature", "SHA256SUMS.sig", "SHA256SUMS")
	cmd.Dir = bundle
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "Verified OK") {
		t.Fatalf("openssl dgst -verify: %v\n%s", err, b)
	}
	// The passphrase from the environment works as well.
	t.Setenv(passphraseEnv, "s3cret")
	if _, errs, code := runCLI(scan...); code != ExitFail && code != ExitOK {
		t.Fatalf("scan with %s: exit %d, %s", passphraseEnv, code, errs)
	}
	// One byte of the Markdown changed: exit 6 naming the file.
	md := filepath.Join(bundle, "matrix.md")
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x20
	if err := os.WriteFile(md, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code = runCLI("verify", bundle, "--key", pub)
	if code != ExitUnverified || !strings.Contains(out, "FAIL changed: matrix.md") {
		t.Errorf("a changed byte: exit %d\n%s", code, out)
	}
	if _, _, code := runCLI("verify", bundle); code != ExitError {
		t.Errorf("verify without --key or --ca: exit %d", code)
	}
}

// TestReportHTMLReadsBundleEvidence renders a saved matrix as HTML again:
// the rows' details come from the bundle's evidence next to the matrix,
// and an evidence file that is not the one the matrix records is left
// out with a warning.
func TestReportHTMLReadsBundleEvidence(t *testing.T) {
	bundle := filepath.Join(t.TempDir(), "bundle")
	if _, errs, code := runCLI("scan", "--from", "../../testdata/demo", "--no-probe", "--out", bundle, "-o", "none", "-q"); code != ExitFail && code != ExitOK {
		t.Fatalf("scan: exit %d, %s", code, errs)
	}
	matrix := filepath.Join(bundle, "matrix.json")
	out, errs, code := runCLI("report", matrix, "-o", "html")
	if code != ExitOK || errs != "" || !strings.Contains(out, "<strong>Policy for a class of clients of ") {
		t.Fatalf("report -o html: exit %d, stderr %q, policy details present: %v", code, errs, strings.Contains(out, "Policy for a class"))
	}
	policy := filepath.Join(bundle, "evidence", "policy-report.json")
	data, err := os.ReadFile(policy)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(policy, append(data, ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = runCLI("report", matrix, "-o", "html")
	if code != ExitOK || strings.Contains(out, "<strong>Policy for") || !strings.Contains(errs, "evidence/policy-report.json: not the document the matrix records") {
		t.Fatalf("changed evidence: exit %d, stderr %q, policy details present: %v", code, errs, strings.Contains(out, "<strong>Policy for"))
	}
}
