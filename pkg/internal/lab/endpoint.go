package lab

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// Kind is how an endpoint behaves.
type Kind string

// Endpoint kinds.
const (
	KindTLS       Kind = "tls"        // TLS from the first byte, HTTP/1.1 inside
	KindPlainHTTP Kind = "http"       // cleartext HTTP/1.1
	KindRedirect  Kind = "redirect"   // cleartext HTTP/1.1 answering 301 to https
	KindH2C       Kind = "h2c"        // cleartext HTTP/2 with prior knowledge (gRPC style)
	KindRedis     Kind = "redis"      // cleartext RESP
	KindPermissve Kind = "permissive" // TLS or cleartext HTTP on one port (Istio PERMISSIVE)
	KindPostgres  Kind = "postgres"   // Postgres wire protocol: SSLRequest then TLS; cleartext startup refused
	KindReset     Kind = "reset"      // closes every connection on its first bytes
)

// Endpoint is one listening server.
type Endpoint struct {
	Kind Kind
	TLS  *tls.Config
	// Listen is the address to listen on (default 127.0.0.1:0).
	Listen string
	ln     net.Listener
	wg     sync.WaitGroup
}

// Addr is the endpoint's address.
func (e *Endpoint) Addr() string { return e.ln.Addr().String() }

// Start listens on loopback and serves until Close.
func (e *Endpoint) Start() error {
	addr := e.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	e.ln = ln
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(15 * time.Second))
				e.serve(c)
			}()
		}
	}()
	return nil
}

// Close stops the endpoint and waits for its connections.
func (e *Endpoint) Close() {
	if e.ln != nil {
		e.ln.Close()
	}
	e.wg.Wait()
}

func (e *Endpoint) serve(c net.Conn) {
	switch e.Kind {
	case KindTLS:
		serveHTTP(tls.Server(c, e.TLS))
	case KindPlainHTTP:
		serveHTTP(c)
	case KindRedirect:
		serveRedirect(c)
	case KindH2C:
		serveH2C(c)
	case KindRedis:
		serveRedis(c)
	case KindPermissve:
		br := bufio.NewReader(c)
		first, err := br.Peek(1)
		if err != nil {
			return
		}
		pc := &peekedConn{Conn: c, r: br}
		if first[0] == 0x16 {
			serveHTTP(tls.Server(pc, e.TLS))
			return
		}
		serveHTTP(pc)
	case KindPostgres:
		servePostgres(c, e.TLS)
	case KindReset:
		buf := make([]byte, 1)
		c.Read(buf)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST, as a proxy denying the connection does
		}
	}
}

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (p *peekedConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// serveHTTP answers HTTP/1.x requests until the client stops.
func serveHTTP(c net.Conn) {
	if tc, ok := c.(*tls.Conn); ok {
		if err := tc.Handshake(); err != nil {
			return
		}
	}
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if !strings.Contains(line, "HTTP/1.") {
			io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			return
		}
		for {
			h, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if h == "\r\n" || h == "\n" {
				break
			}
		}
		body := "ok\n"
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}
}

func serveRedirect(c net.Conn) {
	br := bufio.NewReader(c)
	if _, err := br.ReadString('\n'); err != nil {
		return
	}
	io.WriteString(c, "HTTP/1.1 301 Moved Permanently\r\nLocation: https://shop.demo.example/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
}

// serveH2C answers the HTTP/2 connection preface with a SETTINGS frame, as a
// cleartext gRPC server does; anything else gets an HTTP/1.1 400.
func serveH2C(c net.Conn) {
	preface := []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	buf := make([]byte, len(preface))
	if _, err := io.ReadFull(c, buf[:4]); err != nil {
		return
	}
	if !bytes.Equal(buf[:4], preface[:4]) {
		io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	if _, err := io.ReadFull(c, buf[4:]); err != nil || !bytes.Equal(buf, preface) {
		return
	}
	// SETTINGS (empty) then SETTINGS ACK.
	c.Write([]byte{0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0})
	io.Copy(io.Discard, io.LimitReader(c, 1<<16))
}

// serveRedis answers RESP commands as a Redis server without AUTH does.
func serveRedis(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		if strings.HasPrefix(cmd, "*") { // array form: read the command word
			for i := 0; i < 2; i++ {
				if line, err = br.ReadString('\n'); err != nil {
					return
				}
			}
			cmd = strings.ToUpper(strings.TrimSpace(line))
		}
		switch {
		case strings.HasPrefix(cmd, "PING"):
			io.WriteString(c, "+PONG\r\n")
		case strings.HasPrefix(cmd, "INFO"):
			io.WriteString(c, "$25\r\n# Server\r\nredis_version:7.2\r\n\r\n")
		default:
			f := strings.Fields(cmd)
			w := ""
			if len(f) > 0 {
				w = f[0]
			}
			fmt.Fprintf(c, "-ERR unknown command '%s'\r\n", strings.ToLower(w))
		}
	}
}

// servePostgres speaks the start of the Postgres protocol: an SSLRequest is
// answered 'S' and TLS follows; a cleartext StartupMessage is refused with
// a FATAL error, as a server whose pg_hba.conf allows only hostssl does.
func servePostgres(c net.Conn, cfg *tls.Config) {
	for i := 0; i < 2; i++ {
		var hdr [8]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		code := binary.BigEndian.Uint32(hdr[4:])
		switch {
		case n == 8 && code == 80877103: // SSLRequest
			c.Write([]byte{'S'})
			tc := tls.Server(c, cfg)
			if err := tc.Handshake(); err != nil {
				return
			}
			io.Copy(io.Discard, io.LimitReader(tc, 1<<16))
			return
		case n == 8 && code == 80877104: // GSSENCRequest
			c.Write([]byte{'N'})
			continue
		case n >= 8 && n < 10000 && code == 196608: // StartupMessage 3.0
			io.CopyN(io.Discard, c, int64(n-8))
			msg := "SFATAL\x00VFATAL\x00C28000\x00Mno pg_hba.conf entry for host \"127.0.0.1\", no encryption\x00\x00"
			var out bytes.Buffer
			out.WriteByte('E')
			binary.Write(&out, binary.BigEndian, uint32(4+len(msg)))
			out.WriteString(msg)
			c.Write(out.Bytes())
			return
		default:
			return
		}
	}
}
