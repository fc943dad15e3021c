package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWaiversCheck runs the verb on the demo's waiver file at dates that
// make it healthy, expiring and expired, and on an invalid file.
func TestWaiversCheck(t *testing.T) {
	const demo = "../../testdata/demo-waivers.yaml"
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--at", "2027-01-02"}, ExitOK, "2 waivers: 0 errors, 0 expired, 0 expiring within 30 days"},
		{[]string{"--at", "2027-03-15"}, ExitOK, "EXPIRING W-2026-015: expires on 2027-03-31, in 16 days"},
		{[]string{"--at", "2027-04-15", "--within", "12w"}, ExitExpiredWaiver, "EXPIRED W-2026-015: expired on 2027-03-31"},
		{[]string{"--at", "2027-04-15", "-o", "json"}, ExitExpiredWaiver, `"kind": "expired"`},
		{[]string{"--within", "soon"}, ExitError, ""},
	} {
		out, errs, code := runCLI(append([]string{"waivers", "check", demo}, c.args...)...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("waivers check %v: exit %d (want %d)\n%s%s", c.args, code, c.code, out, errs)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("kind: Waivers\nwaivers:\n- id: W-1\n  check: nope\n  destination: a/b:1\n  justification: j\n  approver: a\n  expires: \"2030-01-01T00:00:00Z\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := runCLI("waivers", "check", bad)
	if code != ExitError || !strings.Contains(out, bad+":4: ERROR W-1: unknown check \"nope\"") {
		t.Errorf("invalid file: exit %d\n%s", code, out)
	}
}
