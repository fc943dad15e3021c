package lab

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/scan"
)

// Spec is one Service port of the demo and how its endpoint behaves.
type Spec struct {
	Namespace, Service string
	Port               int
	Kind               Kind
	// TLS settings for the kinds that speak TLS.
	MinVersion, MaxVersion uint16
	Suites                 []uint16
	ClientAuth             tls.ClientAuthType
	RSA                    bool
	Expired                bool
	Names                  []string
	NextProtos             []string
	// NoStaple leaves out the good OCSP response every other TLS
	// endpoint staples (SP 800-52r2 3.4.1.5).
	NoStaple bool
	// Why says what the endpoint stands for.
	Why string
}

// DemoSpecs are the endpoints of testdata/demo. card-network (an
// ExternalName Service) has none: it is outside the cluster.
func DemoSpecs() []Spec {
	gcm12 := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
	return []Spec{
		{Namespace: "istio-system", Service: "istiod", Port: 15010, Kind: KindH2C, Why: "xDS over cleartext gRPC, as istiod serves it on 15010"},
		{Namespace: "istio-system", Service: "istiod", Port: 15012, Kind: KindTLS, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, Suites: gcm12, ClientAuth: tls.VerifyClientCertIfGiven, NextProtos: []string{"h2"}, Why: "xDS over TLS, client certificate optional"},
		{Namespace: "istio-system", Service: "istiod", Port: 443, Kind: KindTLS, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, Suites: gcm12, Why: "admission webhook, server-only TLS"},
		{Namespace: "istio-system", Service: "istio-ingressgateway", Port: 80, Kind: KindRedirect, Why: "HTTP that only redirects to HTTPS"},
		{Namespace: "istio-system", Service: "istio-ingressgateway", Port: 443, Kind: KindTLS, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, Suites: gcm12, Names: []string{"shop.demo.example"}, Why: "public HTTPS for browsers"},
		{Namespace: "payments", Service: "payments-api", Port: 8443, Kind: KindTLS, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, Suites: gcm12, ClientAuth: tls.RequireAndVerifyClientCert, Why: "mutual TLS, ECDHE with AES-GCM only (sidecar STRICT)"},
		{Namespace: "payments", Service: "ledger", Port: 9090, Kind: KindTLS, MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13, ClientAuth: tls.RequireAndVerifyClientCert, NextProtos: []string{"h2"}, Why: "mutual TLS 1.3 only (Go's TLS 1.3 suites include ChaCha20-Poly1305)"},
		{Namespace: "shop", Service: "frontend", Port: 8080, Kind: KindPermissve, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, Suites: gcm12, ClientAuth: tls.RequireAndVerifyClientCert, Why: "Istio PERMISSIVE: mutual TLS and cleartext on one port"},
		{Namespace: "shop", Service: "cart", Port: 7070, Kind: KindTLS, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, Suites: gcm12, ClientAuth: tls.RequireAndVerifyClientCert, NextProtos: []string{"h2"}, Why: "mutual TLS (workload PeerAuthentication STRICT)"},
		{Namespace: "auth", Service: "idp", Port: 8443, Kind: KindReset, Why: "ambient STRICT: ztunnel resets connections from outside the mesh"},
		{Namespace: "data", Service: "postgres", Port: 5432, Kind: KindPostgres, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, Suites: gcm12, Why: "Postgres requiring SSL (STARTTLS), no client certificates"},
		{Namespace: "data", Service: "redis", Port: 6379, Kind: KindRedis, Why: "Redis without TLS or AUTH"},
		{Namespace: "monitoring", Service: "prometheus", Port: 9090, Kind: KindTLS, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
			Suites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_128_GCM_SHA256}, RSA: true, Why: "HTTPS with an RSA key-transport suite (SP 800-52r2 Appendix D)"},
		{Namespace: "monitoring", Service: "node-exporter", Port: 9100, Kind: KindPlainHTTP, Why: "metrics scraped in cleartext"},
		{Namespace: "legacy", Service: "legacy-billing", Port: 8443, Kind: KindTLS, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12, RSA: true, Expired: true,
			Suites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305}, NoStaple: true,
			Why: "TLS 1.0 with 3DES and an expired certificate; CBC without encrypt-then-MAC (Go has none) and no OCSP stapling"},
	}
}

// Lab is a set of running endpoints.
type Lab struct {
	CA        *CA
	Endpoints []*Endpoint
	Targets   []scan.Target
	Specs     []Spec
}

// Start starts one endpoint per spec, with certificates issued at issued
// (pass the evaluation time of the scan that will judge them, or time.Now()).
func Start(specs []Spec, issued time.Time) (*Lab, error) {
	return StartListening(specs, issued, nil)
}

// StartListening is Start with each endpoint listening where listen says
// (nil: a free loopback port), as a server pod of the in-cluster tests
// listens on its Service's ports.
func StartListening(specs []Spec, issued time.Time, listen func(Spec) string) (*Lab, error) {
	ca, err := NewCA("sc8scan demo lab CA", issued)
	if err != nil {
		return nil, err
	}
	l := &Lab{CA: ca, Specs: specs}
	for _, s := range specs {
		e := &Endpoint{Kind: s.Kind}
		if listen != nil {
			e.Listen = listen(s)
		}
		if s.Kind == KindTLS || s.Kind == KindPermissve || s.Kind == KindPostgres {
			cfg, err := l.tlsConfig(s)
			if err != nil {
				l.Close()
				return nil, err
			}
			e.TLS = cfg
		}
		if err := e.Start(); err != nil {
			l.Close()
			return nil, fmt.Errorf("%s/%s:%d: %w", s.Namespace, s.Service, s.Port, err)
		}
		l.Endpoints = append(l.Endpoints, e)
		l.Targets = append(l.Targets, scan.Target{Service: evidence.ServicePort{Namespace: s.Namespace, Name: s.Service, Port: s.Port}, Address: e.Addr()})
	}
	return l, nil
}

func (l *Lab) tlsConfig(s Spec) (*tls.Config, error) {
	dns := fmt.Sprintf("%s.%s.svc.cluster.local", s.Service, s.Namespace)
	leaf := Leaf{CommonName: dns, DNSNames: append([]string{dns, s.Service + "." + s.Namespace + ".svc"}, s.Names...), RSA: s.RSA,
		URIs: []string{fmt.Sprintf("spiffe://cluster.local/ns/%s/sa/%s", s.Namespace, s.Service)}}
	if s.Expired {
		leaf.NotBefore = l.CA.issued.Add(-3 * 365 * 24 * time.Hour)
		leaf.NotAfter = l.CA.issued.Add(-30 * 24 * time.Hour)
	}
	cert, err := l.CA.Issue(leaf)
	if err != nil {
		return nil, err
	}
	if !s.NoStaple {
		if cert.OCSPStaple, err = l.CA.Staple(cert); err != nil {
			return nil, err
		}
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert}, MinVersion: s.MinVersion, MaxVersion: s.MaxVersion,
		CipherSuites: s.Suites, ClientAuth: s.ClientAuth, ClientCAs: l.CA.Pool(), NextProtos: s.NextProtos,
	}, nil
}

// Close stops every endpoint.
func (l *Lab) Close() {
	for _, e := range l.Endpoints {
		e.Close()
	}
}

// WriteFiles writes targets.json (kind TargetMap) and ca.pem into dir.
func (l *Lab) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tm := scan.TargetMap{APIVersion: evidence.APIVersion, Kind: "TargetMap", Targets: l.Targets}
	data, err := json.MarshalIndent(tm, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "targets.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "ca.pem"), l.CA.PEM, 0o644)
}
