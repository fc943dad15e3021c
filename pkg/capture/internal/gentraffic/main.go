// Command gentraffic makes the Go side of the real traffic that
// hack/gen-pcaps.sh records: TLS clients and servers with chosen versions,
// SNI, ALPN and client certificates (Istio- and Linkerd-shaped handshakes
// included), a client reusing its 4-tuple, an h2c gRPC-shaped exchange, an
// HTTP CONNECT proxy, and an SMTP server and client using STARTTLS. It talks
// only to the addresses it is given (loopback or test namespaces).
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gentraffic client|server|reuse|h2c-server|grpc-client|proxy|smtp-server|smtp-client|prelude-server|socks-proxy|sslv2-hello|quic-client|udp-sink|draft13-server|draft13-client|load|compare [flags]")
		os.Exit(1)
	}
	var err error
	switch os.Args[1] {
	case "client":
		err = client(os.Args[2:])
	case "server":
		err = server(os.Args[2:])
	case "reuse":
		err = reuse(os.Args[2:])
	case "h2c-server":
		err = h2cServer(os.Args[2:])
	case "grpc-client":
		err = grpcClient(os.Args[2:])
	case "proxy":
		err = proxy(os.Args[2:])
	case "smtp-server":
		err = smtpServer(os.Args[2:])
	case "smtp-client":
		err = smtpClient(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	case "prelude-server":
		err = preludeServer(os.Args[2:])
	case "socks-proxy":
		err = socksProxy(os.Args[2:])
	case "sslv2-hello":
		err = sslv2Hello(os.Args[2:])
	case "quic-client":
		err = quicClient(os.Args[2:])
	case "udp-sink":
		err = quicSink(os.Args[2:])
	case "draft13-server":
		err = draftServer(os.Args[2:])
	case "draft13-client":
		err = draftClient(os.Args[2:])
	case "compare":
		err = compare(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gentraffic:", err)
		os.Exit(1)
	}
}

type tlsFlags struct {
	addr, sni, alpn, cert, key, ca, version, auth string
	n                                             int
}

func parseTLS(name string, args []string) (*tlsFlags, error) {
	f := &tlsFlags{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:18443", "address")
	fs.StringVar(&f.sni, "sni", "", "server name to send")
	fs.StringVar(&f.alpn, "alpn", "", "comma-separated ALPN list")
	fs.StringVar(&f.cert, "cert", "", "certificate PEM")
	fs.StringVar(&f.key, "key", "", "key PEM")
	fs.StringVar(&f.ca, "ca", "", "CA PEM (server: client CAs)")
	fs.StringVar(&f.version, "version", "", "1.2 or 1.3 (default: both)")
	fs.StringVar(&f.auth, "auth", "none", "server client auth: none, request, require")
	fs.IntVar(&f.n, "n", 1, "connections (client) or accepts (server)")
	return f, fs.Parse(args)
}

func (f *tlsFlags) config() (*tls.Config, error) {
	c := &tls.Config{ServerName: f.sni, InsecureSkipVerify: true}
	if f.alpn != "" {
		c.NextProtos = strings.Split(f.alpn, ",")
	}
	if f.cert != "" {
		kp, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{kp}
	}
	if f.ca != "" {
		pem, err := os.ReadFile(f.ca)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		c.ClientCAs = pool
	}
	switch f.version {
	case "1.2":
		c.MinVersion, c.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	case "1.3":
		c.MinVersion, c.MaxVersion = tls.VersionTLS13, tls.VersionTLS13
	}
	switch f.auth {
	case "request":
		c.ClientAuth = tls.RequestClientCert
	case "require":
		c.ClientAuth = tls.RequireAnyClientCert
	}
	return c, nil
}

func client(args []string) error {
	f, err := parseTLS("client", args)
	if err != nil {
		return err
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	for i := 0; i < f.n; i++ {
		if err := oneClient(&net.Dialer{Timeout: 5 * time.Second}, f.addr, cfg); err != nil {
			return err
		}
	}
	return nil
}

func oneClient(d *net.Dialer, addr string, cfg *tls.Config) error {
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, c)
	return err
}

func server(args []string) error {
	f, err := parseTLS("server", args)
	if err != nil {
		return err
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	ln, err := tls.Listen("tcp", f.addr, cfg)
	if err != nil {
		return err
	}
	defer ln.Close()
	for i := 0; i < f.n; i++ {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(c)
		if _, err := br.ReadString('\n'); err == nil {
			io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
		c.Close() // the server closes first, so the client's port is free again
	}
	return nil
}

// reuse connects twice from the same local port: the second SYN reuses the
// 4-tuple of the first connection.
func reuse(args []string) error {
	fs := flag.NewFlagSet("reuse", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18443", "server")
	lport := fs.Int("lport", 41000, "local port")
	sni := fs.String("sni", "reuse.test", "server name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(*addr)
	d := &net.Dialer{
		Timeout:   5 * time.Second,
		LocalAddr: &net.TCPAddr{IP: net.ParseIP(host), Port: *lport},
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
			})
			return serr
		},
	}
	for i := 0; i < 2; i++ {
		if err := oneClient(d, *addr, &tls.Config{ServerName: *sni, InsecureSkipVerify: true}); err != nil {
			return fmt.Errorf("connection %d: %w", i+1, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	return nil
}

func h2cServer(args []string) error {
	fs := flag.NewFlagSet("h2c-server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18081", "address")
	d := fs.Duration("for", 5*time.Second, "serve this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("Trailer", "Grpc-Status")
		w.Write([]byte{0, 0, 0, 0, 0})
		w.Header().Set("Grpc-Status", "0")
	})
	srv := &http.Server{Addr: *addr, Handler: h2c.NewHandler(h, &http2.Server{})}
	go func() { time.Sleep(*d); srv.Close() }()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// grpcClient sends one gRPC-framed unary request over h2c (prior knowledge),
// with the headers a gRPC client sends.
func grpcClient(args []string) error {
	fs := flag.NewFlagSet("grpc-client", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18081", "server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tr := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, n, a string, _ *tls.Config) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, n, a)
	}}
	req, err := http.NewRequest(http.MethodPost, "http://"+*addr+"/sc8.Echo/Ping", strings.NewReader("\x00\x00\x00\x00\x00"))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// proxy is an HTTP CONNECT proxy for one or more tunnels.
func proxy(args []string) error {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18082", "address")
	n := fs.Int("n", 1, "tunnels")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return serveN(*addr, *n, 0, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil || req.Method != http.MethodConnect {
			c.Close()
			return
		}
		up, err := net.DialTimeout("tcp", req.Host, 5*time.Second)
		if err != nil {
			io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
			c.Close()
			return
		}
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		tunnel(c, br, up)
	})
}

// smtpServer speaks enough SMTP for a client to say EHLO, STARTTLS, then
// EHLO and QUIT inside TLS.
func smtpServer(args []string) error {
	f, err := parseTLS("smtp-server", args)
	if err != nil {
		return err
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	return serveN(f.addr, f.n, 5*time.Second, func(c net.Conn) {
		var conn net.Conn = c
		rw := bufio.NewReadWriter(bufio.NewReader(conn), bufio.NewWriter(conn))
		say := func(s string) { rw.WriteString(s + "\r\n"); rw.Flush() }
		say("220 mail.test ESMTP sc8")
		for {
			line, err := rw.ReadString('\n')
			if err != nil {
				break
			}
			cmd := strings.ToUpper(strings.TrimSpace(line))
			switch {
			case strings.HasPrefix(cmd, "EHLO"):
				say("250-mail.test")
				say("250 STARTTLS")
			case cmd == "STARTTLS":
				say("220 ready to start TLS")
				tc := tls.Server(conn, cfg)
				if err := tc.Handshake(); err != nil {
					break
				}
				conn = tc
				rw = bufio.NewReadWriter(bufio.NewReader(conn), bufio.NewWriter(conn))
			case cmd == "QUIT":
				say("221 bye")
				conn.Close()
			default:
				say("250 ok")
			}
		}
		conn.Close()
	})
}

// serveN listens on addr and hands its first n connections, one at a
// time, to handle, which closes them; a positive deadline bounds each.
func serveN(addr string, n int, deadline time.Duration, handle func(net.Conn)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	for i := 0; i < n; i++ {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		if deadline > 0 {
			c.SetDeadline(time.Now().Add(deadline))
		}
		handle(c)
	}
	return nil
}

// tunnel copies between a client, whose buffered bytes br holds, and up
// until both directions end, then closes both.
func tunnel(c net.Conn, br *bufio.Reader, up net.Conn) {
	done := make(chan struct{})
	go func() { io.Copy(up, br); up.(*net.TCPConn).CloseWrite(); close(done) }()
	io.Copy(c, up)
	<-done
	c.Close()
	up.Close()
}

func smtpClient(args []string) error {
	fs := flag.NewFlagSet("smtp-client", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18025", "server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := smtp.Dial(*addr)
	if err != nil {
		return err
	}
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.StartTLS(&tls.Config{ServerName: "mail.test", InsecureSkipVerify: true}); err != nil {
		return err
	}
	return c.Quit()
}
