// Package testenv decides what an integration test does when the real
// program it needs is missing: outside CI it skips with the reason, under
// CI=true it fails, because CI installs everything (hack/deps.sh).
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// CI reports whether the tests run under CI (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// Missing skips t (or fails it under CI) with reason.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if CI() {
		t.Fatalf("required under CI=true: %s", reason)
	}
	t.Skipf("skipping: %s (run make test as root to install it)", reason)
}

// LookPath returns the path of each program, or skips / fails t naming the
// first one missing.
func LookPath(t testing.TB, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
				if _, serr := os.Stat(dir + "/" + n); serr == nil {
					p, err = dir+"/"+n, nil
					break
				}
			}
		}
		if err != nil {
			Missing(t, n+" is not installed")
		}
		out = append(out, p)
	}
	return out
}

// Root skips t unless it runs as root (needed for network namespaces and
// packet capture). Under CI, which runs as root, it fails instead.
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "needs root (network namespaces, raw sockets)")
	}
}
