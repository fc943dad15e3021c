package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBaselineGate scans the demo dump twice: with the first as baseline,
// the second has FAIL cells but none new, so --fail-on new passes while
// the plain gate fails; report re-gates the same way, and the bundle's
// Markdown and CSV show the changes.
func TestBaselineGate(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first"), filepath.Join(dir, "second")
	scan := func(out string, extra ...string) int {
		_, errs, code := runCLI(append([]string{"scan", "--from", "../../testdata/demo", "--no-probe", "-q", "-o", "none", "--out", out}, extra...)...)
		if code != ExitOK && code != ExitFail {
			t.Fatalf("scan %v: exit %d: %s", extra, code, errs)
		}
		return code
	}
	if code := scan(first); code != ExitFail {
		t.Fatalf("the demo has FAIL cells: exit %d", code)
	}
	base := filepath.Join(first, "matrix.json")
	if code := scan(second, "--baseline", base); code != ExitFail {
		t.Errorf("--baseline alone gates on every FAIL: exit %d", code)
	}
	if code := scan(second, "--baseline", base, "--fail-on", "new"); code != ExitOK {
		t.Errorf("--fail-on new with nothing new: exit %d", code)
	}
	if code := scan(second, "--baseline", base, "--fail-on", "regressed"); code != ExitOK {
		t.Errorf("--fail-on regressed with nothing worse: exit %d", code)
	}
	md, err := os.ReadFile(filepath.Join(second, "matrix.md"))
	if err != nil || !strings.Contains(string(md), "## Changes since the baseline") || !strings.Contains(string(md), "0 new, 0 regressed, 0 improved, 0 resolved") {
		t.Errorf("matrix.md has no Changes section: %v", err)
	}
	csv, _ := os.ReadFile(filepath.Join(second, "matrix.csv"))
	if !strings.HasSuffix(strings.SplitN(string(csv), "\n", 2)[0], ",change") || !strings.Contains(string(csv), ",unchanged\n") {
		t.Errorf("matrix.csv has no change column")
	}
	if _, _, code := runCLI("report", filepath.Join(second, "matrix.json"), "--baseline", base, "--fail-on", "new", "-o", "csv"); code != ExitOK {
		t.Errorf("report --fail-on new: exit %d", code)
	}
	if _, _, code := runCLI("report", filepath.Join(second, "matrix.json"), "--baseline", base, "--gate"); code != ExitFail {
		t.Errorf("report --baseline --gate: exit %d", code)
	}
	if _, errs, code := runCLI("report", base, "--fail-on", "new"); code != ExitError || !strings.Contains(errs, "needs --baseline") {
		t.Errorf("--fail-on without --baseline: exit %d %q", code, errs)
	}
	if _, errs, code := runCLI("report", base, "--baseline", base, "--fail-on", "sometimes"); code != ExitError || !strings.Contains(errs, "want new, regressed or any") {
		t.Errorf("a bad --fail-on: exit %d %q", code, errs)
	}
}
