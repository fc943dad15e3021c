//go:build linux

package sensor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/evidence/frame"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// TestRunLive runs the sensor on loopback with a filter and a short period
// while a plaintext HTTP exchange happens, then stops it as SIGTERM would
// (context cancel) and reads the final report file.
func TestRunLive(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	testenv.Root(t)
	testenv.LookPath(t, "tcpdump")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
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
			buf := make([]byte, 512)
			c.Read(buf)
			io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out, errb bytes.Buffer
	go func() {
		done <- Run(ctx, &out, &errb, []string{"-interface", "lo", "-bpf", fmt.Sprintf("tcp port %d", port), "-period", "300ms", "-out", dir})
	}()
	time.Sleep(1500 * time.Millisecond)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: sensor.test\r\n\r\n")
	io.ReadAll(c)
	c.Close()
	time.Sleep(800 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v (%s)", err, errb.String())
	}
	final := filepath.Join(dir, "flows-lo-final.json")
	periodic, _ := filepath.Glob(filepath.Join(dir, "flows-lo-2*.json"))
	if len(periodic) == 0 {
		t.Errorf("no periodic report files")
	}
	// The flow is in the final report or in one of the periodic ones.
	found := false
	for _, p := range append(periodic, final) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var r evidence.FlowReport
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, f := range r.Flows {
			if f.Server == ln.Addr().String() && f.Plaintext != nil && f.Plaintext.Protocol == "http/1.1" && !f.Encrypted {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the plaintext HTTP flow was not reported")
	}
}

// lockedBuffer is a bytes.Buffer safe to read while Run writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRunHoldFramed runs the sensor as the in-cluster DaemonSet does:
// framed reports for a short window, then idle until stopped. The idle
// line comes after the last frame on stdout, so a reader that sees it has
// every report.
func TestRunHoldFramed(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	testenv.Root(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, &out, &errb, []string{"-interface", "lo", "-duration", "1s", "-hold", "-frame", "node-a"})
	}()
	const idle = "sc8sensor: capture window over; idle until stopped"
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), idle) {
		if time.Now().After(deadline) {
			t.Fatalf("no idle line after 20s; stdout %q, stderr %q", out.String(), errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("the sensor exited while it should hold: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.HasSuffix(strings.TrimSpace(s), idle) {
		t.Errorf("the idle line is not last on stdout")
	}
	frames, err := frame.Read(strings.NewReader(s), 1<<20)
	if err != nil || len(frames) != 1 || frames[0].Name != "node-a.lo" || frames[0].Kind != evidence.KindFlowReport {
		t.Errorf("frames %d (%v), err %v", len(frames), frames, err)
	}
	if !strings.Contains(errb.String(), "sc8sensor: capturing on lo") {
		t.Errorf("stderr %q does not say what it captures on", errb.String())
	}
}
