package plaintext

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"
)

func dialer(addr string) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) { return (&net.Dialer{}).DialContext(ctx, "tcp", addr) }
}

func serve(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); c.SetDeadline(time.Now().Add(3 * time.Second)); handle(c) }()
		}
	}()
	return ln.Addr().String()
}

func TestProbe(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer web.Close()
	h2c := serve(t, func(c net.Conn) {
		// A prior-knowledge HTTP/2 server: closes on HTTP/1, answers the
		// preface with SETTINGS.
		b := make([]byte, 24)
		if _, err := io.ReadFull(c, b); err != nil || string(b) != "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" {
			return
		}
		c.Write([]byte{0, 0, 0, 4, 0, 0, 0, 0, 0})
	})
	smtp := serve(t, func(c net.Conn) { io.WriteString(c, "220 mx ESMTP\r\n"); bufio.NewReader(c).ReadString('\n') })
	closer := serve(t, func(c net.Conn) { io.CopyN(io.Discard, c, 1) })
	silent := serve(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	ldap := serve(t, func(c net.Conn) {
		// Like slapd: closes on text, waits on an HTTP/2 preface (a BER
		// element whose length is not complete), answers a bind.
		b := make([]byte, 1)
		if _, err := io.ReadFull(c, b); err != nil {
			return
		}
		switch b[0] {
		case 0x30:
			c.Write([]byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00})
		case 'P':
			io.Copy(io.Discard, c)
		}
	})
	ctx := context.Background()
	for _, c := range []struct {
		name, addr, hint string
		proto            string
		accepted, closed bool
	}{
		{"http", web.Listener.Addr().String(), "", "http/1.1", true, false},
		{"h2c", h2c, "", "h2c", true, false},
		{"grpc by hint", h2c, "grpc", "grpc", true, false},
		{"smtp greeting", smtp, "smtp", "smtp", true, false},
		{"smtp unhinted", smtp, "", "smtp", true, false},
		{"closes everything", closer, "", "", false, true},
		{"silent", silent, "", "", false, true},
		{"ldap unhinted", ldap, "", "ldap", true, false},
	} {
		start := time.Now()
		r := Probe(ctx, dialer(c.addr), c.hint, "127.0.0.1", 500*time.Millisecond)
		if r.Protocol != c.proto || r.Accepted != c.accepted || r.Closed != c.closed {
			t.Errorf("%s: %+v", c.name, r)
		}
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Errorf("%s: took %s", c.name, d)
		}
	}
}

// A reset that reaches the socket before the dial returns is the peer's
// answer, not a failure to connect: it counts towards Reset, and a refused
// connection does not.
func TestResetWhileDialling(t *testing.T) {
	dialErr := func(errno syscall.Errno) func(context.Context) (net.Conn, error) {
		return func(context.Context) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
		}
	}
	r := Probe(context.Background(), dialErr(syscall.ECONNRESET), "", "127.0.0.1", 100*time.Millisecond)
	if !r.Reset || !r.Closed || r.DialErr != nil || r.Accepted {
		t.Errorf("reset while dialling: %+v", r)
	}
	r = Probe(context.Background(), dialErr(syscall.ECONNREFUSED), "", "127.0.0.1", 100*time.Millisecond)
	if r.Reset || r.DialErr == nil {
		t.Errorf("refused: %+v", r)
	}
}
