package runner_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/probes/plan"
)

// smtpServer speaks the SMTP STARTTLS exchange (RFC 3207) and then real
// crypto/tls; no SMTP server package is installed on the test machines.
func smtpServer(t *testing.T, offerTLS bool) (string, int) {
	s := httptest.NewUnstartedServer(nil)
	s.StartTLS()
	cfg := s.TLS.Clone()
	s.Close()
	return rawServer(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "220 mx.test ESMTP\r\n")
		r := bufio.NewReader(c)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(strings.TrimSpace(l)); {
			case strings.HasPrefix(cmd, "EHLO"):
				if offerTLS {
					io.WriteString(c, "250-mx.test\r\n250 STARTTLS\r\n")
				} else {
					io.WriteString(c, "250 mx.test\r\n")
				}
			case cmd == "STARTTLS" && offerTLS:
				io.WriteString(c, "220 go ahead\r\n")
				tls.Server(c, cfg).Handshake()
				return
			default:
				io.WriteString(c, "502 unknown command\r\n")
			}
		}
	})
}

func TestSTARTTLSFoundByGreeting(t *testing.T) {
	h1, p1 := smtpServer(t, true)
	h2, p2 := smtpServer(t, false)
	rs := run(t, true, plan.Target{Host: h1, Port: p1}, plan.Target{Host: h2, Port: p2, Scheme: "smtp"}).Results
	if r := rs[0]; r.STARTTLS != "smtp" || !r.TLS.Offered || !r.TLS.Enumerated || len(r.TLS.Versions) != 2 ||
		!r.Plaintext.Accepted || r.Plaintext.Protocol != "smtp" {
		t.Errorf("SMTP with STARTTLS: starttls %q tls %+v plaintext %+v errors %v", r.STARTTLS, r.TLS, r.Plaintext, r.Errors)
	}
	if r := rs[1]; r.STARTTLS != "" || r.TLS.Offered || !r.TLS.Tested || !r.Plaintext.Accepted ||
		!strings.Contains(strings.Join(r.Errors, " "), "does not offer STARTTLS") {
		t.Errorf("SMTP without STARTTLS: starttls %q tls %+v plaintext %+v errors %v", r.STARTTLS, r.TLS, r.Plaintext, r.Errors)
	}
}

func TestIPv6Literal(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	s := httptest.NewUnstartedServer(nil)
	s.Listener.Close()
	s.Listener = ln
	s.StartTLS()
	defer s.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	r := run(t, false, plan.Target{Host: "::1", Port: p}).Results[0]
	if !r.TLS.Offered || len(r.TLS.Certificates) == 0 || r.Target.Host != "::1" {
		t.Errorf("IPv6 target: %+v errors %v", r.TLS, r.Errors)
	}
}

// istioStrict stands in for an Istio STRICT sidecar, which no test machine
// can run: TLS whose ClientHello does not offer the istio ALPN, and any
// cleartext, find no filter chain and are closed; the mTLS chain requires a
// client certificate.
func istioStrict(t *testing.T) (string, int) {
	s := httptest.NewUnstartedServer(nil)
	s.StartTLS()
	cfg := s.TLS.Clone()
	s.Close()
	cfg.ClientAuth = tls.RequireAnyClientCert
	cfg.NextProtos = []string{"istio-peer-exchange", "istio"}
	return rawServer(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReaderSize(c, 16<<10)
		hdr, err := br.Peek(5)
		if err != nil || hdr[0] != 0x16 {
			return
		}
		hello, err := br.Peek(5 + int(hdr[3])<<8 | int(hdr[4]))
		if err != nil || !strings.Contains(string(hello), "istio-peer-exchange") {
			return
		}
		tls.Server(&peeked{Conn: c, r: br}, cfg).Handshake()
	})
}

func TestIstioStrictLikePort(t *testing.T) {
	h, p := istioStrict(t)
	r := run(t, true, plan.Target{Host: h, Port: p}).Results[0]
	if !r.TLS.Offered || !r.TLS.Enumerated || r.TLS.ClientAuth != "required" || len(r.TLS.Versions) != 2 ||
		!strings.Contains(r.TLS.ClientAuthEvidence, "istio-peer-exchange") {
		t.Errorf("TLS %+v errors %v", r.TLS, r.Errors)
	}
	if !r.Plaintext.Tested || r.Plaintext.Accepted {
		t.Errorf("plaintext %+v", r.Plaintext)
	}
}
