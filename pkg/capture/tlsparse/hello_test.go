package tlsparse

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// recConn records what was written through it.
type recConn struct {
	net.Conn
	mu  sync.Mutex
	out bytes.Buffer
}

func (c *recConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.out.Write(b)
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *recConn) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.out.Bytes()...)
}

func selfSigned(t testing.TB, cn string, spiffe string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{cn},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if spiffe != "" {
		u, _ := url.Parse(spiffe)
		tmpl.URIs = []*url.URL{u}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// handshake runs a real crypto/tls handshake over a pipe and returns the
// bytes each side wrote, the ClientHelloInfo the server saw and the
// connection state.
func handshake(t testing.TB, ccfg, scfg *tls.Config) (client, server []byte, info *tls.ClientHelloInfo, st tls.ConnectionState) {
	t.Helper()
	a, b := net.Pipe()
	ca, sb := &recConn{Conn: a}, &recConn{Conn: b}
	scfg = scfg.Clone()
	scfg.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		info = h
		return nil, nil
	}
	done := make(chan error, 1)
	go func() {
		s := tls.Server(sb, scfg)
		err := s.Handshake()
		if err == nil {
			s.Write([]byte("x"))
		}
		done <- err
	}()
	c := tls.Client(ca, ccfg)
	if err := c.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	buf := make([]byte, 1)
	c.Read(buf)
	if err := <-done; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	st = c.ConnectionState()
	a.Close() // no close_notify: nobody reads the pipe any more
	return ca.bytes(), sb.bytes(), info, st
}

func TestHandshakeAgainstCryptoTLS(t *testing.T) {
	srv := selfSigned(t, "server.test", "")
	cli := selfSigned(t, "client.test", "spiffe://cluster.local/ns/default/sa/client")
	tests := []struct {
		name       string
		version    uint16
		clientAuth tls.ClientAuthType
		clientCert bool
		alpn       []string
		wantCerts  int // client certificates visible in cleartext
		wantCR     bool
	}{
		{"tls13", tls.VersionTLS13, tls.NoClientCert, false, []string{"h2", "http/1.1"}, 0, false},
		{"tls13 mtls", tls.VersionTLS13, tls.RequireAnyClientCert, true, []string{"istio-http/1.1", "istio", "http/1.1"}, 0, false},
		{"tls12", tls.VersionTLS12, tls.NoClientCert, false, []string{"http/1.1"}, 0, false},
		{"tls12 mtls", tls.VersionTLS12, tls.RequireAnyClientCert, true, nil, 1, true},
		{"tls12 cert requested, none sent", tls.VersionTLS12, tls.RequestClientCert, false, nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg := &tls.Config{ServerName: "server.test", InsecureSkipVerify: true, NextProtos: tt.alpn, MaxVersion: tt.version}
			if tt.clientCert {
				ccfg.Certificates = []tls.Certificate{cli}
			}
			scfg := &tls.Config{Certificates: []tls.Certificate{srv}, ClientAuth: tt.clientAuth, MaxVersion: tt.version, NextProtos: tt.alpn}
			cb, sb, info, st := handshake(t, ccfg, scfg)

			sd := ParseDirection(sb, tt.version == tls.VersionTLS13)
			cd := ParseDirection(cb, tt.version == tls.VersionTLS13)
			if sd.Err != nil || cd.Err != nil {
				t.Fatalf("parse errors: server %v, client %v", sd.Err, cd.Err)
			}
			if len(cd.ClientHellos) != 1 || sd.ServerHello == nil {
				t.Fatalf("got %d ClientHellos and ServerHello %v", len(cd.ClientHellos), sd.ServerHello)
			}
			ch := cd.ClientHellos[0]
			type hello struct {
				SNI        string
				ALPN       []string
				Suites     []uint16
				Versions   []uint16
				Sigs       []uint16
				Groups     []uint16
				Points     []uint8
				Extensions []uint16
			}
			var sigs, groups []uint16
			for _, s := range info.SignatureSchemes {
				sigs = append(sigs, uint16(s))
			}
			for _, g := range info.SupportedCurves {
				groups = append(groups, uint16(g))
			}
			want := hello{info.ServerName, info.SupportedProtos, info.CipherSuites, info.SupportedVersions, sigs, groups, info.SupportedPoints, info.Extensions}
			got := hello{ch.ServerName, ch.ALPN, ch.CipherSuites, ch.SupportedVersions, ch.SignatureAlgorithms, ch.SupportedGroups, ch.ECPointFormats, ch.Extensions}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ClientHello (-crypto/tls +parsed):\n%s", diff)
			}
			if v := sd.ServerHello.Version(); v != st.Version {
				t.Errorf("version = %s, want %s", VersionName(v), VersionName(st.Version))
			}
			if sd.ServerHello.CipherSuite != st.CipherSuite {
				t.Errorf("suite = %#04x, want %#04x", sd.ServerHello.CipherSuite, st.CipherSuite)
			}
			if tt.version == tls.VersionTLS12 && sd.ServerHello.ALPN != st.NegotiatedProtocol {
				t.Errorf("server ALPN = %q, want %q", sd.ServerHello.ALPN, st.NegotiatedProtocol)
			}
			if sd.CertificateRequest != tt.wantCR {
				t.Errorf("CertificateRequest = %t, want %t", sd.CertificateRequest, tt.wantCR)
			}
			if len(cd.Certificates) != tt.wantCerts {
				t.Errorf("client certificates in cleartext = %d, want %d", len(cd.Certificates), tt.wantCerts)
			}
			if tt.version == tls.VersionTLS12 && (len(sd.Certificates) != 1 || !bytes.Equal(sd.Certificates[0], srv.Certificate[0])) {
				t.Errorf("server certificate not read from the TLS 1.2 Certificate message")
			}
		})
	}
}

func TestParseDirectionBadInput(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		wantErr bool
	}{
		{"empty", nil, false},
		{"partial header", []byte{22, 3, 1}, false},
		{"absurd record length", []byte{22, 3, 1, 0xff, 0xff, 1}, true},
		{"not tls", []byte("GET / HTTP/1.1\r\n"), true},
		{"handshake length beyond record", []byte{22, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff}, true},
		{"truncated client hello", []byte{22, 3, 1, 0, 6, 1, 0, 0, 2, 3, 3}, true},
		{"zero-length record", []byte{23, 3, 3, 0, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ParseDirection(tt.in, false)
			if (d.Err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %t", d.Err, tt.wantErr)
			}
		})
	}
}

func FuzzParseDirection(f *testing.F) {
	// Real handshakes from crypto/tls: TLS 1.3, and TLS 1.2 with client
	// certificates (both directions of each).
	srv := selfSigned(f, "server.test", "")
	cli := selfSigned(f, "client.test", "spiffe://cluster.local/ns/default/sa/client")
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		c, s, _, _ := handshake(f,
			&tls.Config{ServerName: "server.test", InsecureSkipVerify: true, NextProtos: []string{"h2"}, MaxVersion: v, Certificates: []tls.Certificate{cli}},
			&tls.Config{Certificates: []tls.Certificate{srv}, ClientAuth: tls.RequireAnyClientCert, MaxVersion: v})
		f.Add(c, v == tls.VersionTLS13)
		f.Add(s, v == tls.VersionTLS13)
	}
	f.Add([]byte{22, 3, 1, 0, 6, 1, 0, 0, 2, 3, 3}, false)
	f.Add([]byte{23, 3, 3, 0, 2, 1, 2, 21, 3, 3, 0, 2, 2, 40}, true)
	f.Add([]byte{20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 4, 20, 0, 0, 0}, false)
	f.Fuzz(func(t *testing.T, b []byte, tls13 bool) {
		d := ParseDirection(b, tls13)
		if d.Consumed > len(b) {
			t.Fatalf("consumed %d of %d bytes", d.Consumed, len(b))
		}
		for _, ch := range d.ClientHellos {
			_ = ch.JA3()
			_ = ch.JA4()
		}
		if d.ServerHello != nil {
			_ = d.ServerHello.JA3S()
		}
	})
}

func FuzzParseClientHello(f *testing.F) {
	f.Add([]byte{3, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := ParseClientHello(b)
		if err == nil {
			_ = ch.JA4Raw()
			_ = ch.JA3String()
		}
		if sh, err := ParseServerHello(b); err == nil {
			_ = sh.Version()
		}
	})
}
