package runner

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestIstioQuitAsksTheSidecarToExit(t *testing.T) {
	var quits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/quitquitquit" {
			quits.Add(1)
		}
	}))
	defer srv.Close()
	old := sidecarQuitURL
	sidecarQuitURL = srv.URL + "/quitquitquit"
	defer func() { sidecarQuitURL = old }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // a closed port: the probe finds it refused, quickly
	plan := `{"targets":[{"host":"127.0.0.1","port":` + strings.Split(ln.Addr().String(), ":")[1] + `}],"limits":{"enumerate":false,"connTimeout":"1s"}}`
	for _, args := range [][]string{{"-istio-quit"}, nil} {
		var out, errw bytes.Buffer
		before := quits.Load()
		if err := Main(context.Background(), strings.NewReader(plan), &out, &errw, args); err != nil {
			t.Fatalf("Main(%q): %v (%s)", args, err, errw.String())
		}
		if got, want := quits.Load()-before, int32(len(args)); got != want {
			t.Errorf("Main(%q): sidecar asked to exit %d times, want %d", args, got, want)
		}
	}
}
