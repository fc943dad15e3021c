package runner_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/sc8scan/sc8scan/probes/runner"
)

func tlsServer(t testing.TB, cfg *tls.Config) (string, int) {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	s.TLS = cfg
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return hostPort(t, s.Listener.Addr())
}

func hostPort(t testing.TB, a net.Addr) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(a.String())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

// rawServer runs handle on every connection of a loopback listener.
func rawServer(t *testing.T, handle func(net.Conn)) (string, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				go func() { <-done; c.Close() }()
				handle(c)
			}()
		}
	}()
	return hostPort(t, ln.Addr())
}

func run(t *testing.T, enumerate bool, targets ...plan.Target) *evidence.ProbeReport {
	t.Helper()
	p := plan.Plan{Vantage: "test", Targets: targets, Limits: plan.Limits{
		Enumerate: enumerate, ConnTimeout: plan.Duration(2 * time.Second), TargetTimeout: plan.Duration(20 * time.Second)}}
	rep, err := runner.Run(context.Background(), p, runner.WithClientAuthWait(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != len(targets) {
		t.Fatalf("%d results for %d targets", len(rep.Results), len(targets))
	}
	return rep
}

// verdict is the part of a result the classification tests compare.
type verdict struct {
	PlaintextTested, PlaintextAccepted bool
	PlaintextProtocol                  string
	TLSTested, TLSOffered              bool
	ClientAuth                         string
	Versions                           []string
	HasCert                            bool
}

func verdictOf(r evidence.ProbeResult) verdict {
	v := verdict{
		PlaintextTested: r.Plaintext.Tested, PlaintextAccepted: r.Plaintext.Accepted, PlaintextProtocol: r.Plaintext.Protocol,
		TLSTested: r.TLS.Tested, TLSOffered: r.TLS.Offered, ClientAuth: r.TLS.ClientAuth, HasCert: len(r.TLS.Certificates) > 0,
	}
	for _, tv := range r.TLS.Versions {
		v.Versions = append(v.Versions, tv.Version)
	}
	return v
}

func TestClassification(t *testing.T) {
	tlsOnly := func(min, max uint16, auth tls.ClientAuthType) plan.Target {
		h, p := tlsServer(t, &tls.Config{MinVersion: min, MaxVersion: max, ClientAuth: auth})
		return plan.Target{Host: h, Port: p}
	}
	plainHTTP := func() plan.Target {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		t.Cleanup(s.Close)
		h, p := hostPort(t, s.Listener.Addr())
		return plan.Target{Host: h, Port: p}
	}
	cases := []struct {
		name   string
		target plan.Target
		want   verdict
	}{
		{"tls13 no client auth", tlsOnly(tls.VersionTLS13, tls.VersionTLS13, tls.NoClientCert),
			verdict{PlaintextTested: true, TLSTested: true, TLSOffered: true, ClientAuth: "none", Versions: []string{"TLSv1.3"}, HasCert: true}},
		{"tls12 no client auth", tlsOnly(tls.VersionTLS12, tls.VersionTLS12, tls.NoClientCert),
			verdict{PlaintextTested: true, TLSTested: true, TLSOffered: true, ClientAuth: "none", Versions: []string{"TLSv1.2"}, HasCert: true}},
		{"tls13 client cert required", tlsOnly(tls.VersionTLS13, tls.VersionTLS13, tls.RequireAnyClientCert),
			verdict{PlaintextTested: true, TLSTested: true, TLSOffered: true, ClientAuth: "required", Versions: []string{"TLSv1.3"}, HasCert: true}},
		{"tls12 client cert required", tlsOnly(tls.VersionTLS12, tls.VersionTLS12, tls.RequireAnyClientCert),
			verdict{PlaintextTested: true, TLSTested: true, TLSOffered: true, ClientAuth: "required", Versions: []string{"TLSv1.2"}, HasCert: true}},
		{"tls13 client cert optional", tlsOnly(tls.VersionTLS13, tls.VersionTLS13, tls.VerifyClientCertIfGiven),
			verdict{PlaintextTested: true, TLSTested: true, TLSOffered: true, ClientAuth: "optional", Versions: []string{"TLSv1.3"}, HasCert: true}},
		{"tls12 client cert optional", tlsOnly(tls.VersionTLS12, tls.VersionTLS12, tls.RequestClientCert),
			verdict{PlaintextTested: true, TLSTested: true, TLSOffered: true, ClientAuth: "optional", Versions: []string{"TLSv1.2"}, HasCert: true}},
		{"plaintext http", plainHTTP(),
			verdict{PlaintextTested: true, PlaintextAccepted: true, PlaintextProtocol: "http/1.1", TLSTested: true, ClientAuth: "unknown"}},
		{"permissive", permissive(t),
			verdict{PlaintextTested: true, PlaintextAccepted: true, PlaintextProtocol: "http/1.1", TLSTested: true, TLSOffered: true, ClientAuth: "none", Versions: []string{"TLSv1.3"}, HasCert: true}},
	}
	var targets []plan.Target
	for _, c := range cases {
		targets = append(targets, c.target)
	}
	rep := run(t, false, targets...)
	for i, c := range cases {
		r := rep.Results[i]
		if diff := cmp.Diff(c.want, verdictOf(r)); diff != "" {
			t.Errorf("%s: verdict (-want +got):\n%s\nerrors: %v\nclient auth evidence: %s", c.name, diff, r.Errors, r.TLS.ClientAuthEvidence)
		}
		if r.Target.Host != c.target.Host || r.Target.Port != c.target.Port || r.Vantage != "test" {
			t.Errorf("%s: target %+v vantage %q", c.name, r.Target, r.Vantage)
		}
	}
}

// permissive accepts TLS and cleartext HTTP on one port, like an Istio
// PERMISSIVE sidecar.
func permissive(t *testing.T) plan.Target {
	t.Helper()
	s := httptest.NewUnstartedServer(nil)
	s.StartTLS() // for its certificate
	cfg := s.TLS
	s.Close()
	h, p := rawServer(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(c)
		b, err := br.Peek(1)
		if err != nil {
			return
		}
		conn := net.Conn(&peeked{Conn: c, r: br})
		if b[0] == 0x16 {
			tc := tls.Server(conn, cfg)
			if tc.Handshake() != nil {
				return
			}
			conn = tc
		}
		r := bufio.NewReader(conn)
		for {
			l, err := r.ReadString('\n')
			if err != nil || l == "\r\n" {
				break
			}
		}
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	})
	return plan.Target{Host: h, Port: p}
}

type peeked struct {
	net.Conn
	r io.Reader
}

func (p *peeked) Read(b []byte) (int, error) { return p.r.Read(b) }

func TestBadPeers(t *testing.T) {
	silentH, silentP := rawServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	garbageH, garbageP := rawServer(t, func(c net.Conn) {
		c.Write([]byte(strings.Repeat("\x00\xff\x13\x37", 64)))
		io.Copy(io.Discard, c)
	})
	resetH, resetP := rawServer(t, func(c net.Conn) {
		c.(*net.TCPConn).SetLinger(0)
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closedH, closedP := hostPort(t, ln.Addr())
	ln.Close()
	hangupH, hangupP := rawServer(t, func(c net.Conn) { c.Read(make([]byte, 1)) }) // reads, then closes
	targets := []plan.Target{
		{Host: silentH, Port: silentP}, {Host: garbageH, Port: garbageP}, {Host: resetH, Port: resetP},
		{Host: closedH, Port: closedP}, {Host: "no-such-host.invalid", Port: 443}, {Host: hangupH, Port: hangupP},
	}
	// Only the ports that accept and then drop every connection are
	// "reset all": silence, garbage and a closed port are something else.
	wantResetAll := []bool{false, false, true, false, false, true}
	// Tests reach only loopback: name lookups fail without asking a DNS
	// server.
	noDNS := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS server in tests")
	}}
	start := time.Now()
	p := plan.Plan{Targets: targets, Limits: plan.Limits{Enumerate: true, ConnTimeout: plan.Duration(2 * time.Second)}}
	rep, err := runner.Run(context.Background(), p, runner.WithDialer((&net.Dialer{Resolver: noDNS}).DialContext))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("bad peers took %s", d)
	}
	for i, r := range rep.Results {
		if r.TLS.Offered || r.Plaintext.Accepted {
			t.Errorf("target %d: TLS offered %v, plaintext accepted %v", i, r.TLS.Offered, r.Plaintext.Accepted)
		}
		if r.TLS.Tested && i != 1 {
			t.Errorf("target %d: TLS marked tested", i)
		}
		if len(r.Errors) == 0 {
			t.Errorf("target %d: no error recorded", i)
		}
		if r.ResetAll != wantResetAll[i] {
			t.Errorf("target %d: resetAll %v, want %v (errors %v)", i, r.ResetAll, wantResetAll[i], r.Errors)
		}
	}
	if got := strings.Join(rep.Results[3].Errors, " "); !strings.Contains(got, "connection refused") {
		t.Errorf("closed port errors: %s", got)
	}
	if got := strings.Join(rep.Results[4].Errors, " "); !strings.Contains(got, "resolve") {
		t.Errorf("unresolvable host errors: %s", got)
	}
}

func TestInvalidPlan(t *testing.T) {
	for name, p := range map[string]plan.Plan{
		"no host":    {Targets: []plan.Target{{Port: 1}}},
		"bad port":   {Targets: []plan.Target{{Host: "a", Port: 70000}}},
		"bad scheme": {Targets: []plan.Target{{Host: "a", Port: 1, Scheme: "gopher"}}},
		"bad ca":     {CABundle: "nope", Targets: []plan.Target{{Host: "a", Port: 1}}},
	} {
		if _, err := runner.Run(context.Background(), p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
