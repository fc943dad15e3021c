package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// load runs echo servers (TLS 1.3, TLS 1.2 with and without client
// certificates, plaintext) on consecutive ports from -port and drives
// -conns connections across them, each exchanging -msgs small messages, so a
// capture of it holds several hundred thousand packets of real traffic.
//
// With -dense every connection is one HTTP/1.1 request and response with
// "Connection: close", the shape of health checks and HTTP/1 without
// keep-alive: many short flows, each mostly handshake.
func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	host := fs.String("host", "127.0.0.1", "address to listen on and dial")
	port := fs.Int("port", 19443, "first port (four are used)")
	conns := fs.Int("conns", 4000, "connections")
	msgs := fs.Int("msgs", 60, "request/response exchanges per connection")
	par := fs.Int("par", 8, "connections at once")
	cert := fs.String("cert", "", "server and client certificate PEM")
	key := fs.String("key", "", "key PEM")
	ca := fs.String("ca", "", "CA PEM")
	dense := fs.Bool("dense", false, "one HTTP/1.1 request and response per connection, closed by the server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kp, err := tls.LoadX509KeyPair(*cert, *key)
	if err != nil {
		return err
	}
	pem, err := os.ReadFile(*ca)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	type kind struct {
		server *tls.Config // nil: plaintext
		client *tls.Config
	}
	kinds := []kind{
		{&tls.Config{Certificates: []tls.Certificate{kp}, MinVersion: tls.VersionTLS13},
			&tls.Config{ServerName: "bench13.test", NextProtos: []string{"h2", "http/1.1"}, InsecureSkipVerify: true}},
		{&tls.Config{Certificates: []tls.Certificate{kp}, MaxVersion: tls.VersionTLS12, ClientAuth: tls.RequireAnyClientCert, ClientCAs: pool},
			&tls.Config{ServerName: "outbound_.9080_._.reviews.default.svc.cluster.local", NextProtos: []string{"istio-http/1.1", "istio", "http/1.1"}, Certificates: []tls.Certificate{kp}, InsecureSkipVerify: true}},
		{&tls.Config{Certificates: []tls.Certificate{kp}, MaxVersion: tls.VersionTLS12},
			&tls.Config{ServerName: "bench12.test", InsecureSkipVerify: true}},
		{nil, nil},
	}
	var lns []net.Listener
	for i, k := range kinds {
		ln, err := net.Listen("tcp", net.JoinHostPort(*host, fmt.Sprint(*port+i)))
		if err != nil {
			return err
		}
		defer ln.Close()
		lns = append(lns, ln)
		if *dense {
			go serveHTTPOnce(ln, k.server)
		} else {
			go serveEcho(ln, k.server)
		}
	}
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < *par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= *conns {
					return
				}
				k := kinds[i%len(kinds)]
				run := func(addr string, cfg *tls.Config) error { return echoClient(addr, cfg, *msgs) }
				if *dense {
					run = httpOnceClient
				}
				if err := run(lns[i%len(kinds)].Addr().String(), k.client); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("%d of %d connections failed", f, *conns)
	}
	return nil
}

// serveAll hands every connection ln accepts to handle, each in its own
// goroutine, over TLS when cfg is set, closing it when handle returns.
func serveAll(ln net.Listener, cfg *tls.Config, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			var conn net.Conn = c
			if cfg != nil {
				conn = tls.Server(c, cfg)
			}
			handle(conn)
		}()
	}
}

// dial connects to addr and, when cfg is set, finishes a TLS handshake;
// the connection has 30 seconds. It returns the connection to use and
// the TCP connection under it, which the caller closes (no close_notify).
func dial(addr string, cfg *tls.Config) (conn, raw net.Conn, err error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if cfg == nil {
		return c, c, nil
	}
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		c.Close()
		return nil, nil, err
	}
	return tc, c, nil
}

func serveEcho(ln net.Listener, cfg *tls.Config) {
	serveAll(ln, cfg, func(conn net.Conn) { io.Copy(conn, conn) })
}

func echoClient(addr string, cfg *tls.Config, msgs int) error {
	conn, raw, err := dial(addr, cfg)
	if err != nil {
		return err
	}
	defer raw.Close()
	msg := make([]byte, 100)
	buf := make([]byte, 100)
	for i := 0; i < msgs; i++ {
		if _, err := conn.Write(msg); err != nil {
			return err
		}
		if _, err := io.ReadFull(conn, buf); err != nil {
			return err
		}
	}
	return nil
}

// compare checks that sc8scan's FlowReport (JSON) and tshark's handshake
// fields (tab-separated, the columns bench-capture.sh asks for) agree on
// every TLS flow: SNI, offered ALPN and JA3 from the ClientHello, version
// and cipher suite from the ServerHello.
func compare(args []string) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	oursPath := fs.String("ours", "", "sc8scan capture --output json")
	tsPath := fs.String("tshark", "", "tshark -T fields output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ours, err := readOurs(*oursPath)
	if err != nil {
		return err
	}
	f, err := os.Open(*tsPath)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var hellos, servers, mismatches int
	for sc.Scan() {
		m, kind, err := checkRow(sc.Text(), ours)
		if err != nil {
			return err
		}
		switch kind {
		case 1:
			hellos++
		case 2:
			servers++
		}
		if m != "" {
			mismatches++
			if mismatches <= 10 {
				fmt.Fprintln(os.Stderr, "mismatch:", m)
			}
		}
	}
	fmt.Printf("agreement: %d ClientHellos and %d ServerHellos compared, %d mismatches\n", hellos, servers, mismatches)
	if mismatches > 0 || hellos == 0 {
		return fmt.Errorf("TLS fields disagree with tshark (%d mismatches, %d hellos)", mismatches, hellos)
	}
	return nil
}

const healthRequest = "GET /healthz HTTP/1.1\r\nHost: bench.test\r\nUser-Agent: sc8-bench\r\nConnection: close\r\n\r\n"

const healthResponse = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"

// serveHTTPOnce answers one request per connection and closes it.
func serveHTTPOnce(ln net.Listener, cfg *tls.Config) {
	serveAll(ln, cfg, func(conn net.Conn) {
		br := bufio.NewReader(conn)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if line == "\r\n" {
				break
			}
		}
		io.WriteString(conn, healthResponse)
	})
}

// httpOnceClient sends one request and reads the response to the end.
func httpOnceClient(addr string, cfg *tls.Config) error {
	conn, raw, err := dial(addr, cfg)
	if err != nil {
		return err
	}
	defer raw.Close()
	if _, err := io.WriteString(conn, healthRequest); err != nil {
		return err
	}
	b, err := io.ReadAll(conn)
	if err != nil && len(b) == 0 {
		return err
	}
	if !strings.HasPrefix(string(b), "HTTP/1.1 200") {
		return fmt.Errorf("unexpected response from %s", addr)
	}
	return nil
}
