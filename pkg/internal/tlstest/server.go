package tlstest

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Options choose how a Server speaks.
type Options struct {
	// MinVersion and MaxVersion bound the TLS versions (default TLS 1.2 to
	// 1.3).
	MinVersion, MaxVersion uint16
	// CipherSuites are the TLS 1.2 suites in preference order (default Go's).
	CipherSuites []uint16
	// Curves are the groups (default Go's).
	Curves []tls.CurveID
	// ClientAuth is the client-certificate mode (default none).
	ClientAuth tls.ClientAuthType
	// KeyType of the server certificate (default ECDSAP256).
	KeyType string
	// Plaintext also accepts cleartext HTTP/1.1 on the same port, the way
	// an Istio PERMISSIVE sidecar does.
	Plaintext bool
	// CA issues the server certificate (default a new CA).
	CA *CA
}

// Server is a Go TLS server on a loopback port answering HTTP/1.x requests
// with "200 OK".
type Server struct {
	Addr string
	Host string
	Port int
	CA   *CA
	Cert tls.Certificate
	// ClientCA is the CA whose client certificates the server trusts.
	ClientCA *CA
	Config   *tls.Config

	ln net.Listener
	wg sync.WaitGroup
}

// NewServer starts a server; it stops when the test ends.
func NewServer(t testing.TB, o Options) *Server {
	t.Helper()
	ca := o.CA
	if ca == nil {
		ca = NewCA(t)
	}
	cert := ca.Issue(t, CertOptions{
		CommonName: "localhost", DNSNames: []string{"localhost"},
		IPs: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, KeyType: o.KeyType,
	})
	clientCA := NewCA(t)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   o.MinVersion,
		MaxVersion:   o.MaxVersion,
		CipherSuites: o.CipherSuites,
		ClientAuth:   o.ClientAuth,
		ClientCAs:    clientCA.Pool,
	}
	if len(o.Curves) > 0 {
		cfg.CurvePreferences = o.Curves
	}
	s := &Server{CA: ca, Cert: cert, ClientCA: clientCA, Config: cfg}
	s.ln = listen(t)
	s.Addr = s.ln.Addr().String()
	h, p, _ := net.SplitHostPort(s.Addr)
	s.Host = h
	s.Port, _ = strconv.Atoi(p)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := s.ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c, o.Plaintext)
			}()
		}
	}()
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and waits for its connections to end.
func (s *Server) Close() {
	s.ln.Close()
	s.wg.Wait()
}

func (s *Server) serve(c net.Conn, plaintext bool) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	conn := net.Conn(&peekedConn{Conn: c, r: br})
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	if first[0] != 0x16 {
		if plaintext {
			answerHTTP(conn)
		}
		return
	}
	tc := tls.Server(conn, s.Config)
	if err := tc.Handshake(); err != nil {
		return
	}
	answerHTTP(tc)
}

// answerHTTP reads one request head and answers 200 OK.
func answerHTTP(c io.ReadWriter) {
	br := bufio.NewReaderSize(c, 4096)
	for i := 0; i < 100; i++ {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if line == "\r\n" || line == "\n" {
			break
		}
	}
	io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
}

type peekedConn struct {
	net.Conn
	r io.Reader
}

func (p *peekedConn) Read(b []byte) (int, error) { return p.r.Read(b) }

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on loopback: %v", err)
	}
	return ln
}

// RawServer runs handle for every connection on a loopback port: a server
// that misbehaves on purpose (silence, garbage, resets).
type RawServer struct {
	Addr string
	Host string
	Port int
	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	open map[net.Conn]bool
}

// NewRawServer starts a raw server; it stops when the test ends, closing
// connections its handlers still hold.
func NewRawServer(t testing.TB, handle func(net.Conn)) *RawServer {
	t.Helper()
	s := &RawServer{ln: listen(t), open: map[net.Conn]bool{}}
	s.Addr = s.ln.Addr().String()
	h, p, _ := net.SplitHostPort(s.Addr)
	s.Host = h
	s.Port, _ = strconv.Atoi(p)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := s.ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.open[c] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer func() {
					s.mu.Lock()
					delete(s.open, c)
					s.mu.Unlock()
					c.Close()
				}()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		s.ln.Close()
		s.mu.Lock()
		for c := range s.open {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// ClosedPort returns a loopback address nothing listens on.
func ClosedPort(t testing.TB) (string, int) {
	t.Helper()
	ln := listen(t)
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	return "127.0.0.1", addr.Port
}
