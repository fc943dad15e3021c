package tlstest_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/internal/schematest"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
	"github.com/sc8scan/sc8scan/pkg/internal/tlstest"
	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/sc8scan/sc8scan/probes/runner"
	"golang.org/x/crypto/ssh"
)

// These tests hold the probe engine to real servers: what each is
// configured with is exactly what the probe must report.

func probe(t *testing.T, caPEM []byte, targets ...plan.Target) []evidence.ProbeResult {
	t.Helper()
	// Generous deadlines: under CI the machine is loaded and the packaged
	// servers (Dovecot's login processes, slapd) answer slowly.
	p := plan.Plan{Vantage: "test", Targets: targets, CABundle: string(caPEM), Limits: plan.Limits{
		Enumerate: true, PerEndpoint: 2, ConnTimeout: plan.Duration(10 * time.Second), TargetTimeout: plan.Duration(120 * time.Second)}}
	rep, err := runner.Run(context.Background(), p, runner.WithClientAuthWait(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, evidence.ProbeReportSchema, doc)
	return rep.Results
}

// tlsFacts is what the enumeration tests compare.
type tlsFacts struct {
	Versions   []evidence.TLSVersion
	Groups     []string
	ClientAuth string
	KeyType    string
	Trusted    bool
}

func factsOf(r evidence.ProbeResult) tlsFacts {
	f := tlsFacts{Versions: r.TLS.Versions, Groups: r.TLS.Groups, ClientAuth: r.TLS.ClientAuth}
	if len(r.TLS.Certificates) > 0 {
		f.KeyType = r.TLS.Certificates[0].KeyType
	}
	f.Trusted = r.TLS.Verification != nil && r.TLS.Verification.Trusted && r.TLS.Verification.HostnameMatch
	return f
}

var (
	yes = true
	no  = false
)

func target(p *tlstest.Proc) plan.Target { return plan.Target{Host: p.Host, Port: p.Port} }

func TestOpenSSLServers(t *testing.T) {
	ca := tlstest.NewCA(t)
	cases := []struct {
		name string
		opts tlstest.OpenSSLOptions
		want tlsFacts
	}{
		{
			name: "TLS 1.0 legacy",
			opts: tlstest.OpenSSLOptions{Args: []string{"-tls1", "-cipher", "AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0", "-serverpref"}},
			want: tlsFacts{Versions: []evidence.TLSVersion{{Version: "TLSv1.0",
				CipherSuites: []string{"TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"}, ServerPreference: &yes}},
				Groups: []string{"x25519", "secp256r1", "x448", "secp521r1", "secp384r1"}, ClientAuth: "none", KeyType: "RSA", Trusted: true},
		},
		{
			name: "ECDSA only, TLS 1.2, server order, CCM",
			opts: tlstest.OpenSSLOptions{KeyType: tlstest.ECDSAP256, Args: []string{"-tls1_2", "-serverpref", "-groups", "P-384:P-256",
				"-cipher", "ECDHE-ECDSA-AES256-CCM:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA384"}},
			want: tlsFacts{Versions: []evidence.TLSVersion{{Version: "TLSv1.2", ServerPreference: &yes,
				CipherSuites: []string{"TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"}}},
				Groups: []string{"secp384r1", "secp256r1"}, ClientAuth: "none", KeyType: "ECDSA", Trusted: true},
		},
		{
			// Go's crypto/tls speaks neither DHE nor CCM: the chain and the
			// client-auth verdict come from the raw first flight.
			name: "DHE and CCM only, client order",
			opts: tlstest.OpenSSLOptions{Args: []string{"-tls1_2", "-cipher", "DHE-RSA-AES128-CCM:DHE-RSA-AES256-GCM-SHA384"}},
			want: tlsFacts{Versions: []evidence.TLSVersion{{Version: "TLSv1.2", ServerPreference: &no,
				CipherSuites: []string{"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_128_CCM"}}},
				// OpenSSL 3 uses an RFC 3526 MODP prime for TLS 1.2 DHE:
				// no IANA group to name.
				Groups: []string{}, ClientAuth: "none", KeyType: "RSA", Trusted: true},
		},
		{
			name: "TLS 1.3 CCM and groups",
			opts: tlstest.OpenSSLOptions{Args: []string{"-tls1_3", "-serverpref", "-groups", "P-384:X25519",
				"-ciphersuites", "TLS_AES_256_GCM_SHA384:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"}},
			want: tlsFacts{Versions: []evidence.TLSVersion{{Version: "TLSv1.3", ServerPreference: &yes,
				CipherSuites: []string{"TLS_AES_256_GCM_SHA384", "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"}}},
				Groups: []string{"secp384r1", "x25519"}, ClientAuth: "none", KeyType: "RSA", Trusted: true},
		},
		{
			name: "mTLS required on TLS 1.2",
			opts: tlstest.OpenSSLOptions{Args: []string{"-tls1_2", "-Verify", "1", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"}},
			want: tlsFacts{Versions: []evidence.TLSVersion{{Version: "TLSv1.2", CipherSuites: []string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}}},
				Groups: []string{"x25519", "secp256r1", "x448", "secp521r1", "secp384r1"}, ClientAuth: "required", KeyType: "RSA", Trusted: true},
		},
		{
			name: "mTLS required on TLS 1.3",
			opts: tlstest.OpenSSLOptions{Args: []string{"-tls1_3", "-Verify", "1", "-ciphersuites", "TLS_AES_128_GCM_SHA256", "-groups", "X25519"}},
			want: tlsFacts{Versions: []evidence.TLSVersion{{Version: "TLSv1.3", CipherSuites: []string{"TLS_AES_128_GCM_SHA256"}}},
				Groups: []string{"x25519"}, ClientAuth: "required", KeyType: "RSA", Trusted: true},
		},
		{
			name: "mTLS optional on TLS 1.3",
			opts: tlstest.OpenSSLOptions{Args: []string{"-tls1_3", "-verify", "1", "-ciphersuites", "TLS_AES_128_GCM_SHA256", "-groups", "X25519"}},
			want: tlsFacts{Versions: []evidence.TLSVersion{{Version: "TLSv1.3", CipherSuites: []string{"TLS_AES_128_GCM_SHA256"}}},
				Groups: []string{"x25519"}, ClientAuth: "optional", KeyType: "RSA", Trusted: true},
		},
	}
	// DHE with RFC 7919 parameters: the group is named from the prime.
	dh := filepath.Join(t.TempDir(), "ffdhe3072.pem")
	if out, err := exec.Command(testenv.LookPath(t, "openssl")[0], "genpkey", "-genparam", "-algorithm", "DH",
		"-pkeyopt", "group:ffdhe3072", "-out", dh).CombinedOutput(); err != nil {
		t.Fatalf("openssl genpkey: %v %s", err, out)
	}
	cases = append(cases, struct {
		name string
		opts tlstest.OpenSSLOptions
		want tlsFacts
	}{
		name: "DHE with ffdhe3072",
		opts: tlstest.OpenSSLOptions{Args: []string{"-tls1_2", "-dhparam", dh, "-cipher", "DHE-RSA-AES128-GCM-SHA256"}},
		want: tlsFacts{Versions: []evidence.TLSVersion{{Version: "TLSv1.2", CipherSuites: []string{"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"}}},
			Groups: []string{"ffdhe3072"}, ClientAuth: "none", KeyType: "RSA", Trusted: true},
	})
	var targets []plan.Target
	for _, c := range cases {
		c.opts.CA = ca
		targets = append(targets, target(tlstest.OpenSSL(t, c.opts)))
	}
	for i, r := range probe(t, ca.PEM, targets...) {
		c := cases[i]
		// Without -serverpref OpenSSL picks groups in the client's order:
		// compare the groups as sets, the suites in order.
		got, want := factsOf(r), c.want
		if diff := cmp.Diff(want.Groups, got.Groups, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("%s: groups (-want +got):\n%s", c.name, diff)
		}
		got.Groups, want.Groups = nil, nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s\nerrors: %v\nclient auth: %s", c.name, diff, r.Errors, r.TLS.ClientAuthEvidence)
		}
		if len(r.Errors) > 0 || !r.TLS.Enumerated {
			t.Errorf("%s: errors %v, enumerated %v", c.name, r.Errors, r.TLS.Enumerated)
		}
	}
}

func TestNginxServers(t *testing.T) {
	ca := tlstest.NewCA(t)
	required := tlstest.Nginx(t, tlstest.NginxOptions{CA: ca, Protocols: "TLSv1.2 TLSv1.3", PreferServer: true,
		Ciphers: "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256", Curves: "secp384r1:X25519", VerifyClient: "on"})
	optional := tlstest.Nginx(t, tlstest.NginxOptions{CA: ca, Protocols: "TLSv1.2", KeyType: tlstest.ECDSAP384,
		Ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256", Curves: "prime256v1", VerifyClient: "optional", Plaintext: true})
	rs := probe(t, ca.PEM, target(required.Proc), target(optional.Proc), plan.Target{Host: "127.0.0.1", Port: optional.PlainPort})
	want := []tlsFacts{
		{Versions: []evidence.TLSVersion{
			{Version: "TLSv1.3", CipherSuites: []string{"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"}, ServerPreference: &yes},
			{Version: "TLSv1.2", CipherSuites: []string{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, ServerPreference: &yes}},
			Groups: []string{"secp384r1", "x25519"}, ClientAuth: "required", KeyType: "RSA", Trusted: true},
		{Versions: []evidence.TLSVersion{{Version: "TLSv1.2", CipherSuites: []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}}},
			Groups: []string{"secp256r1"}, ClientAuth: "optional", KeyType: "ECDSA", Trusted: true},
	}
	for i, w := range want {
		if diff := cmp.Diff(w, factsOf(rs[i])); diff != "" {
			t.Errorf("nginx %d (-want +got):\n%s\nerrors %v", i, diff, rs[i].Errors)
		}
		if rs[i].Plaintext.Accepted || !rs[i].Plaintext.Tested {
			t.Errorf("nginx %d: plaintext %+v on a TLS port", i, rs[i].Plaintext)
		}
	}
	if len(rs[0].TLS.AcceptableCAs) != 1 || !strings.Contains(rs[0].TLS.AcceptableCAs[0], "sc8scan test CA") {
		t.Errorf("CA hints %v", rs[0].TLS.AcceptableCAs)
	}
	plain := rs[2]
	if diff := cmp.Diff(evidence.PlaintextProbe{Tested: true, Accepted: true, Protocol: "http/1.1", Evidence: "HTTP/1.1 200 status line in cleartext"}, plain.Plaintext); diff != "" {
		t.Errorf("cleartext nginx (-want +got):\n%s", diff)
	}
	if plain.TLS.Offered || !plain.TLS.Tested {
		t.Errorf("cleartext nginx TLS %+v", plain.TLS)
	}
}

func TestPostgresSTARTTLS(t *testing.T) {
	ca := tlstest.NewCA(t)
	sslOnly := tlstest.Postgres(t, tlstest.PostgresOptions{SSL: true, SSLOnly: true, CA: ca})
	plainOnly := tlstest.Postgres(t, tlstest.PostgresOptions{})
	rs := probe(t, ca.PEM,
		plan.Target{Host: sslOnly.Host, Port: sslOnly.Port, Scheme: "postgres"},
		plan.Target{Host: plainOnly.Host, Port: plainOnly.Port, AppProtocol: "postgresql"},
		plan.Target{Host: sslOnly.Host, Port: sslOnly.Port}, // no hint: found by probing
	)
	for i, r := range rs {
		t.Logf("postgres %d: plaintext %+v starttls %q tls %v errors %v", i, r.Plaintext, r.STARTTLS, r.TLS.Offered, r.Errors)
	}
	if r := rs[0]; r.STARTTLS != "postgres" || !r.TLS.Offered || len(r.TLS.Versions) == 0 || !r.TLS.Enumerated ||
		r.Plaintext.Accepted || !r.Plaintext.Tested || !strings.Contains(r.Plaintext.Evidence, "pg_hba") || !factsOf(r).Trusted || len(r.Errors) > 0 {
		t.Errorf("SSL-only postgres: %+v", r)
	}
	if r := rs[1]; r.Plaintext.Protocol != "postgres" || !r.Plaintext.Accepted || r.TLS.Offered || !r.TLS.Tested {
		t.Errorf("cleartext postgres: plaintext %+v tls %+v errors %v", r.Plaintext, r.TLS, r.Errors)
	}
	if r := rs[2]; r.STARTTLS != "postgres" || !r.TLS.Offered || r.Plaintext.Accepted || len(r.Errors) > 0 {
		t.Errorf("unhinted SSL-only postgres: starttls %q tls %v plaintext %+v errors %v", r.STARTTLS, r.TLS.Offered, r.Plaintext, r.Errors)
	}
}

func TestSSHServer(t *testing.T) {
	s := tlstest.NewSSHServer(t, ssh.Config{
		KeyExchanges: []string{"curve25519-sha256", "ecdh-sha2-nistp384"},
		Ciphers:      []string{"aes256-gcm@openssh.com", "aes128-ctr"},
		MACs:         []string{"hmac-sha2-256-etm@openssh.com"},
	})
	rs := probe(t, nil, plan.Target{Host: s.Host, Port: s.Port, Scheme: "ssh"}, plan.Target{Host: s.Host, Port: s.Port})
	for i, r := range rs {
		if r.SSH == nil {
			t.Fatalf("target %d: no SSH result, errors %v", i, r.Errors)
		}
		got := *r.SSH
		got.Banner = ""
		want := evidence.SSHProbe{
			Kex:      []string{"curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp384"},
			HostKeys: []string{"ssh-ed25519"},
			Ciphers:  []string{"aes256-gcm@openssh.com", "aes128-ctr"},
			MACs:     []string{"hmac-sha2-256-etm@openssh.com"},
		}
		// x/crypto/ssh appends its strict-KEX and ext-info markers.
		if diff := cmp.Diff(want, got, cmpopts.IgnoreSliceElements(func(s string) bool {
			return strings.Contains(s, "@openssh.com") && strings.HasPrefix(s, "kex-strict") || strings.HasPrefix(s, "ext-info")
		})); diff != "" {
			t.Errorf("target %d SSH (-want +got):\n%s", i, diff)
		}
		if r.Plaintext.Accepted || r.TLS.Offered || !r.TLS.Tested {
			t.Errorf("target %d: plaintext %+v tls %+v", i, r.Plaintext, r.TLS)
		}
	}
}

func TestGoServerMLKEMAndPermissive(t *testing.T) {
	s := tlstest.NewServer(t, tlstest.Options{MinVersion: tls.VersionTLS13, Plaintext: true,
		Curves: []tls.CurveID{tls.X25519MLKEM768, tls.CurveP256}})
	rs := probe(t, s.CA.PEM, plan.Target{Host: s.Host, Port: s.Port, ServerName: "localhost"})
	r := rs[0]
	if diff := cmp.Diff([]string{"X25519MLKEM768", "secp256r1"}, r.TLS.Groups, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	if !r.Plaintext.Accepted || r.Plaintext.Protocol != "http/1.1" || !r.TLS.Offered {
		t.Errorf("PERMISSIVE port: plaintext %+v TLS offered %v", r.Plaintext, r.TLS.Offered)
	}
	if v := r.TLS.Verification; v == nil || !v.Checked || !v.Trusted || !v.HostnameMatch || v.Name != "localhost" {
		t.Errorf("verification %+v", v)
	}
	var fips *evidence.ProfileResult
	for i := range r.TLS.Profiles {
		if r.TLS.Profiles[i].Profile == "fips140-3-go" {
			fips = &r.TLS.Profiles[i]
		}
	}
	if fips == nil {
		t.Fatalf("no FIPS profile result: %+v", r.TLS.Profiles)
	}
	for _, it := range fips.Items {
		if it.Value == "TLS_CHACHA20_POLY1305_SHA256" && it.Allowed {
			t.Errorf("FIPS profile allows ChaCha20")
		}
		if it.Value == "X25519MLKEM768" && !it.Allowed {
			t.Errorf("FIPS profile refuses X25519MLKEM768")
		}
	}
}

func TestMySQLSTARTTLS(t *testing.T) {
	ca := tlstest.NewCA(t)
	withTLS := tlstest.MySQL(t, tlstest.MySQLOptions{SSL: true, CA: ca})
	without := tlstest.MySQL(t, tlstest.MySQLOptions{})
	rs := probe(t, ca.PEM,
		plan.Target{Host: withTLS.Host, Port: withTLS.Port, Scheme: "mysql"},
		plan.Target{Host: withTLS.Host, Port: withTLS.Port}, // found by its greeting
		plan.Target{Host: without.Host, Port: without.Port, AppProtocol: "mysql"},
	)
	for i, r := range rs[:2] {
		if r.STARTTLS != "mysql" || !r.TLS.Offered || !r.TLS.Enumerated || len(r.TLS.Versions) == 0 || !factsOf(r).Trusted ||
			r.Plaintext.Protocol != "mysql" || !strings.Contains(r.Plaintext.Evidence, "offers TLS") || len(r.Errors) > 0 {
			t.Errorf("MariaDB with TLS, target %d: starttls %q tls %+v plaintext %+v errors %v", i, r.STARTTLS, r.TLS, r.Plaintext, r.Errors)
		}
	}
	if r := rs[2]; r.STARTTLS != "" || r.TLS.Offered || !r.TLS.Tested || !r.Plaintext.Accepted ||
		!strings.Contains(r.Plaintext.Evidence, "does not offer TLS") {
		t.Errorf("MariaDB without TLS: starttls %q tls %+v plaintext %+v errors %v", r.STARTTLS, r.TLS, r.Plaintext, r.Errors)
	}
}

func TestMailFTPAndLDAPSTARTTLS(t *testing.T) {
	ca := tlstest.NewCA(t)
	mail := tlstest.Dovecot(t, ca)
	ftp := tlstest.FTPS(t, ca)
	ldap := tlstest.LDAP(t, ca)
	cases := []struct {
		target plan.Target
		proto  string
	}{
		{plan.Target{Host: mail.IMAP.Host, Port: mail.IMAP.Port, Scheme: "imap"}, "imap"},
		{plan.Target{Host: mail.IMAP.Host, Port: mail.IMAP.Port}, "imap"},
		{plan.Target{Host: mail.POP3.Host, Port: mail.POP3.Port, Scheme: "pop3"}, "pop3"},
		{plan.Target{Host: mail.POP3.Host, Port: mail.POP3.Port}, "pop3"},
		{plan.Target{Host: ftp.Host, Port: ftp.Port, Scheme: "ftp"}, "ftp"},
		{plan.Target{Host: ftp.Host, Port: ftp.Port}, "ftp"},
		{plan.Target{Host: ldap.Host, Port: ldap.Port, Scheme: "ldap"}, "ldap"},
		{plan.Target{Host: ldap.Host, Port: ldap.Port}, "ldap"},
	}
	var targets []plan.Target
	for _, c := range cases {
		targets = append(targets, c.target)
	}
	for i, r := range probe(t, ca.PEM, targets...) {
		c := cases[i]
		if r.STARTTLS != c.proto || !r.TLS.Offered || !r.TLS.Enumerated || len(r.TLS.Versions) == 0 || !factsOf(r).Trusted ||
			!r.Plaintext.Accepted || r.Plaintext.Protocol != c.proto || len(r.Errors) > 0 {
			t.Errorf("%s target %d: starttls %q tls %+v plaintext %+v errors %v", c.proto, i, r.STARTTLS, r.TLS, r.Plaintext, r.Errors)
		}
	}
}
