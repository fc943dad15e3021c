//go:build linux

package capture

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// TestLive captures a real crypto/tls handshake on the loopback interface
// through a BPF filter and checks the periodic and final reports.
func TestLive(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	testenv.Root(t)
	testenv.LookPath(t, "tcpdump")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "live.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"live.test"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var periodic, finals int
	var seen []evidence.Flow
	done := make(chan *evidence.FlowReport, 1)
	go func() {
		r, err := Live(ctx, "lo", WithBPF(fmt.Sprintf("tcp port %d", port)), WithPeriod(200*time.Millisecond),
			WithReport(func(r *evidence.FlowReport, final bool) {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, r.Flows...)
				if final {
					finals++
				} else {
					periodic++
				}
			}))
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	time.Sleep(1500 * time.Millisecond) // the socket and filter are in place
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{ServerName: "live.test", InsecureSkipVerify: true, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("ping"))
	c.Read(make([]byte, 4))
	c.Close()
	time.Sleep(700 * time.Millisecond)
	cancel()
	r := <-done
	if r == nil {
		t.Fatal("no report")
	}
	var found bool
	mu.Lock()
	all := append([]evidence.Flow(nil), seen...)
	mu.Unlock()
	for _, f := range all {
		if f.Server == ln.Addr().String() && f.TLS != nil && f.TLS.ServerName == "live.test" && f.TLS.Version == "TLSv1.3" && f.Encrypted {
			found = true
		}
		if f.Server != ln.Addr().String() {
			t.Errorf("flow %s>%s passed the filter for port %d", f.Client, f.Server, port)
		}
	}
	for _, f := range all {
		// A TLS 1.3 handshake, one echo and the close are under 30
		// packets; a loopback socket seeing each packet twice would double
		// that.
		if f.Packets > 30 {
			t.Errorf("%s>%s counted %d packets", f.Client, f.Server, f.Packets)
		}
	}
	if !found {
		t.Errorf("the TLS 1.3 flow to live.test was not reported: %+v", r.Flows)
	}
	mu.Lock()
	defer mu.Unlock()
	if periodic == 0 || finals != 1 {
		t.Errorf("reports: %d periodic, %d final; want some and one", periodic, finals)
	}
}

func TestParseDDD(t *testing.T) {
	prog, err := parseDDD("2\n40 0 0 12\n6 0 0 262144\n")
	if err != nil || len(prog) != 2 || prog[0].Op != 40 || prog[1].K != 262144 {
		t.Errorf("parseDDD = %v, %v", prog, err)
	}
	for _, bad := range []string{"", "3\n40 0 0 12\n", "x\n", "1\n40 zero 0 12\n"} {
		if _, err := parseDDD(bad); err == nil {
			t.Errorf("parseDDD(%q) accepted", bad)
		}
	}
}
