package lab

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Conversation is one exchange between two demo pods, by pod IP: the
// server behaves as the Spec of its Service port; the client speaks as the
// workload would.
type Conversation struct {
	Client string // client pod IP
	Server string // server pod IP:target port
	Spec   Spec
	// ClientCert makes the client present a certificate.
	ClientCert bool
	// ClientALPN is the ALPN the client offers.
	ClientALPN []string
	// MaxVersion caps the client's TLS version (0: the server decides).
	MaxVersion uint16
}

// DemoConversations is the traffic of testdata/demo: who talks to whom, by
// the pod IPs of the dump.
func DemoConversations() []Conversation {
	spec := func(ns, svc string) Spec {
		for _, s := range DemoSpecs() {
			if s.Namespace == ns && s.Service == svc {
				return s
			}
		}
		panic("no demo spec for " + ns + "/" + svc)
	}
	return []Conversation{
		// frontend -> cart, through both sidecars: Istio mTLS, TLS 1.3.
		{Client: "198.18.2.10", Server: "198.18.2.11:7070", Spec: withVersions(spec("shop", "cart"), tls.VersionTLS12, tls.VersionTLS13), ClientCert: true, ClientALPN: []string{"istio-peer-exchange", "istio"}},
		// frontend -> payments-api: mTLS 1.2 with a client certificate.
		{Client: "198.18.2.10", Server: "198.18.1.12:8443", Spec: spec("payments", "payments-api"), ClientCert: true, ClientALPN: []string{"istio-peer-exchange", "istio"}},
		// payments-api -> ledger: mTLS 1.3.
		{Client: "198.18.1.17", Server: "198.18.1.13:9090", Spec: spec("payments", "ledger"), ClientCert: true, ClientALPN: []string{"h2"}},
		// payments-api -> postgres: STARTTLS.
		{Client: "198.18.1.12", Server: "198.18.5.10:5432", Spec: spec("data", "postgres")},
		// payments-api -> legacy-billing: TLS 1.0.
		{Client: "198.18.1.12", Server: "198.18.7.10:8443", Spec: spec("legacy", "legacy-billing"), MaxVersion: tls.VersionTLS10},
		// cart -> redis: cleartext.
		{Client: "198.18.2.11", Server: "198.18.5.11:6379", Spec: spec("data", "redis")},
		// prometheus scrapes node-exporter (hostNetwork: the node's IP) in cleartext.
		{Client: "198.18.6.10", Server: "198.18.0.11:9100", Spec: spec("monitoring", "node-exporter")},
	}
}

func withVersions(s Spec, min, max uint16) Spec {
	s.MinVersion, s.MaxVersion = min, max
	return s
}

// Addresses lists every IP the conversations use.
func Addresses(cs []Conversation) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range cs {
		host, _, _ := net.SplitHostPort(c.Server)
		for _, ip := range []string{c.Client, host} {
			if !seen[ip] {
				seen[ip] = true
				out = append(out, ip)
			}
		}
	}
	return out
}

// RunTraffic plays the conversations in the current network namespace: it
// starts each server on its pod IP and dials it from the client's pod IP.
// Every address must already be assigned to an interface.
func RunTraffic(ctx context.Context, cs []Conversation) error {
	ca, err := NewCA("sc8scan demo mesh CA", time.Now())
	if err != nil {
		return err
	}
	l := &Lab{CA: ca}
	defer l.Close()
	client, err := ca.Issue(Leaf{CommonName: "client", URIs: []string{"spiffe://cluster.local/ns/shop/sa/frontend"}, Client: true})
	if err != nil {
		return err
	}
	for _, c := range cs {
		// The server side accepts what its client offers, as a sidecar does
		// with Istio's ALPN.
		c.Spec.NextProtos = append(append([]string{}, c.Spec.NextProtos...), c.ClientALPN...)
		e := &Endpoint{Kind: c.Spec.Kind, Listen: c.Server}
		if c.Spec.Kind == KindTLS || c.Spec.Kind == KindPermissve || c.Spec.Kind == KindPostgres {
			if e.TLS, err = l.tlsConfig(c.Spec); err != nil {
				return err
			}
		}
		if err := e.Start(); err != nil {
			return fmt.Errorf("server %s: %w", c.Server, err)
		}
		l.Endpoints = append(l.Endpoints, e)
		cfg := &tls.Config{RootCAs: ca.Pool(), ServerName: fmt.Sprintf("%s.%s.svc.cluster.local", c.Spec.Service, c.Spec.Namespace),
			NextProtos: c.ClientALPN, MaxVersion: c.MaxVersion, MinVersion: tls.VersionTLS10}
		if c.ClientCert {
			cfg.Certificates = []tls.Certificate{client}
		}
		// The legacy client accepts the expired certificate, as legacy
		// clients do; that is the finding.
		cfg.InsecureSkipVerify = c.Spec.Expired
		if err := converse(ctx, c, cfg); err != nil {
			return fmt.Errorf("%s -> %s: %w", c.Client, c.Server, err)
		}
	}
	return nil
}

func converse(ctx context.Context, c Conversation, cfg *tls.Config) error {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(c.Client)}}
	conn, err := d.DialContext(ctx, "tcp", c.Server)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var rw io.ReadWriter = conn
	switch c.Spec.Kind {
	case KindTLS:
		tc := tls.Client(conn, cfg)
		if err := tc.Handshake(); err != nil {
			return err
		}
		rw = tc
	case KindPostgres:
		var req [8]byte
		binary.BigEndian.PutUint32(req[:4], 8)
		binary.BigEndian.PutUint32(req[4:], 80877103)
		if _, err := conn.Write(req[:]); err != nil {
			return err
		}
		var ans [1]byte
		if _, err := io.ReadFull(conn, ans[:]); err != nil || ans[0] != 'S' {
			return fmt.Errorf("SSLRequest refused (%q, %v)", ans[0], err)
		}
		tc := tls.Client(conn, cfg)
		if err := tc.Handshake(); err != nil {
			return err
		}
		_, err := tc.Write([]byte("startup"))
		return err
	case KindRedis:
		if _, err := io.WriteString(conn, "PING\r\n"); err != nil {
			return err
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "+PONG") {
			return fmt.Errorf("redis answered %q (%v)", line, err)
		}
		return nil
	}
	if _, err := fmt.Fprintf(rw, "GET /metrics HTTP/1.1\r\nHost: %s\r\nUser-Agent: demo\r\n\r\n", c.Server); err != nil {
		return err
	}
	line, err := bufio.NewReader(rw).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		return fmt.Errorf("HTTP answered %q (%v)", line, err)
	}
	return nil
}

// RecordDemoCapture records the demo's traffic to out (pcap): in a network
// namespace of its own, it puts every pod IP on the loopback interface,
// starts tcpdump on it, runs self -traffic there, and removes the namespace.
// self is the sc8lab binary. It needs root, ip (iproute2) and tcpdump.
func RecordDemoCapture(ctx context.Context, self, out string) error {
	for _, tool := range []string{"ip", "tcpdump"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("recording the demo capture needs %s: %w", tool, err)
		}
	}
	ns := "sc8demo-" + strconv.Itoa(os.Getpid())
	run := func(args ...string) error {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(b)))
		}
		return nil
	}
	if err := run("ip", "netns", "add", ns); err != nil {
		return err
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	if err := run("ip", "-n", ns, "link", "set", "lo", "up"); err != nil {
		return err
	}
	for _, ip := range Addresses(DemoConversations()) {
		if err := run("ip", "-n", ns, "addr", "add", ip+"/32", "dev", "lo"); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	tcpdump := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "tcpdump", "-i", "lo", "--immediate-mode", "-B", "8192", "-U", "-s", "0", "-w", out, "tcp")
	stderr, _ := tcpdump.StderrPipe()
	if err := tcpdump.Start(); err != nil {
		return err
	}
	// tcpdump says "listening on" once its socket is open, and how many
	// packets the kernel dropped when it stops.
	ready := make(chan struct{})
	stats := make(chan string, 1)
	go func() {
		br := bufio.NewReader(stderr)
		var once bool
		var tail strings.Builder
		for {
			line, err := br.ReadString('\n')
			if !once && strings.Contains(line, "listening on") {
				once = true
				close(ready)
			}
			if strings.Contains(line, "dropped by kernel") {
				tail.WriteString(strings.TrimSpace(line))
			}
			if err != nil {
				if !once {
					close(ready)
				}
				stats <- tail.String()
				return
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
	}
	trafficErr := run("ip", "netns", "exec", ns, self, "-traffic")
	// Let tcpdump write the last packets before it is stopped.
	time.Sleep(time.Second)
	tcpdump.Process.Signal(os.Interrupt)
	st := <-stats
	tcpdump.Wait()
	if trafficErr != nil {
		return trafficErr
	}
	if st != "" && !strings.HasPrefix(st, "0 ") {
		return fmt.Errorf("tcpdump lost packets (%s): the capture is incomplete", st)
	}
	return nil
}
