package tlstest_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
	"github.com/sc8scan/sc8scan/pkg/internal/tlstest"
	ptls "github.com/sc8scan/sc8scan/probes/tls"
)

// extensions enumerates addr and runs the extension checks, by name.
func extensions(t *testing.T, addr string) map[string]ptls.ExtensionCheck {
	t.Helper()
	dial := func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	ctx := context.Background()
	enum, err := ptls.Enumerate(ctx, dial, ptls.EnumerateOptions{ServerName: "localhost", ConnTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(enum.Errors) > 0 {
		t.Fatalf("enumerating %s: %v", addr, enum.Errors)
	}
	hs := ptls.Handshake(ctx, dial, ptls.HandshakeOptions{ServerName: "localhost", Timeout: 5 * time.Second, AuthWait: time.Second})
	out := map[string]ptls.ExtensionCheck{}
	for _, c := range ptls.Extensions(ctx, dial, ptls.ExtensionsOptions{ServerName: "localhost", ConnTimeout: 5 * time.Second,
		Versions: enum.Versions, SignatureSchemes: enum.SignatureSchemes, Handshake: &hs}) {
		out[c.Name] = c
	}
	return out
}

// Results every server below shares unless its case says otherwise:
// OpenSSL 3.0 behind each of them.
var openSSLDefaults = map[string]string{
	ptls.CheckRenegotiationInfo:     ptls.ExtSupported,
	ptls.CheckExtendedMasterSecret:  ptls.ExtSupported,
	ptls.CheckStatusRequest:         ptls.ExtNotSupported,
	ptls.CheckSignatureAlgorithms:   ptls.ExtSupported,
	ptls.CheckSupportedGroups:       ptls.ExtSupported,
	ptls.CheckKeyShare:              ptls.ExtSupported,
	ptls.CheckSupportedVersions:     ptls.ExtSupported,
	ptls.CheckEncryptThenMAC:        ptls.ExtSupported,
	ptls.CheckFallbackSCSV:          ptls.ExtSupported,
	ptls.CheckTruncatedHMAC:         ptls.ExtNotSupported,
	ptls.CheckClientCertificateURL:  ptls.ExtNotSupported,
	ptls.CheckCompression:           ptls.ExtNotSupported,
	ptls.CheckInsecureRenegotiation: ptls.ExtNotSupported,
}

func with(over map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range openSSLDefaults {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// tls12Only are the TLS 1.3 checks of a server without TLS 1.3, and the
// fallback check of a server with one version.
var tls12Only = map[string]string{
	ptls.CheckSupportedGroups:   ptls.ExtNotApplicable,
	ptls.CheckKeyShare:          ptls.ExtNotApplicable,
	ptls.CheckSupportedVersions: ptls.ExtNotApplicable,
	ptls.CheckFallbackSCSV:      ptls.ExtNotApplicable,
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestExtensionsRealServers checks each extension verdict against real
// servers configured each way: openssl s_server, nginx and haproxy.
func TestExtensionsRealServers(t *testing.T) {
	ca := tlstest.NewCA(t)
	leaf := func() tls.Certificate {
		return ca.Issue(t, tlstest.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyType: tlstest.RSA2048})
	}
	stapled := func(status string, args ...string) *tlstest.Proc {
		c := leaf()
		f := filepath.Join(t.TempDir(), "ocsp.der")
		if err := os.WriteFile(f, ca.OCSPResponse(t, c, status), 0o644); err != nil {
			t.Fatal(err)
		}
		return tlstest.OpenSSLWithCert(t, c, append([]string{"-status_file", f}, args...)...)
	}
	noEMS := filepath.Join(t.TempDir(), "no-ems.cnf")
	if err := os.WriteFile(noEMS, []byte("openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = sys\n[sys]\nOptions = -ExtendedMasterSecret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		start func() *tlstest.Proc
		want  map[string]string
		ocsp  string // the stapled status, "" for none
	}{
		{"openssl defaults (TLS 1.2 and 1.3)", func() *tlstest.Proc { return tlstest.OpenSSLWithCert(t, leaf()) }, with(nil), ""},
		{"openssl -status_file good", func() *tlstest.Proc { return stapled(tlstest.OCSPGood) },
			with(map[string]string{ptls.CheckStatusRequest: ptls.ExtSupported}), ptls.OCSPGood},
		{"openssl -status_file revoked", func() *tlstest.Proc { return stapled(tlstest.OCSPRevoked) },
			with(map[string]string{ptls.CheckStatusRequest: ptls.ExtSupported}), ptls.OCSPRevoked},
		{"openssl -status_file unknown", func() *tlstest.Proc { return stapled(tlstest.OCSPUnknown) },
			with(map[string]string{ptls.CheckStatusRequest: ptls.ExtSupported}), ptls.OCSPUnknown},
		{"openssl TLS 1.3 only, -status_file good", func() *tlstest.Proc { return stapled(tlstest.OCSPGood, "-tls1_3") },
			map[string]string{
				ptls.CheckRenegotiationInfo: ptls.ExtNotApplicable, ptls.CheckExtendedMasterSecret: ptls.ExtNotApplicable,
				ptls.CheckStatusRequest: ptls.ExtSupported, ptls.CheckSignatureAlgorithms: ptls.ExtSupported,
				ptls.CheckSupportedGroups: ptls.ExtSupported, ptls.CheckKeyShare: ptls.ExtSupported, ptls.CheckSupportedVersions: ptls.ExtSupported,
				ptls.CheckEncryptThenMAC: ptls.ExtNotApplicable, ptls.CheckFallbackSCSV: ptls.ExtNotApplicable,
				ptls.CheckTruncatedHMAC: ptls.ExtNotApplicable, ptls.CheckClientCertificateURL: ptls.ExtNotApplicable,
				ptls.CheckCompression: ptls.ExtNotApplicable, ptls.CheckInsecureRenegotiation: ptls.ExtNotApplicable,
			}, ptls.OCSPGood},
		{"openssl TLS 1.2 CBC only, -no_etm", func() *tlstest.Proc {
			return tlstest.OpenSSLWithCert(t, leaf(), "-tls1_2", "-no_etm", "-cipher", "ECDHE-RSA-AES128-SHA")
		}, with(merge(tls12Only, map[string]string{ptls.CheckEncryptThenMAC: ptls.ExtNotSupported,
			// The renegotiation check speaks ECDHE with AES-GCM or ChaCha20-Poly1305 only.
			ptls.CheckInsecureRenegotiation: ptls.ExtNotTested})), ""},
		{"openssl TLS 1.2, -client_renegotiation (secure renegotiation only)", func() *tlstest.Proc {
			return tlstest.OpenSSLWithCert(t, leaf(), "-tls1_2", "-client_renegotiation")
		}, with(tls12Only), ""},
		{"openssl TLS 1.2, -client_renegotiation -legacy_renegotiation", func() *tlstest.Proc {
			return tlstest.OpenSSLWithCert(t, leaf(), "-tls1_2", "-client_renegotiation", "-legacy_renegotiation")
		}, with(merge(tls12Only, map[string]string{ptls.CheckInsecureRenegotiation: ptls.ExtSupported})), ""},
		{"openssl TLS 1.2 and 1.3, -client_renegotiation -legacy_renegotiation, ECDSA ChaCha20", func() *tlstest.Proc {
			c := ca.Issue(t, tlstest.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, KeyType: tlstest.ECDSAP256})
			return tlstest.OpenSSLWithCert(t, c, "-client_renegotiation", "-legacy_renegotiation", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305")
		}, with(map[string]string{ptls.CheckInsecureRenegotiation: ptls.ExtSupported, ptls.CheckEncryptThenMAC: ptls.ExtNotApplicable}), ""},
		{"openssl TLS 1.2 GCM only", func() *tlstest.Proc {
			return tlstest.OpenSSLWithCert(t, leaf(), "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")
		}, with(merge(tls12Only, map[string]string{ptls.CheckEncryptThenMAC: ptls.ExtNotApplicable})), ""},
		{"openssl without extended master secret (Options = -ExtendedMasterSecret)", func() *tlstest.Proc {
			return tlstest.OpenSSLWithCertEnv(t, leaf(), []string{"OPENSSL_CONF=" + noEMS}, "-tls1_2")
		}, with(merge(tls12Only, map[string]string{ptls.CheckExtendedMasterSecret: ptls.ExtNotSupported})), ""},
		{"openssl TLS 1.0 to 1.2 (fallback to TLS 1.1)", func() *tlstest.Proc {
			return tlstest.OpenSSLWithCert(t, leaf(), "-no_tls1_3", "-cipher", "DEFAULT:@SECLEVEL=0")
		}, with(map[string]string{ptls.CheckSupportedGroups: ptls.ExtNotApplicable, ptls.CheckKeyShare: ptls.ExtNotApplicable, ptls.CheckSupportedVersions: ptls.ExtNotApplicable}), ""},
		{"openssl -comp (no zlib in Debian's OpenSSL: compression stays null)", func() *tlstest.Proc {
			return tlstest.OpenSSLWithCert(t, leaf(), "-comp", "-tls1_2")
		}, with(tls12Only), ""},
		{"nginx ssl_stapling_file good", func() *tlstest.Proc {
			return tlstest.Nginx(t, tlstest.NginxOptions{CA: ca, Protocols: "TLSv1.2 TLSv1.3", Staple: tlstest.OCSPGood}).Proc
		}, with(map[string]string{ptls.CheckStatusRequest: ptls.ExtSupported}), ptls.OCSPGood},
		{"nginx TLS 1.2, no stapling", func() *tlstest.Proc {
			return tlstest.Nginx(t, tlstest.NginxOptions{CA: ca, Protocols: "TLSv1.2"}).Proc
		}, with(tls12Only), ""},
		{"haproxy .ocsp revoked", func() *tlstest.Proc {
			return tlstest.HAProxy(t, tlstest.HAProxyOptions{CA: ca, Staple: tlstest.OCSPRevoked})
		}, with(map[string]string{ptls.CheckStatusRequest: ptls.ExtSupported}), ptls.OCSPRevoked},
		{"haproxy TLS 1.2 only, no stapling", func() *tlstest.Proc {
			return tlstest.HAProxy(t, tlstest.HAProxyOptions{CA: ca, Bind: "ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.2"})
		}, with(tls12Only), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.start()
			got := extensions(t, p.Addr)
			results := map[string]string{}
			for n, x := range got {
				results[n] = x.Result
				if x.Evidence == "" {
					t.Errorf("%s: no evidence", n)
				}
			}
			if diff := cmp.Diff(c.want, results); diff != "" {
				for n, x := range got {
					t.Logf("%s: %s [%s] %s", n, x.Result, ptls.VersionName(x.Version), x.Evidence)
				}
				t.Errorf("extension results (-want +got):\n%s", diff)
			}
			sr := got[ptls.CheckStatusRequest]
			switch {
			case c.ocsp == "" && sr.OCSP != nil:
				t.Errorf("OCSP staple %+v, want none", sr.OCSP)
			case c.ocsp != "" && sr.OCSP == nil:
				t.Errorf("no OCSP staple, want %s", c.ocsp)
			case c.ocsp != "":
				if sr.OCSP.Status != c.ocsp || !sr.OCSP.Verified || sr.OCSP.Err != "" {
					t.Errorf("OCSP staple %+v, want %s, verified", sr.OCSP, c.ocsp)
				}
				if c.ocsp == ptls.OCSPRevoked && sr.OCSP.RevokedAt.IsZero() {
					t.Errorf("revoked staple without a revocation time")
				}
			}
		})
	}
}

// TestExtensionsAgreeWithSSLScan compares the items sslscan reports too:
// TLS Fallback SCSV, secure renegotiation and compression.
func TestExtensionsAgreeWithSSLScan(t *testing.T) {
	bin := testenv.LookPath(t, "sslscan")[0]
	ca := tlstest.NewCA(t)
	cert := ca.Issue(t, tlstest.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, KeyType: tlstest.RSA2048})
	servers := map[string]*tlstest.Proc{
		"TLS 1.2 and 1.3":  tlstest.OpenSSLWithCert(t, cert),
		"TLS 1.0 to 1.2":   tlstest.OpenSSLWithCert(t, cert, "-no_tls1_3", "-cipher", "DEFAULT:@SECLEVEL=0"),
		"nginx":            tlstest.Nginx(t, tlstest.NginxOptions{CA: ca}).Proc,
		"haproxy TLS 1.2+": tlstest.HAProxy(t, tlstest.HAProxyOptions{CA: ca, Bind: "ssl-min-ver TLSv1.2"}),
	}
	for name, p := range servers {
		out, err := exec.Command(bin, "--no-colour", "--no-ciphersuites", "--no-groups", "--no-check-certificate", "--no-heartbleed", p.Addr).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: sslscan: %v\n%s", name, err, out)
		}
		s := string(out)
		got := extensions(t, p.Addr)
		agree := func(item string, theirs bool, ours ptls.ExtensionCheck, oursWant string) {
			if theirs != (ours.Result == oursWant) {
				t.Errorf("%s: %s: sslscan says %v, we say %s (%s)", name, item, theirs, ours.Result, ours.Evidence)
			}
		}
		// sslscan says "supports" for a server with one version too (its
		// lower-version hello is refused whatever the SCSV): only servers
		// with a version to fall back to are compared.
		switch fb := got[ptls.CheckFallbackSCSV]; {
		case fb.Result == ptls.ExtNotApplicable:
			t.Logf("%s: fallback SCSV not applicable (%s); sslscan's verdict is not compared", name, fb.Evidence)
		case strings.Contains(s, "Server supports TLS Fallback SCSV"):
			agree("fallback SCSV", true, got[ptls.CheckFallbackSCSV], ptls.ExtSupported)
		case strings.Contains(s, "Server does not support TLS Fallback SCSV"):
			agree("fallback SCSV", false, got[ptls.CheckFallbackSCSV], ptls.ExtSupported)
		default:
			t.Errorf("%s: no fallback SCSV verdict in sslscan's output:\n%s", name, s)
		}
		// sslscan 2.0.7 on OpenSSL 3.0 says "Session renegotiation not
		// supported" whenever its own client cannot complete a
		// renegotiation, whatever the server echoes: only its positive
		// answers are compared.
		if strings.Contains(s, "Secure session renegotiation supported") {
			agree("secure renegotiation", true, got[ptls.CheckRenegotiationInfo], ptls.ExtSupported)
		}
		if strings.Contains(s, "Insecure session renegotiation supported") {
			agree("insecure renegotiation", true, got[ptls.CheckInsecureRenegotiation], ptls.ExtSupported)
		}
		switch {
		case strings.Contains(s, "Compression disabled"):
			agree("compression", false, got[ptls.CheckCompression], ptls.ExtSupported)
		case strings.Contains(s, "Compression enabled"):
			agree("compression", true, got[ptls.CheckCompression], ptls.ExtSupported)
		default:
			t.Logf("%s: sslscan cannot test compression here (its OpenSSL lacks zlib); we say %s", name, got[ptls.CheckCompression].Result)
		}
	}
}

// TestExtensionsAgreeWithTestssl compares the items testssl.sh reports
// too, on servers configured each way: the extensions the server echoes
// (its "TLS extensions" list, from openssl s_client -tlsextdebug),
// secure renegotiation, OCSP stapling, CRIME (compression) and
// TLS_FALLBACK_SCSV where it has a lower version to try.
func TestExtensionsAgreeWithTestssl(t *testing.T) {
	if testing.Short() {
		t.Skip("testssl.sh takes half a minute a server")
	}
	bin := testenv.LookPath(t, "testssl")[0]
	ca := tlstest.NewCA(t)
	leaf := func() tls.Certificate {
		return ca.Issue(t, tlstest.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyType: tlstest.RSA2048})
	}
	c := leaf()
	staple := filepath.Join(t.TempDir(), "ocsp.der")
	if err := os.WriteFile(staple, ca.OCSPResponse(t, c, tlstest.OCSPGood), 0o644); err != nil {
		t.Fatal(err)
	}
	servers := []struct {
		name  string
		start func() *tlstest.Proc
	}{
		{"openssl TLS 1.2 and 1.3, stapling", func() *tlstest.Proc { return tlstest.OpenSSLWithCert(t, c, "-status_file", staple) }},
		{"openssl TLS 1.2 CBC, -no_etm", func() *tlstest.Proc {
			return tlstest.OpenSSLWithCert(t, leaf(), "-tls1_2", "-no_etm", "-cipher", "ECDHE-RSA-AES128-SHA")
		}},
		{"openssl TLS 1.2 CBC, encrypt-then-MAC", func() *tlstest.Proc {
			return tlstest.OpenSSLWithCert(t, leaf(), "-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA")
		}},
		{"nginx TLS 1.2, no stapling", func() *tlstest.Proc {
			return tlstest.Nginx(t, tlstest.NginxOptions{CA: ca, Protocols: "TLSv1.2"}).Proc
		}},
	}
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			p := s.start()
			got := extensions(t, p.Addr)
			out := filepath.Join(t.TempDir(), "testssl.json")
			cmd := exec.Command(bin, "--quiet", "--warnings", "off", "--color", "0", "--ip", "one", "--jsonfile", out, "-S", "-R", "-C", "-Z", p.Addr)
			if b, err := cmd.CombinedOutput(); err != nil && !fileExists(out) {
				t.Fatalf("testssl: %v\n%s", err, b)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var findings []struct{ ID, Finding string }
			if err := json.Unmarshal(data, &findings); err != nil {
				t.Fatalf("testssl's JSON: %v", err)
			}
			theirs := map[string]string{}
			for _, f := range findings {
				theirs[f.ID] = f.Finding
			}
			compared := 0
			agree := func(item string, they bool, ours ptls.ExtensionCheck) {
				compared++
				if they != (ours.Result == ptls.ExtSupported) {
					t.Errorf("%s: testssl says %v, we say %s (%s)", item, they, ours.Result, ours.Evidence)
				}
			}
			exts, ok := theirs["TLS_extensions"]
			if !ok {
				t.Fatalf("no TLS_extensions finding from testssl: %v", theirs)
			}
			for item, name := range map[string]string{
				ptls.CheckRenegotiationInfo:    "'renegotiation info/#65281'",
				ptls.CheckExtendedMasterSecret: "'extended master secret/#23'",
				ptls.CheckEncryptThenMAC:       "'encrypt-then-mac/#22'",
			} {
				if got[item].Result != ptls.ExtNotApplicable {
					agree(item+" echoed", strings.Contains(exts, name), got[item])
				}
			}
			switch f := theirs["OCSP_stapling"]; {
			case strings.HasPrefix(f, "offered"):
				agree("OCSP stapling", true, got[ptls.CheckStatusRequest])
			case strings.HasPrefix(f, "not offered"):
				agree("OCSP stapling", false, got[ptls.CheckStatusRequest])
			default:
				t.Errorf("OCSP_stapling: %q", f)
			}
			switch f := theirs["secure_renego"]; {
			case strings.HasPrefix(f, "supported"):
				agree("secure renegotiation", true, got[ptls.CheckRenegotiationInfo])
			case strings.Contains(f, "VULNERABLE"), strings.Contains(f, "not supported"):
				agree("secure renegotiation", false, got[ptls.CheckRenegotiationInfo])
			default:
				t.Errorf("secure_renego: %q", f)
			}
			switch f := theirs["CRIME_TLS"]; {
			case strings.HasPrefix(f, "not vulnerable"):
				agree("compression", false, got[ptls.CheckCompression])
			case strings.Contains(f, "VULNERABLE"):
				agree("compression", true, got[ptls.CheckCompression])
			default:
				t.Errorf("CRIME_TLS: %q", f)
			}
			if f := theirs["fallback_SCSV"]; got[ptls.CheckFallbackSCSV].Result != ptls.ExtNotApplicable && strings.HasPrefix(f, "supported") {
				agree("fallback SCSV", true, got[ptls.CheckFallbackSCSV])
			}
			if compared < 5 {
				t.Errorf("only %d items compared", compared)
			}
		})
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestExtensionsGnuTLS checks the answers that no OpenSSL or Go server
// gives against a real server configured to give them: GnuTLS's
// gnutls-serv without RFC 5746 (%DISABLE_SAFE_RENEGOTIATION: no
// renegotiation_info, and client-initiated renegotiation accepted without
// it), without encrypt-then-MAC (%NO_ETM), and with its defaults.
// gnutls-serv cannot be told to listen on loopback only, so it runs in a
// network namespace of its own that has nothing but loopback, and
// sc8probe, built here, runs beside it.
func TestExtensionsGnuTLS(t *testing.T) {
	testenv.Root(t)
	testenv.LookPath(t, "gnutls-serv", "unshare", "ip", "bash")
	dir := t.TempDir()
	probe := filepath.Join(dir, "sc8probe")
	if out, err := exec.Command("go", "build", "-o", probe, "../../../cmd/sc8probe").CombinedOutput(); err != nil {
		t.Fatalf("building sc8probe: %v\n%s", err, out)
	}
	ca := tlstest.NewCA(t)
	cf, kf := tlstest.WriteFiles(t, dir, "server", ca.Issue(t, tlstest.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, KeyType: tlstest.RSA2048}))
	plan := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(plan, []byte(`{"apiVersion": "sc8scan.dev/v1alpha1", "kind": "ProbePlan", "vantage": "test",
		"targets": [{"host": "127.0.0.1", "port": 24443, "scheme": "tls"}],
		"limits": {"connTimeout": "5s", "targetTimeout": "120s", "enumerate": true}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// The server in the background, the probe once its port answers.
	script := `ip link set lo up
gnutls-serv --port 24443 --x509certfile "$CERT" --x509keyfile "$KEY" --priority "$PRIORITY" >/dev/null 2>&1 &
for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/24443) 2>/dev/null && break; sleep 0.05; done
"$PROBE" -plan "$PLAN"
rc=$?
kill %1
exit $rc`
	cases := []struct {
		priority string
		want     map[string]string
	}{
		{"NORMAL:%DISABLE_SAFE_RENEGOTIATION:-VERS-TLS1.3", map[string]string{
			ptls.CheckRenegotiationInfo: ptls.ExtNotSupported, ptls.CheckInsecureRenegotiation: ptls.ExtSupported, ptls.CheckEncryptThenMAC: ptls.ExtSupported}},
		{"NORMAL:%NO_ETM:-VERS-TLS1.3", map[string]string{
			ptls.CheckRenegotiationInfo: ptls.ExtSupported, ptls.CheckInsecureRenegotiation: ptls.ExtNotSupported, ptls.CheckEncryptThenMAC: ptls.ExtNotSupported}},
		{"NORMAL", map[string]string{
			ptls.CheckRenegotiationInfo: ptls.ExtSupported, ptls.CheckInsecureRenegotiation: ptls.ExtNotSupported, ptls.CheckEncryptThenMAC: ptls.ExtSupported,
			ptls.CheckExtendedMasterSecret: ptls.ExtSupported, ptls.CheckFallbackSCSV: ptls.ExtSupported, ptls.CheckKeyShare: ptls.ExtSupported}},
	}
	for _, c := range cases {
		t.Run(c.priority, func(t *testing.T) {
			cmd := exec.Command("unshare", "--net", "bash", "-c", script)
			cmd.Env = append(os.Environ(), "CERT="+cf, "KEY="+kf, "PRIORITY="+c.priority, "PROBE="+probe, "PLAN="+plan)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("gnutls-serv and sc8probe: %v\n%s", err, stderr.String())
			}
			var rep evidence.ProbeReport
			if err := json.Unmarshal(out, &rep); err != nil || len(rep.Results) != 1 {
				t.Fatalf("probe report: %v, %d results\n%s", err, len(rep.Results), out)
			}
			got := map[string]string{}
			for _, e := range rep.Results[0].TLS.Extensions {
				if _, ok := c.want[e.Name]; ok {
					got[e.Name] = e.Result
				}
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				for _, e := range rep.Results[0].TLS.Extensions {
					t.Logf("%s: %s %s", e.Name, e.Result, e.Evidence)
				}
				t.Errorf("extension results against gnutls-serv --priority %s (-want +got):\n%s", c.priority, diff)
			}
		})
	}
}
