// Package plan holds what a probe run is told to do (Plan) and the limits it
// runs under. Its output is an evidence.ProbeReport. The package is shared by
// the sc8scan CLI, the probe-pod binary and the dispatcher, so it imports
// nothing heavier than the evidence leaf.
package plan

import (
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// Plan is a list of targets probed from one vantage point under limits.
type Plan struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"` // "ProbePlan"
	Vantage    string `json:"vantage"`
	// InMesh is "sidecar" or "ambient" when the probe runs inside the
	// mesh; every result carries it.
	InMesh  string   `json:"inMesh,omitempty"`
	Targets []Target `json:"targets"`
	Limits  Limits   `json:"limits"`
	// CABundle is a PEM bundle to verify server chains against; empty means
	// verification is not checked.
	CABundle string `json:"caBundle,omitempty"`
}

// Target is one port to probe.
type Target struct {
	Host       string `json:"host"`
	Port       int    `json:"port"`
	ServerName string `json:"serverName,omitempty"`
	// Scheme forces a protocol: "tls", "postgres", "mysql", "smtp", "imap",
	// "pop3", "ftp", "ldap", "ssh"; "" lets the probe decide.
	Scheme string `json:"scheme,omitempty"`
	// AppProtocol is the Service port's appProtocol or name, a hint.
	AppProtocol string                `json:"appProtocol,omitempty"`
	Service     *evidence.ServicePort `json:"service,omitempty"`
}

// Limits bound a run.
type Limits struct {
	// Concurrency is how many targets run at once (default 32).
	Concurrency int `json:"concurrency,omitempty"`
	// PerEndpoint is how many connections one endpoint gets at once
	// (default 4).
	PerEndpoint int `json:"perEndpoint,omitempty"`
	// ConnTimeout bounds one connection, dial to last byte (default 5s).
	ConnTimeout Duration `json:"connTimeout,omitempty"`
	// TargetTimeout bounds all work on one target (default 60s).
	TargetTimeout Duration `json:"targetTimeout,omitempty"`
	// Enumerate asks for full version, suite and group enumeration; when
	// false only TLS/plaintext classification runs.
	Enumerate bool `json:"enumerate"`
}

// Duration is a time.Duration that reads and writes as "5s".
type Duration time.Duration

// MarshalText writes the duration as Go's String form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "5s", "250ms" and the like.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// WithDefaults returns the limits with zero fields set to their defaults.
func (l Limits) WithDefaults() Limits {
	if l.Concurrency <= 0 {
		l.Concurrency = 32
	}
	if l.PerEndpoint <= 0 {
		l.PerEndpoint = 4
	}
	if l.ConnTimeout <= 0 {
		l.ConnTimeout = Duration(5 * time.Second)
	}
	if l.TargetTimeout <= 0 {
		l.TargetTimeout = Duration(60 * time.Second)
	}
	return l
}
