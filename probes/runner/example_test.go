package runner_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/sc8scan/sc8scan/probes/runner"
)

func ExampleRun() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, _ := strconv.Atoi(port)

	rep, err := runner.Run(context.Background(), plan.Plan{
		Vantage: "example",
		Targets: []plan.Target{{Host: host, Port: p}},
		Limits:  plan.Limits{Enumerate: true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := rep.Results[0]
	fmt.Println("plaintext accepted:", r.Plaintext.Accepted)
	fmt.Println("TLS offered:", r.TLS.Offered, "enumerated:", r.TLS.Enumerated)
	for _, v := range r.TLS.Versions {
		fmt.Println(v.Version, len(v.CipherSuites), "suites")
	}
	fmt.Println("client auth:", r.TLS.ClientAuth)
	// Output:
	// plaintext accepted: false
	// TLS offered: true enumerated: true
	// TLSv1.3 3 suites
	// TLSv1.2 5 suites
	// client auth: none
}
