package starttls

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// No SMTP or LDAP server package is installed on the test machines, so
// these responders speak each protocol's STARTTLS exchange as RFC 3207,
// 2595, 4217 and 4511 describe (and MySQL's), then hand the connection to a
// real crypto/tls server; they keep this package's tests hermetic.
// PostgreSQL, MariaDB, Dovecot and vsftpd are tested as real servers in
// pkg/internal/tlstest.

func tlsConfig(t *testing.T) *tls.Config {
	s := httptest.NewUnstartedServer(nil)
	s.StartTLS()
	cfg := s.TLS.Clone()
	s.Close()
	return cfg
}

type responder func(c net.Conn, r *bufio.Reader) bool // true: start TLS

func readLine(r *bufio.Reader) string {
	l, _ := r.ReadString('\n')
	return strings.TrimRight(l, "\r\n")
}

var responders = map[string]responder{
	"smtp": func(c net.Conn, r *bufio.Reader) bool {
		io.WriteString(c, "220 mx ESMTP\r\n")
		if !strings.HasPrefix(readLine(r), "EHLO") {
			return false
		}
		io.WriteString(c, "250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
		if readLine(r) != "STARTTLS" {
			return false
		}
		io.WriteString(c, "220 2.0.0 Ready to start TLS\r\n")
		return true
	},
	"imap": func(c net.Conn, r *bufio.Reader) bool {
		io.WriteString(c, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
		if readLine(r) != "a1 STARTTLS" {
			return false
		}
		io.WriteString(c, "a1 OK Begin TLS negotiation now\r\n")
		return true
	},
	"pop3": func(c net.Conn, r *bufio.Reader) bool {
		io.WriteString(c, "+OK POP3 ready\r\n")
		if readLine(r) != "STLS" {
			return false
		}
		io.WriteString(c, "+OK Begin TLS\r\n")
		return true
	},
	"ftp": func(c net.Conn, r *bufio.Reader) bool {
		io.WriteString(c, "220-Welcome\r\n220 FTP ready\r\n")
		if readLine(r) != "AUTH TLS" {
			return false
		}
		io.WriteString(c, "234 AUTH TLS successful\r\n")
		return true
	},
	"ldap": func(c net.Conn, r *bufio.Reader) bool {
		req := make([]byte, 31)
		if _, err := io.ReadFull(r, req); err != nil || !strings.Contains(string(req), "1.3.6.1.4.1.1466.20037") ||
			req[0] != 0x30 || int(req[1]) != len(req)-2 {
			return false
		}
		// ExtendedResponse, resultCode success, empty DN and message.
		c.Write([]byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00})
		return true
	},
	"mysql": func(c net.Conn, r *bufio.Reader) bool {
		body := []byte{10}
		body = append(body, "8.0.36\x00"...)
		body = append(body, 1, 0, 0, 0)
		body = append(body, "abcdefgh\x00"...)
		body = binary.LittleEndian.AppendUint16(body, 0x0800|0x0200|0x8000)
		c.Write(append([]byte{byte(len(body)), 0, 0, 0}, body...))
		req := make([]byte, 36)
		if _, err := io.ReadFull(r, req); err != nil || binary.LittleEndian.Uint32(req[4:])&0x0800 == 0 {
			return false
		}
		return true
	},
}

func serve(t *testing.T, cfg *tls.Config, resp responder) string {
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
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(3 * time.Second))
				r := bufio.NewReader(c)
				if !resp(c, r) {
					return
				}
				// A MySQL client sends its ClientHello right after the
				// SSLRequest: it may already sit in r.
				tls.Server(&bufferedConn{Conn: c, r: r}, cfg).Handshake()
			}()
		}
	}()
	return ln.Addr().String()
}

func TestUpgrade(t *testing.T) {
	cfg := tlsConfig(t)
	for _, proto := range []string{"smtp", "imap", "pop3", "ftp", "ldap", "mysql"} {
		addr := serve(t, cfg, responders[proto])
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(3 * time.Second))
		if err := Upgrade(c, proto); err != nil {
			t.Errorf("%s: %v", proto, err)
			c.Close()
			continue
		}
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
		if err := tc.Handshake(); err != nil {
			t.Errorf("%s: TLS after STARTTLS: %v", proto, err)
		}
		tc.Close()
	}
}

func TestUpgradeRefused(t *testing.T) {
	cfg := tlsConfig(t)
	refusers := map[string]responder{
		"smtp": func(c net.Conn, r *bufio.Reader) bool {
			io.WriteString(c, "220 mx ESMTP\r\n")
			readLine(r)
			io.WriteString(c, "250-mx\r\n250 PIPELINING\r\n")
			return false
		},
		"imap": func(c net.Conn, r *bufio.Reader) bool {
			io.WriteString(c, "* OK ready\r\n")
			readLine(r)
			io.WriteString(c, "a1 BAD unknown command\r\n")
			return false
		},
		"pop3": func(c net.Conn, r *bufio.Reader) bool {
			io.WriteString(c, "+OK ready\r\n")
			readLine(r)
			io.WriteString(c, "-ERR no TLS\r\n")
			return false
		},
		"mysql": func(c net.Conn, r *bufio.Reader) bool {
			body := append([]byte{10}, "5.7\x00\x01\x00\x00\x00abcdefgh\x00\x00\x02"...)
			c.Write(append([]byte{byte(len(body)), 0, 0, 0}, body...))
			return false
		},
	}
	for proto, resp := range refusers {
		addr := serve(t, cfg, resp)
		c, _ := net.Dial("tcp", addr)
		c.SetDeadline(time.Now().Add(3 * time.Second))
		err := Upgrade(c, proto)
		var re *RefusedError
		if !errors.As(err, &re) {
			t.Errorf("%s: %v, want a RefusedError", proto, err)
		}
		c.Close()
	}
	// A greeting from another protocol, an endless reply and silence.
	for name, resp := range map[string]responder{
		"http instead of smtp": func(c net.Conn, r *bufio.Reader) bool { io.WriteString(c, "HTTP/1.1 400 Bad\r\n"); return false },
		"endless reply": func(c net.Conn, r *bufio.Reader) bool {
			for i := 0; i < 200; i++ {
				io.WriteString(c, "220-more\r\n")
			}
			return false
		},
		"no newline": func(c net.Conn, r *bufio.Reader) bool { io.WriteString(c, strings.Repeat("2", 5000)); return false },
	} {
		addr := serve(t, cfg, resp)
		c, _ := net.Dial("tcp", addr)
		c.SetDeadline(time.Now().Add(time.Second))
		if err := Upgrade(c, "smtp"); err == nil {
			t.Errorf("%s: accepted", name)
		}
		c.Close()
	}
	if err := Upgrade(nil, "gopher"); err == nil || Supported("gopher") {
		t.Error("unknown protocol accepted")
	}
}

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }
