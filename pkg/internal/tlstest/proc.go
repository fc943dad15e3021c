package tlstest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// Proc is a real server program listening on a loopback port.
type Proc struct {
	Host string
	Port int
	Addr string
	CA   *CA
	cmd  *exec.Cmd
	out  *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 64<<10 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln := listen(t)
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}

// start runs argv (as user, when not empty) and waits until port accepts
// connections. The process is killed when the test ends.
func start(t testing.TB, port int, user string, dir string, argv ...string) *Proc {
	t.Helper()
	return startEnv(t, port, user, dir, nil, argv...)
}

// startEnv is start with env added to the program's environment.
func startEnv(t testing.TB, port int, user string, dir string, env []string, argv ...string) *Proc {
	t.Helper()
	if user != "" {
		argv = append([]string{"runuser", "-u", user, "--"}, argv...)
	}
	p := &Proc{Host: "127.0.0.1", Port: port, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), out: &lockedBuffer{}}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = dir
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", argv[0], err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		// Signal the process group this test started, by its id.
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			t.Fatalf("%s exited early: %v\n%s", argv[0], err, p.out.String())
		default:
		}
		c, err := net.DialTimeout("tcp", p.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s within 15s:\n%s", argv[0], p.Addr, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Output is what the program wrote so far (bounded).
func (p *Proc) Output() string { return p.out.String() }

// OpenSSLOptions configure an openssl s_server.
type OpenSSLOptions struct {
	// KeyType of the server certificate (default RSA2048).
	KeyType string
	// Args are extra s_server arguments: -tls1_2, -cipher ..., -ciphersuites
	// ..., -groups ..., -serverpref, -Verify 1, -verify 1.
	Args []string
	CA   *CA
}

// OpenSSL starts `openssl s_server -www` with a certificate from a test
// CA. It skips (or fails under CI) when openssl is missing.
func OpenSSL(t testing.TB, o OpenSSLOptions) *Proc {
	t.Helper()
	bin := testenv.LookPath(t, "openssl")[0]
	if o.KeyType == "" {
		o.KeyType = RSA2048
	}
	ca := o.CA
	if ca == nil {
		ca = NewCA(t)
	}
	dir := t.TempDir()
	cert := ca.Issue(t, CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyType: o.KeyType})
	cf, kf := WriteFiles(t, dir, "server", cert)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	port := FreePort(t)
	argv := []string{bin, "s_server", "-quiet", "-www", "-accept", fmt.Sprintf("127.0.0.1:%d", port),
		"-cert", cf, "-key", kf, "-CAfile", caFile}
	argv = append(argv, o.Args...)
	p := start(t, port, "", dir, argv...)
	p.CA = ca
	return p
}

// NginxOptions configure an nginx TLS server block.
type NginxOptions struct {
	KeyType string
	// Protocols, Ciphers, Curves and PreferServer map to ssl_protocols,
	// ssl_ciphers, ssl_ecdh_curve and ssl_prefer_server_ciphers.
	Protocols    string
	Ciphers      string
	Curves       string
	PreferServer bool
	// VerifyClient is ssl_verify_client: "off" (default), "on",
	// "optional", "optional_no_ca".
	VerifyClient string
	// Plaintext adds a cleartext listener; its port is PlainPort.
	Plaintext bool
	// Staple, when set (OCSPGood, OCSPRevoked, OCSPUnknown), staples an
	// OCSP response of that status made by `openssl ocsp`
	// (ssl_stapling_file).
	Staple string
	CA     *CA
}

// NginxProc is a running nginx.
type NginxProc struct {
	*Proc
	PlainPort int
}

// Nginx starts nginx in the foreground with one TLS server block (and a
// cleartext one when asked), answering 200 to every request.
func Nginx(t testing.TB, o NginxOptions) *NginxProc {
	t.Helper()
	bin := testenv.LookPath(t, "nginx")[0]
	if o.KeyType == "" {
		o.KeyType = RSA2048
	}
	ca := o.CA
	if ca == nil {
		ca = NewCA(t)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cert := ca.Issue(t, CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyType: o.KeyType})
	cf, kf := WriteFiles(t, dir, "server", cert)
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, ca.PEM, 0o644)
	port := FreePort(t)
	var b strings.Builder
	fmt.Fprintf(&b, "daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log;\n", dir, dir)
	fmt.Fprintf(&b, "events { worker_connections 256; }\nhttp {\n access_log off;\n client_body_temp_path %[1]s;\n proxy_temp_path %[1]s;\n fastcgi_temp_path %[1]s;\n uwsgi_temp_path %[1]s;\n scgi_temp_path %[1]s;\n", dir)
	fmt.Fprintf(&b, " server {\n  listen 127.0.0.1:%d ssl;\n  ssl_certificate %s;\n  ssl_certificate_key %s;\n", port, cf, kf)
	if o.Protocols != "" {
		fmt.Fprintf(&b, "  ssl_protocols %s;\n", o.Protocols)
	}
	if o.Ciphers != "" {
		fmt.Fprintf(&b, "  ssl_ciphers %s;\n", o.Ciphers)
	}
	if o.Curves != "" {
		fmt.Fprintf(&b, "  ssl_ecdh_curve %s;\n", o.Curves)
	}
	if o.PreferServer {
		b.WriteString("  ssl_prefer_server_ciphers on;\n")
	}
	if o.Staple != "" {
		staple := filepath.Join(dir, "ocsp.der")
		if err := os.WriteFile(staple, ca.OCSPResponse(t, cert, o.Staple), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "  ssl_stapling on;\n  ssl_stapling_file %s;\n", staple)
	}
	if o.VerifyClient != "" && o.VerifyClient != "off" {
		fmt.Fprintf(&b, "  ssl_verify_client %s;\n  ssl_client_certificate %s;\n", o.VerifyClient, caFile)
	}
	b.WriteString("  location / { return 200 \"ok\\n\"; }\n }\n")
	np := &NginxProc{}
	if o.Plaintext {
		np.PlainPort = FreePort(t)
		fmt.Fprintf(&b, " server {\n  listen 127.0.0.1:%d;\n  location / { return 200 \"ok\\n\"; }\n }\n", np.PlainPort)
	}
	b.WriteString("}\n")
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	np.Proc = start(t, port, "", dir, bin, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log"))
	np.CA = ca
	return np
}

// PostgresOptions configure a throwaway PostgreSQL cluster.
type PostgresOptions struct {
	// SSL turns ssl on with a test CA's certificate.
	SSL bool
	// SSLOnly lets only TLS connections in (hostssl in pg_hba.conf).
	SSLOnly bool
	CA      *CA
}

// Postgres initialises a cluster in a temporary directory as the postgres
// user and starts it on a loopback port.
func Postgres(t testing.TB, o PostgresOptions) *Proc {
	t.Helper()
	testenv.Root(t)
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		testenv.Missing(t, "PostgreSQL server binaries (initdb) are not installed")
	}
	bindir := filepath.Dir(matches[len(matches)-1])
	testenv.LookPath(t, "runuser")
	ca := o.CA
	if ca == nil {
		ca = NewCA(t)
	}
	root := t.TempDir()
	// The postgres user must reach the directory through the test's
	// private parent.
	os.Chmod(filepath.Dir(root), 0o755)
	os.Chmod(root, 0o755)
	data := filepath.Join(root, "data")
	run := func(argv ...string) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--"}, argv...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", argv[0], err, out)
		}
	}
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	chown(t, root, "postgres")
	run(filepath.Join(bindir, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
	hba := "local all all trust\n"
	if o.SSLOnly {
		hba += "hostssl all all 127.0.0.1/32 trust\n"
	} else {
		hba += "host all all 127.0.0.1/32 trust\n"
	}
	os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600)
	port := FreePort(t)
	args := []string{filepath.Join(bindir, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", root,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "shared_buffers=8MB", "-c", "max_connections=20"}
	if o.SSL {
		cert := ca.Issue(t, CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
		cf, kf := WriteFiles(t, data, "server", cert)
		chown(t, data, "postgres")
		args = append(args, "-c", "ssl=on", "-c", "ssl_cert_file="+cf, "-c", "ssl_key_file="+kf)
	} else {
		chown(t, data, "postgres")
	}
	p := start(t, port, "postgres", root, args...)
	p.CA = ca
	// Listening is not ready: during recovery the server answers every
	// startup with "the database system is starting up".
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := exec.Command(filepath.Join(bindir, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-t", "2").Run()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres on %s not ready within 30s: %v\n%s", p.Addr, err, p.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return p
}

func chown(t testing.TB, dir, user string) {
	t.Helper()
	out, err := exec.Command("chown", "-R", user+":", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("chown %s: %v %s", dir, err, out)
	}
}

// MySQLOptions configure a throwaway MariaDB server.
type MySQLOptions struct {
	// SSL gives the server a certificate from CA, so it offers TLS.
	SSL bool
	CA  *CA
}

// MySQL initialises a MariaDB data directory as the mysql user and starts
// mariadbd on a loopback port.
func MySQL(t testing.TB, o MySQLOptions) *Proc {
	t.Helper()
	testenv.Root(t)
	bins := testenv.LookPath(t, "mariadb-install-db", "mariadbd", "runuser")
	ca := o.CA
	if ca == nil {
		ca = NewCA(t)
	}
	root := t.TempDir()
	os.Chmod(filepath.Dir(root), 0o755)
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	args := []string{bins[1], "--no-defaults", "--datadir=" + data, "--socket=" + filepath.Join(root, "sock"),
		"--bind-address=127.0.0.1", "--pid-file=" + filepath.Join(root, "pid"), "--log-error=" + filepath.Join(root, "error.log"),
		"--skip-name-resolve", "--innodb-buffer-pool-size=16M"}
	if o.SSL {
		cert := ca.Issue(t, CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
		cf, kf := WriteFiles(t, root, "server", cert)
		args = append(args, "--ssl-cert="+cf, "--ssl-key="+kf)
	}
	chown(t, root, "mysql")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bins[0], "--no-defaults", "--user=mysql", "--datadir="+data,
		"--skip-test-db", "--auth-root-authentication-method=normal").CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	port := FreePort(t)
	args = append(args, "--port="+strconv.Itoa(port))
	p := start(t, port, "mysql", root, args...)
	p.CA = ca
	return p
}

// FTPS starts vsftpd on a loopback port with explicit TLS (AUTH TLS) and
// anonymous logins into an empty directory.
func FTPS(t testing.TB, ca *CA) *Proc {
	t.Helper()
	testenv.Root(t)
	bin := testenv.LookPath(t, "vsftpd")[0]
	if ca == nil {
		ca = NewCA(t)
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o555)
	cert := ca.Issue(t, CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	cf, kf := WriteFiles(t, dir, "server", cert)
	port := FreePort(t)
	conf := fmt.Sprintf(`listen=YES
listen_address=127.0.0.1
listen_port=%d
background=NO
anonymous_enable=YES
anon_root=%s
no_anon_password=YES
local_enable=NO
ssl_enable=YES
rsa_cert_file=%s
rsa_private_key_file=%s
secure_chroot_dir=%s
xferlog_enable=NO
seccomp_sandbox=NO
`, port, empty, cf, kf, empty)
	path := filepath.Join(dir, "vsftpd.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, port, "", dir, bin, path)
	p.CA = ca
	return p
}

// Mail is a Dovecot serving IMAP and POP3 with STARTTLS.
type Mail struct {
	IMAP, POP3 *Proc
}

// Dovecot starts dovecot in the foreground with IMAP and POP3 listeners on
// loopback ports offering STARTTLS.
func Dovecot(t testing.TB, ca *CA) *Mail {
	t.Helper()
	testenv.Root(t)
	bin := testenv.LookPath(t, "dovecot")[0]
	if ca == nil {
		ca = NewCA(t)
	}
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	cert := ca.Issue(t, CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	cf, kf := WriteFiles(t, dir, "server", cert)
	imap, pop3 := FreePort(t), FreePort(t)
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <%[2]s
ssl_key = <%[3]s
mail_location = maildir:%[1]s/mail
passdb {
  driver = static
  args = nopassword=n
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=%[1]s/home
}
service imap-login {
  service_count = 0
  process_min_avail = 2
  client_limit = 256
  inet_listener imap {
    port = %[4]d
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  service_count = 0
  process_min_avail = 2
  client_limit = 256
  inet_listener pop3 {
    port = %[5]d
  }
  inet_listener pop3s {
    port = 0
  }
}
`, dir, cf, kf, imap, pop3)
	path := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &Mail{IMAP: start(t, imap, "", dir, bin, "-F", "-c", path)}
	m.IMAP.CA = ca
	// The same process listens on the POP3 port.
	m.POP3 = &Proc{Host: "127.0.0.1", Port: pop3, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(pop3)), CA: ca, out: m.IMAP.out}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", m.POP3.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dovecot did not listen on %s", m.POP3.Addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return m
}

// LDAP starts OpenLDAP's slapd in the foreground on a loopback port with
// StartTLS and no database (the root DSE and extended operations only).
func LDAP(t testing.TB, ca *CA) *Proc {
	t.Helper()
	testenv.Root(t)
	bin := testenv.LookPath(t, "slapd")[0]
	if ca == nil {
		ca = NewCA(t)
	}
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	cert := ca.Issue(t, CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	cf, kf := WriteFiles(t, dir, "server", cert)
	os.Chmod(kf, 0o644) // slapd may drop to the openldap user
	conf := fmt.Sprintf("include /etc/ldap/schema/core.schema\npidfile %[1]s/slapd.pid\nargsfile %[1]s/slapd.args\nTLSCertificateFile %[2]s\nTLSCertificateKeyFile %[3]s\n", dir, cf, kf)
	path := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	port := FreePort(t)
	p := start(t, port, "", dir, bin, "-d", "0", "-f", path, "-h", fmt.Sprintf("ldap://127.0.0.1:%d/", port))
	p.CA = ca
	return p
}
