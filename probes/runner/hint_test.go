package runner

import (
	"testing"

	"github.com/sc8scan/sc8scan/probes/plan"
)

func TestHint(t *testing.T) {
	for _, c := range []struct {
		t    plan.Target
		want string
	}{
		{plan.Target{Scheme: "postgres", Port: 1}, "postgres"},
		{plan.Target{AppProtocol: "postgresql", Port: 1}, "postgres"},
		{plan.Target{AppProtocol: "tcp-postgres", Port: 1}, "postgres"},
		{plan.Target{AppProtocol: "grpc-api", Port: 1}, "grpc"},
		{plan.Target{AppProtocol: "kubernetes.io/h2c", Port: 1}, "h2c"},
		{plan.Target{AppProtocol: "mysql", Port: 1}, "mysql"},
		{plan.Target{AppProtocol: "smtp-relay", Port: 1}, "smtp"},
		{plan.Target{AppProtocol: "http-web", Port: 8080}, ""},
		{plan.Target{AppProtocol: "https", Port: 443}, ""},
		{plan.Target{Port: 5432}, "postgres"},
		{plan.Target{Port: 22}, "ssh"},
		{plan.Target{Scheme: "tls", Port: 5432}, ""},
		{plan.Target{Port: 8443}, ""},
	} {
		if got := hint(c.t); got != c.want {
			t.Errorf("hint(%+v) = %q, want %q", c.t, got, c.want)
		}
	}
}
