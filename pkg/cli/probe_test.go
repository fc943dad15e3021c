package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/internal/schematest"
	"github.com/sc8scan/sc8scan/pkg/internal/tlstest"
)

func runProbe(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errw bytes.Buffer
	err := Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, Err: &errw}, append([]string{"probe"}, args...))
	return out.String(), errw.String(), err
}

func TestProbeJSON(t *testing.T) {
	mtls := tlstest.NewServer(t, tlstest.Options{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13, ClientAuth: tls.RequireAndVerifyClientCert})
	perm := tlstest.NewServer(t, tlstest.Options{Plaintext: true, CA: mtls.CA})
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, mtls.CA.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runProbe(t, "--output", "json", "--ca", ca, "--server-name", "localhost", mtls.Addr, "tls://"+perm.Addr)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, evidence.ProbeReportSchema, []byte(out))
	var rep evidence.ProbeReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	type row struct {
		Scheme, ClientAuth string
		TLS, Plain, Trust  bool
		Versions           int
	}
	var got []row
	for _, r := range rep.Results {
		got = append(got, row{r.Target.Scheme, r.TLS.ClientAuth, r.TLS.Offered, r.Plaintext.Accepted, r.TLS.Verification != nil && r.TLS.Verification.Trusted && r.TLS.Verification.HostnameMatch, len(r.TLS.Versions)})
	}
	want := []row{
		{"", "required", true, false, true, 1},
		// tls:// forces TLS only: the cleartext side is not probed.
		{"tls", "none", true, false, true, 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

func TestProbeTable(t *testing.T) {
	s := tlstest.NewServer(t, tlstest.Options{KeyType: tlstest.RSA2048, Plaintext: true})
	out, _, err := runProbe(t, "--quick", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "TARGET") {
		t.Fatalf("no header: %q", lines[0])
	}
	f := strings.Fields(lines[1])
	wantPrefix := []string{s.Addr, "yes", "(http/1.1)", "yes", "1.3", "(negotiated)", "1", "none", "CN=localhost,O=sc8scan", "(RSA", "2048)"}
	if diff := cmp.Diff(wantPrefix, f[:len(wantPrefix)]); diff != "" {
		t.Errorf("summary line (-want +got):\n%s\n%s", diff, out)
	}
	if !strings.Contains(out, fmt.Sprintf("== %s", s.Addr)) || !strings.Contains(out, "client auth: none") {
		t.Errorf("details missing:\n%s", out)
	}
}

func TestProbeBadFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"no target":   {},
		"bad output":  {"--output", "xml", "127.0.0.1:1"},
		"bad target":  {"localhost"},
		"bad scheme":  {"gopher://h:70"},
		"bad timeout": {"--timeout", "0s", "127.0.0.1:1"},
		"missing ca":  {"--ca", "/nonexistent.pem", "127.0.0.1:1"},
	} {
		_, _, err := runProbe(t, args...)
		var ee *ExitErr
		if !errors.As(err, &ee) || ee.Code != ExitError {
			t.Errorf("%s: error %v, want exit 1", name, err)
		}
	}
}

func TestProbeUnreachableStillExitsZero(t *testing.T) {
	h, p := tlstest.ClosedPort(t)
	out, _, err := runProbe(t, "--timeout", "1s", fmt.Sprintf("%s:%d", h, p))
	if err != nil {
		t.Fatalf("exit error %v for a closed port: the probe ran", err)
	}
	if !strings.Contains(out, "not-tested") || !strings.Contains(out, "connection refused") {
		t.Errorf("closed port not reported:\n%s", out)
	}
}
