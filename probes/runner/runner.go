package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/probes/plaintext"
	"github.com/sc8scan/sc8scan/probes/plan"
	ptls "github.com/sc8scan/sc8scan/probes/tls"
)

// Run probes every target of p and returns one result per target, in plan
// order. A failure on one target is recorded in its result's Errors and the
// run goes on; Run returns an error only for an invalid plan.
func Run(ctx context.Context, p plan.Plan, opts ...Option) (*evidence.ProbeReport, error) {
	if err := Validate(p); err != nil {
		return nil, err
	}
	cfg := newConfig(opts)
	lim := p.Limits.WithDefaults()
	r := &run{cfg: cfg, plan: p, lim: lim, eps: &endpoints{slots: map[string]chan struct{}{}, per: lim.PerEndpoint}}
	rep := &evidence.ProbeReport{
		Header:  evidence.NewHeader(evidence.KindProbeReport, cfg.scanner),
		Results: make([]evidence.ProbeResult, len(p.Targets)),
	}
	jobs := make(chan int)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	workers := min(lim.Concurrency, len(p.Targets))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rep.Results[i] = r.target(ctx, p.Targets[i])
				mu.Lock()
				done++
				if cfg.progress != nil {
					cfg.progress(done, len(p.Targets))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range p.Targets {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return rep, nil
}

// Validate checks a plan before it runs.
func Validate(p plan.Plan) error {
	var errs []string
	for i, t := range p.Targets {
		switch {
		case strings.TrimSpace(t.Host) == "":
			errs = append(errs, fmt.Sprintf("target %d has no host", i))
		case t.Port < 1 || t.Port > 65535:
			errs = append(errs, fmt.Sprintf("target %d (%s) has port %d, want 1-65535", i, t.Host, t.Port))
		}
		if t.Scheme != "" && !knownScheme(t.Scheme) {
			errs = append(errs, fmt.Sprintf("target %d (%s:%d) has unknown scheme %q", i, t.Host, t.Port, t.Scheme))
		}
	}
	if p.InMesh != "" && p.InMesh != "sidecar" && p.InMesh != "ambient" {
		errs = append(errs, fmt.Sprintf("inMesh %q: want sidecar, ambient or nothing", p.InMesh))
	}
	if p.Limits.Concurrency < 0 || p.Limits.PerEndpoint < 0 || p.Limits.ConnTimeout < 0 || p.Limits.TargetTimeout < 0 {
		errs = append(errs, "limits must not be negative")
	}
	if p.CABundle != "" && !strings.Contains(p.CABundle, "-----BEGIN CERTIFICATE-----") {
		errs = append(errs, "caBundle holds no PEM certificate")
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid plan: %s", strings.Join(errs, "; "))
	}
	return nil
}

// Schemes a target may force.
var Schemes = []string{"tls", "https", "http", "postgres", "postgresql", "mysql", "smtp", "imap", "pop3", "ftp", "ldap", "ssh"}

func knownScheme(s string) bool {
	for _, k := range Schemes {
		if k == s {
			return true
		}
	}
	return false
}

type run struct {
	cfg  *config
	plan plan.Plan
	lim  plan.Limits
	eps  *endpoints
}

// result collects a target's findings from concurrent steps.
type result struct {
	mu sync.Mutex
	evidence.ProbeResult
}

func (r *result) errorf(format string, a ...any) {
	r.mu.Lock()
	r.Errors = append(r.Errors, fmt.Sprintf(format, a...))
	r.mu.Unlock()
}

func (r *run) target(ctx context.Context, t plan.Target) evidence.ProbeResult {
	started := r.cfg.now()
	res := &result{ProbeResult: evidence.ProbeResult{
		Target:  evidence.Target{Host: t.Host, Port: t.Port, ServerName: t.ServerName, Scheme: t.Scheme, Service: t.Service},
		Vantage: r.plan.Vantage,
		InMesh:  r.plan.InMesh,
		TLS:     evidence.TLSProbe{Versions: []evidence.TLSVersion{}, Groups: []string{}, Certificates: []evidence.Certificate{}},
		Errors:  []string{},
		Started: started.UTC(),
	}}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(r.lim.TargetTimeout))
	defer cancel()
	r.probe(ctx, t, res)
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		res.errorf("target budget of %s ran out; unfinished checks are not tested", time.Duration(r.lim.TargetTimeout))
	}
	if res.TLS.ClientAuth == "" {
		res.TLS.ClientAuth = ptls.ClientAuthUnknown
	}
	res.Duration = r.cfg.now().Sub(started).Round(time.Millisecond).String()
	r.cfg.log.Debug("probed target", "host", t.Host, "port", t.Port, "tls", res.TLS.Offered, "plaintext", res.Plaintext.Accepted, "errors", len(res.Errors))
	return res.ProbeResult
}

// hint picks the protocol to expect from the scheme, the appProtocol or
// port name, then the well-known port.
func hint(t plan.Target) string {
	norm := func(s string) string {
		s = strings.ToLower(s)
		if i := strings.LastIndexAny(s, "/."); i >= 0 && strings.Contains(s, "/") {
			s = s[i+1:] // kubernetes.io/h2c, example.com/grpc
		}
		switch {
		case s == "postgresql" || strings.HasPrefix(s, "postgres") || strings.HasPrefix(s, "pg"):
			return "postgres"
		case strings.HasPrefix(s, "mysql"):
			return "mysql"
		case strings.HasPrefix(s, "smtp") || s == "submission":
			return "smtp"
		case strings.HasPrefix(s, "imap"):
			return "imap"
		case strings.HasPrefix(s, "pop3"):
			return "pop3"
		case s == "ftp":
			return "ftp"
		case s == "ldap":
			return "ldap"
		case s == "ssh":
			return "ssh"
		case strings.HasPrefix(s, "grpc"):
			return "grpc"
		case s == "h2c" || s == "http2":
			return "h2c"
		}
		return ""
	}
	if t.Scheme == "tls" || t.Scheme == "https" {
		return "" // TLS from the first byte, whatever the port
	}
	if h := norm(t.Scheme); h != "" {
		return h
	}
	if h := norm(t.AppProtocol); h != "" {
		return h
	}
	// Port names follow "<protocol>[-<suffix>]" (Istio), or name the
	// protocol in another part ("tcp-postgres").
	for _, part := range strings.FieldsFunc(t.AppProtocol, func(r rune) bool { return r == '-' || r == '_' }) {
		if h := norm(part); h != "" {
			return h
		}
	}
	switch t.Port {
	case 5432:
		return "postgres"
	case 3306:
		return "mysql"
	case 25, 587:
		return "smtp"
	case 143:
		return "imap"
	case 110:
		return "pop3"
	case 21:
		return "ftp"
	case 389:
		return "ldap"
	case 22:
		return "ssh"
	}
	return ""
}

func (r *run) connTimeout() time.Duration { return time.Duration(r.lim.ConnTimeout) }

func (r *run) serverName(t plan.Target) string {
	if t.ServerName != "" {
		return t.ServerName
	}
	return t.Host
}

func (r *run) probe(ctx context.Context, t plan.Target, res *result) {
	dial := r.tcpDialer(t.Host, t.Port)
	h := hint(t)
	if h == "ssh" {
		r.ssh(ctx, dial, res)
		return
	}
	if isSTARTTLS(h) && t.Scheme != "" {
		// The scheme says what the port speaks: probe cleartext in that
		// protocol, then upgrade.
		r.plaintext(ctx, dial, h, t, res, false)
		r.starttls(ctx, dial, h, t, res)
		return
	}
	var (
		wg     sync.WaitGroup
		cls    *ptls.Classification
		clsErr error
		pr     plaintext.Result
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		cls, clsErr = ptls.Classify(ctx, ptls.Dialer(dial), r.serverName(t), r.connTimeout())
	}()
	go func() {
		defer wg.Done()
		if t.Scheme == "tls" || t.Scheme == "https" {
			return
		}
		pr = plaintext.Probe(ctx, dial, h, t.Host, r.connTimeout())
	}()
	wg.Wait()
	tlsOffered := cls != nil && cls.TLS
	switch {
	case cls == nil && pr.Identified && pr.Protocol != "tls":
		// The ClientHello got no answer, but the port speaks another
		// protocol in cleartext (PostgreSQL closes on a ClientHello): that
		// is the conclusion.
		res.TLS.Tested = true
	case cls == nil:
		// No conclusion; Tested stays false. A port that resets the
		// ClientHello and every cleartext request says so as a fact.
		res.errorf("TLS: %v", describe(clsErr, r.connTimeout()))
		plainReset := pr.Reset || t.Scheme == "tls" || t.Scheme == "https"
		res.ResetAll = plaintext.IsReset(clsErr) && plainReset
	case cls.TLS:
		res.TLS.Tested, res.TLS.Offered = true, true
	case cls.NotTLS != nil:
		if _, ok := plaintext.Identify(cls.NotTLS.Prefix); ok || pr.Identified {
			res.TLS.Tested = true // a clear non-TLS answer
		} else {
			res.errorf("TLS: %v", cls.NotTLS)
		}
	}
	if t.Scheme != "tls" && t.Scheme != "https" {
		r.fillPlaintext(pr, tlsOffered, res)
	}
	if tlsOffered {
		r.tlsDetails(ctx, ptls.Dialer(dial), t, cls, res)
		return
	}
	if pr.Identified {
		switch {
		case pr.Protocol == "ssh":
			r.ssh(ctx, dial, res)
		case isSTARTTLS(pr.Protocol):
			r.starttls(ctx, dial, pr.Protocol, t, res)
		}
	}
}

func (r *run) plaintext(ctx context.Context, dial func(context.Context) (net.Conn, error), h string, t plan.Target, res *result, tlsOffered bool) {
	pr := plaintext.Probe(ctx, dial, h, t.Host, r.connTimeout())
	r.fillPlaintext(pr, tlsOffered, res)
}

func (r *run) fillPlaintext(pr plaintext.Result, tlsOffered bool, res *result) {
	switch {
	case pr.Identified:
		// Protocol names what was accepted in cleartext; a refusal keeps
		// only its evidence.
		res.Plaintext = evidence.PlaintextProbe{Tested: true, Accepted: pr.Accepted, Evidence: pr.Evidence}
		if pr.Accepted {
			res.Plaintext.Protocol = pr.Protocol
		}
	case pr.Closed && tlsOffered:
		res.Plaintext = evidence.PlaintextProbe{Tested: true, Accepted: false,
			Evidence: "no cleartext answer (" + strings.Join(pr.Attempts, "; ") + ") on a port that speaks TLS"}
	case pr.DialErr != nil:
		res.errorf("plaintext: %v", describe(pr.DialErr, r.connTimeout()))
	default:
		if len(pr.Attempts) > 0 {
			res.errorf("plaintext: no recognised cleartext answer (%s)", strings.Join(pr.Attempts, "; "))
		}
	}
}

// describe turns low-level errors into target errors a reader can act on.
func describe(err error, timeout time.Duration) string {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return "cannot resolve host: " + dnsErr.Err
	case strings.Contains(err.Error(), "connection refused"):
		return "port closed (connection refused)"
	case ptls.IsTimeout(err):
		return fmt.Sprintf("no answer within %s (filtered, silent or tar-pitting port): %v", timeout, err)
	}
	return err.Error()
}

// tlsDetails fills certificates, client auth, verification and, when the
// plan asks, the full enumeration.
func (r *run) tlsDetails(ctx context.Context, dial ptls.Dialer, t plan.Target, cls *ptls.Classification, res *result) {
	iana := ianaTable()
	var (
		wg   sync.WaitGroup
		hs   ptls.HandshakeResult
		enum *ptls.Enumeration
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		hs = ptls.Handshake(ctx, dial, ptls.HandshakeOptions{ServerName: r.serverName(t), Timeout: r.connTimeout(),
			AuthWait: min(r.cfg.authWait, r.connTimeout()), HTTPCheck: res.STARTTLS == "" && !isSTARTTLS(t.Scheme) && cls.ALPN == nil,
			ALPN: cls.ALPN})
	}()
	if r.lim.Enumerate {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			enum, err = ptls.Enumerate(ctx, dial, ptls.EnumerateOptions{ServerName: r.serverName(t), ConnTimeout: r.connTimeout(), ALPN: cls.ALPN})
			if err != nil {
				res.errorf("TLS enumeration: %v", err)
			}
		}()
	}
	wg.Wait()
	if enum != nil && len(enum.Versions) > 0 {
		// SP 800-52r2 3.4: which extensions the server echoes or refuses,
		// offering only the versions and suites it accepts.
		res.TLS.Extensions = extensionsEvidence(ptls.Extensions(ctx, dial, ptls.ExtensionsOptions{
			ServerName: r.serverName(t), ConnTimeout: r.connTimeout(), ALPN: cls.ALPN,
			Versions: enum.Versions, SignatureSchemes: enum.SignatureSchemes, Handshake: &hs}))
	}

	// The raw first flight (below TLS 1.3) carries the chain and any
	// CertificateRequest in the clear.
	var flight *ptls.Flight
	if cls.Flight != nil && cls.Flight.Complete {
		flight = cls.Flight
	} else if enum != nil && enum.Flight != nil && enum.Flight.Complete {
		flight = enum.Flight
	}

	chain := hs.Chain
	if len(chain) == 0 && flight != nil && len(flight.Certificates) > 0 {
		c, err := ptls.ParseChain(flight.Certificates)
		if err != nil {
			res.errorf("TLS: %v", err)
		}
		chain = c
	}
	for _, c := range chain {
		res.TLS.Certificates = append(res.TLS.Certificates, ptls.CertificateFacts(c))
	}
	if len(chain) == 0 && enum != nil && enum.FlightErr != nil {
		res.errorf("TLS certificates: %v", enum.FlightErr)
	}

	res.TLS.ClientAuth, res.TLS.ClientAuthEvidence = hs.ClientAuth, hs.ClientAuthEvidence
	if cls.ALPN != nil {
		res.TLS.ClientAuthEvidence = fmt.Sprintf("the port answered TLS only to a ClientHello offering ALPN %s (an Istio sidecar's mTLS filter chain); %s",
			strings.Join(cls.ALPN, ","), res.TLS.ClientAuthEvidence)
	}
	res.TLS.AcceptableCAs = hs.AcceptableCAs
	if hs.ClientAuth == ptls.ClientAuthUnknown && flight != nil {
		// crypto/tls could not finish (suites it lacks); the raw flight
		// still shows whether a certificate was asked for.
		if flight.CertRequest == nil {
			res.TLS.ClientAuth = ptls.ClientAuthNone
			res.TLS.ClientAuthEvidence = fmt.Sprintf("no CertificateRequest in the %s first flight (full handshake not possible: %v)", ptls.VersionName(flight.Hello.Version), hs.Err)
		} else {
			res.TLS.ClientAuthEvidence = fmt.Sprintf("CertificateRequest in the %s first flight; a full handshake to tell optional from required was not possible: %v", ptls.VersionName(flight.Hello.Version), hs.Err)
			res.TLS.AcceptableCAs = ptls.CertificateRequestCAs(flight)
		}
	} else if hs.Err != nil {
		res.errorf("TLS: %v", hs.Err)
	}

	if r.plan.CABundle != "" {
		name := r.serverName(t)
		v := &evidence.Verification{Checked: true, Name: name}
		trusted, match, err := ptls.Verify(chain, []byte(r.plan.CABundle), name)
		v.Trusted, v.HostnameMatch = trusted, match
		if err != nil {
			v.Error = err.Error()
		}
		if len(chain) == 0 {
			v.Checked = false
		}
		res.TLS.Verification = v
	}

	if enum != nil {
		res.TLS.Enumerated = len(enum.Errors) == 0
		for _, v := range enum.Versions {
			tv := evidence.TLSVersion{Version: ptls.VersionName(v.Version), CipherSuites: []string{}, ServerPreference: v.ServerPreference}
			for _, s := range v.Suites {
				tv.CipherSuites = append(tv.CipherSuites, iana.SuiteName(s))
			}
			res.TLS.Versions = append(res.TLS.Versions, tv)
		}
		for _, g := range enum.Groups {
			res.TLS.Groups = append(res.TLS.Groups, iana.GroupName(g))
		}
		if enum.SignatureSchemes != nil {
			res.TLS.SignatureAlgorithms = []string{}
			for _, s := range enum.SignatureSchemes {
				res.TLS.SignatureAlgorithms = append(res.TLS.SignatureAlgorithms, ptls.SignatureSchemeName(s))
			}
		}
		if enum.SignatureSchemesSkipped != "" {
			r.cfg.log.Debug("signature algorithms not enumerated", "host", t.Host, "port", t.Port, "reason", enum.SignatureSchemesSkipped)
		}
		if enum.SignatureSchemeOutside != 0 {
			res.errorf("TLS signature algorithms: the server signed with %s, which the ClientHello did not offer",
				ptls.SignatureSchemeName(enum.SignatureSchemeOutside))
		}
		for _, e := range enum.Errors {
			res.errorf("TLS enumeration: %s", e)
		}
		if res.TLS.Enumerated {
			var leaf13 *evidence.Certificate
			if hs.Version == ptls.VersionTLS13 && len(hs.Chain) > 0 {
				c := ptls.CertificateFacts(hs.Chain[0])
				leaf13 = &c
			}
			res.TLS.Profiles = judge(res.TLS, leaf13)
		}
		return
	}
	// Classification only: what one handshake negotiated.
	// A HelloRetryRequest also fixes the version, the suite and the group.
	if cls.Flight != nil && cls.Flight.Hello != nil {
		sh := cls.Flight.Hello
		res.TLS.Versions = []evidence.TLSVersion{{Version: ptls.VersionName(sh.Version), CipherSuites: []string{iana.SuiteName(sh.CipherSuite)}}}
		if sh.Group != 0 {
			res.TLS.Groups = []string{iana.GroupName(sh.Group)}
		} else if cls.Flight.KeyExchangeGroup != 0 {
			res.TLS.Groups = []string{iana.GroupName(cls.Flight.KeyExchangeGroup)}
		}
	} else if cls.Alert != nil {
		res.errorf("TLS: the server answered the ClientHello with %v", cls.Alert)
	}
}
