package tls

import (
	"context"
	stdtls "crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// peer runs handle on each connection of a loopback listener and returns a
// Dialer for it.
func peer(t *testing.T, handle func(net.Conn)) Dialer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				go func() { <-stop; c.Close() }()
				handle(c)
			}()
		}
	}()
	addr := ln.Addr().String()
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

// readHello consumes the client's ClientHello record(s).
func readHello(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	var hdr [5]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return
	}
	io.CopyN(io.Discard, c, int64(hdr[3])<<8|int64(hdr[4]))
}

func TestBadServers(t *testing.T) {
	sh12 := record(recordHandshake, handshake(typeServerHello, serverHello(VersionTLS12, 0xc02f, nil, nil)))
	cases := []struct {
		name   string
		handle func(net.Conn)
		full   bool
		want   string // substring of the error; "" for a RejectedError
	}{
		{"silent", func(c net.Conn) { io.Copy(io.Discard, c) }, false, "timeout"},
		{"garbage", func(c net.Conn) { readHello(c); c.Write([]byte("\x00\x01\x02\x03\x04\x05garbage")) }, false, "not a TLS record"},
		{"oversized record", func(c net.Conn) { readHello(c); c.Write([]byte{recordHandshake, 3, 3, 0xff, 0xff}) }, false, "exceeds"},
		{"truncated server hello", func(c net.Conn) {
			readHello(c)
			c.Write(record(recordHandshake, handshake(typeServerHello, serverHello(VersionTLS12, 0xc02f, nil, nil)[:20])))
		}, false, "truncated ServerHello"},
		{"endless handshake messages", func(c net.Conn) {
			readHello(c)
			c.Write(sh12)
			for i := 0; i < 10000; i++ {
				if _, err := c.Write(record(recordHandshake, handshake(0x30, []byte{1}))); err != nil {
					return
				}
			}
		}, true, "no ServerHelloDone"},
		{"endless records", func(c net.Conn) {
			readHello(c)
			c.Write(sh12)
			for i := 0; i < 10000; i++ {
				if _, err := c.Write(record(recordChangeCipherSpec, []byte{1})); err != nil {
					return
				}
			}
		}, true, "more than"},
		{"alert", func(c net.Conn) { readHello(c); c.Write(record(recordAlert, []byte{2, 40})) }, false, ""},
		{"close after hello", func(c net.Conn) { readHello(c) }, false, ""},
		{"reset mid-handshake", func(c net.Conn) {
			readHello(c)
			c.Write(sh12[:20])
			c.(*net.TCPConn).SetLinger(0)
		}, false, "truncated"},
		{"tar pit", func(c net.Conn) {
			readHello(c)
			for _, b := range sh12 {
				c.Write([]byte{b})
				time.Sleep(100 * time.Millisecond)
			}
		}, false, "timeout"},
	}
	h := Hello{Version: VersionTLS12, Suites: []uint16{0xc02f}}
	for _, c := range cases {
		dial := peer(t, c.handle)
		start := time.Now()
		_, err := exchange(context.Background(), dial, h, 700*time.Millisecond, c.full)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %s with a 700ms deadline", c.name, d)
		}
		var rej *RejectedError
		switch {
		case err == nil:
			t.Errorf("%s: no error", c.name)
		case c.want == "" && !errors.As(err, &rej):
			t.Errorf("%s: %v, want a refusal", c.name, err)
		case c.want != "" && !strings.Contains(err.Error(), c.want) && !(c.want == "timeout" && IsTimeout(err)):
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestClassifyAnswers(t *testing.T) {
	alert := peer(t, func(c net.Conn) { readHello(c); c.Write(record(recordAlert, []byte{2, 70})) })
	http := peer(t, func(c net.Conn) { readHello(c); io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n") })
	silent := peer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	ctx := context.Background()
	if cls, err := Classify(ctx, alert, "", time.Second); err != nil || !cls.TLS || cls.Alert == nil || cls.Alert.Description != 70 {
		t.Errorf("alert: %+v %v", cls, err)
	}
	if cls, err := Classify(ctx, http, "", time.Second); err != nil || cls.TLS || cls.NotTLS == nil || !strings.HasPrefix(string(cls.NotTLS.Prefix), "HTTP/") {
		t.Errorf("http: %+v %v", cls, err)
	}
	if cls, err := Classify(ctx, silent, "", 300*time.Millisecond); err == nil || cls != nil || !IsTimeout(err) {
		t.Errorf("silent: %+v %v", cls, err)
	}
}

func TestEnumerateCostsAcceptedPlusOne(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.TLS = &stdtls.Config{MinVersion: stdtls.VersionTLS12, MaxVersion: stdtls.VersionTLS12,
		CipherSuites:     []uint16{stdtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, stdtls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
		CurvePreferences: []stdtls.CurveID{stdtls.CurveP256, stdtls.X25519}}
	s.StartTLS()
	defer s.Close()
	addr := s.Listener.Addr().String()
	dial := func(ctx context.Context) (net.Conn, error) { return (&net.Dialer{}).DialContext(ctx, "tcp", addr) }
	e, err := Enumerate(context.Background(), dial, EnumerateOptions{ConnTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Versions) != 1 || len(e.Versions[0].Suites) != 2 || len(e.Groups) != 2 || len(e.Errors) != 0 {
		t.Fatalf("enumeration %+v", e)
	}
	// Go signs TLS 1.2 with the first scheme of the client's list it
	// supports for its RSA key (no SHA-1 since Go 1.25): the offer order.
	wantSig := []string{"rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha512"}
	var gotSig []string
	for _, s := range e.SignatureSchemes {
		gotSig = append(gotSig, SignatureSchemeName(s))
	}
	if diff := cmp.Diff(wantSig, gotSig); diff != "" {
		t.Errorf("signature schemes (-want +got):\n%s", diff)
	}
	// TLS 1.2: 2 accepted + 1 refusal + 1 order check; four refused
	// versions; groups: 2 + 1; one full first flight; signature schemes:
	// 6 + 1.
	if want := (2 + 1 + 1) + 4 + (2 + 1) + 1 + (6 + 1); e.Handshakes != want {
		t.Errorf("%d handshakes, want %d", e.Handshakes, want)
	}
	if e.Flight == nil || len(e.Flight.Certificates) == 0 {
		t.Error("no certificate chain from the first flight")
	}
}

func TestCertificateFactsAndVerify(t *testing.T) {
	s := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer s.Close()
	addr := s.Listener.Addr().String()
	dial := func(ctx context.Context) (net.Conn, error) { return (&net.Dialer{}).DialContext(ctx, "tcp", addr) }
	hs := Handshake(context.Background(), dial, HandshakeOptions{ServerName: "example.com", Timeout: 2 * time.Second, AuthWait: 100 * time.Millisecond})
	if hs.Err != nil || hs.ClientAuth != ClientAuthNone || len(hs.Chain) == 0 {
		t.Fatalf("handshake %+v", hs)
	}
	f := CertificateFacts(hs.Chain[0])
	if f.KeyType != "RSA" || f.KeyBits != 2048 || len(f.SHA256) != 64 || !strings.Contains(strings.Join(f.SANs, ","), "DNS:example.com") {
		t.Errorf("facts %+v", f)
	}
	pem := strings.Join([]string{"-----BEGIN CERTIFICATE-----", b64(s.Certificate().Raw), "-----END CERTIFICATE-----", ""}, "\n")
	if ok, match, err := Verify(hs.Chain, []byte(pem), "example.com"); !ok || !match || err != nil {
		t.Errorf("verify example.com: %v %v %v", ok, match, err)
	}
	if ok, match, err := Verify(hs.Chain, []byte(pem), "other.test"); !ok || match || err == nil {
		t.Errorf("verify other.test: %v %v %v", ok, match, err)
	}
	if _, _, err := Verify(hs.Chain, []byte("junk"), "example.com"); err == nil {
		t.Error("junk CA bundle accepted")
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// sslv3Server answers only SSLv3 ClientHellos, picking from its own
// preference list; OpenSSL 3 no longer builds an SSLv3 server, so this
// responder stands in for one.
func sslv3Server(prefs []uint16) func(net.Conn) {
	return func(c net.Conn) {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		var hdr [5]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
		if _, err := io.ReadFull(c, body); err != nil || len(body) < 4+2+32+1 {
			return
		}
		hello := body[4:]
		version := uint16(hello[0])<<8 | uint16(hello[1])
		rest := hello[34:]
		rest = rest[1+int(rest[0]):]
		n := int(rest[0])<<8 | int(rest[1])
		offered := map[uint16]bool{}
		for i := 0; i+1 < n && 2+i+1 < len(rest); i += 2 {
			offered[uint16(rest[2+i])<<8|uint16(rest[3+i])] = true
		}
		if version != VersionSSL30 {
			c.Write(append([]byte{recordAlert, 3, 0, 0, 2}, 2, 70))
			return
		}
		for _, s := range prefs {
			if offered[s] {
				c.Write(record(recordHandshake, handshake(typeServerHello, serverHello(VersionSSL30, s, nil, nil))))
				return
			}
		}
		c.Write(append([]byte{recordAlert, 3, 0, 0, 2}, 2, 40))
	}
}

func TestEnumerateSSLv3(t *testing.T) {
	dial := peer(t, sslv3Server([]uint16{0x000a, 0x0005, 0x002f}))
	e, err := Enumerate(context.Background(), dial, EnumerateOptions{ConnTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	want := []VersionResult{{Version: VersionSSL30, Suites: []uint16{0x000a, 0x0005, 0x002f}, ServerPreference: &yes}}
	if diff := cmp.Diff(want, e.Versions); diff != "" || len(e.Errors) > 0 {
		t.Errorf("versions (-want +got):\n%s\nerrors %v", diff, e.Errors)
	}
}

func TestHandshakeStallAfterCertificateRequestIsUnknown(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.TLS = &stdtls.Config{MaxVersion: stdtls.VersionTLS12, ClientAuth: stdtls.RequestClientCert,
		VerifyConnection: func(stdtls.ConnectionState) error { time.Sleep(time.Second); return nil }}
	s.StartTLS()
	defer s.Close()
	addr := s.Listener.Addr().String()
	dial := func(ctx context.Context) (net.Conn, error) { return (&net.Dialer{}).DialContext(ctx, "tcp", addr) }
	hs := Handshake(context.Background(), dial, HandshakeOptions{Timeout: 500 * time.Millisecond, AuthWait: 100 * time.Millisecond})
	if hs.ClientAuth != ClientAuthUnknown || !strings.Contains(hs.ClientAuthEvidence, "without a verdict") {
		t.Errorf("client auth %q (%s), want unknown", hs.ClientAuth, hs.ClientAuthEvidence)
	}
}
