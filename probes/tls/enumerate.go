package tls

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
)

// EnumerateOptions bound an enumeration.
type EnumerateOptions struct {
	ServerName string
	// ConnTimeout bounds each handshake (default 5s).
	ConnTimeout time.Duration
	// Versions to try (default Versions: TLS 1.3 down to SSLv3).
	Versions []uint16
	// ALPN protocols to offer (default none; see Classification.ALPN).
	ALPN []string
}

// VersionResult is one accepted version with its suites in the order the
// server chose them.
type VersionResult struct {
	Version uint16
	Suites  []uint16
	// ServerPreference is nil when fewer than two suites were accepted.
	ServerPreference *bool
}

// Enumeration is everything the iterative ClientHellos found.
type Enumeration struct {
	Versions []VersionResult // newest first
	Groups   []uint16        // in the order the server chose them
	// Flight is the longest first flight seen below TLS 1.3 (certificates,
	// CertificateRequest), when one was read; FlightErr says why not. It is
	// not an enumeration error: the chain may come from elsewhere.
	Flight    *Flight
	FlightErr error
	// DHBits is the size of the DHE prime of TLS 1.0-1.2 DHE suites (0 when
	// none); a prime that is no RFC 7919 group is not in Groups.
	DHBits int
	// SignatureSchemes are the schemes a TLS 1.2 server signed its
	// (EC)DHE ServerKeyExchange with, in the server's order; nil when they
	// were not enumerated (SignatureSchemesSkipped says why).
	SignatureSchemes        []uint16
	SignatureSchemesSkipped string
	// SignatureSchemeOutside is a scheme the server signed with although
	// the ClientHello did not offer it (0 when none); enumeration stopped
	// there, and SignatureSchemes lists it too.
	SignatureSchemeOutside uint16
	// Handshakes is how many ClientHellos were sent.
	Handshakes int
	// Errors are the steps that ended without a conclusion.
	Errors []string
}

// Enumerate finds every accepted version, cipher suite and group with the
// offer-all / remove-the-chosen method: a version costs accepted+1
// ClientHellos, plus one to learn whether the server imposes its order;
// groups cost accepted+1 more, and so do the signature schemes a TLS 1.2
// server signs its (EC)DHE ServerKeyExchange with. Versions run
// concurrently; the dialer is where per-endpoint limits live.
func Enumerate(ctx context.Context, dial Dialer, o EnumerateOptions) (*Enumeration, error) {
	tab, err := cryptoref.LoadIANA()
	if err != nil {
		return nil, err
	}
	if o.ConnTimeout <= 0 {
		o.ConnTimeout = 5 * time.Second
	}
	if len(o.Versions) == 0 {
		o.Versions = Versions
	}
	e := &enumerator{c: newCandidates(tab), dial: dial, o: o}
	results := make([]*VersionResult, len(o.Versions))
	var wg sync.WaitGroup
	for i, v := range o.Versions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.version(ctx, v)
		}()
	}
	wg.Wait()
	out := &Enumeration{}
	var has13 bool
	var best12 *VersionResult
	for _, r := range results {
		if r == nil {
			continue
		}
		out.Versions = append(out.Versions, *r)
		if r.Version == VersionTLS13 {
			has13 = true
		} else if best12 == nil {
			best12 = r
		}
	}
	if has13 {
		e.groups13(ctx, out.Versions[0].Suites)
	}
	if best12 != nil {
		var ec, dhe []uint16
		for _, s := range best12.Suites {
			switch n := e.c.iana.SuiteName(s); {
			case strings.Contains(n, "_ECDHE_"):
				ec = append(ec, s)
			case strings.Contains(n, "_DHE_"):
				dhe = append(dhe, s)
			}
		}
		e.flight(ctx, best12.Version, best12.Suites)
		if len(ec) > 0 {
			e.groups12(ctx, best12.Version, ec)
		}
		if len(dhe) > 0 {
			e.dheGroup(ctx, best12.Version, dhe)
		}
	}
	var signed []uint16
	if best12 != nil && best12.Version == VersionTLS12 {
		signed = signedSuites(best12.Suites)
	}
	switch {
	case best12 == nil || best12.Version != VersionTLS12:
		out.SignatureSchemesSkipped = "no TLS 1.2: TLS 1.3 signs in the encrypted CertificateVerify, TLS 1.0 and 1.1 with fixed hashes"
	case len(signed) == 0:
		out.SignatureSchemesSkipped = "no TLS 1.2 ECDHE or DHE suite signed with the certificate key"
	default:
		e.sigAlgs(ctx, signed)
		out.SignatureSchemes = append([]uint16{}, e.sigSchemes...)
		out.SignatureSchemeOutside = e.sigOutside
		if e.sigOutside != 0 && !contains(out.SignatureSchemes, e.sigOutside) {
			// The server signs with it all the same: list it to be judged.
			out.SignatureSchemes = append(out.SignatureSchemes, e.sigOutside)
		}
	}
	out.Groups = e.groups
	out.Flight, out.FlightErr = e.longFlight, e.flightErr
	out.DHBits = e.dhBits
	out.Handshakes = int(e.handshakes.Load())
	out.Errors = e.errs
	return out, nil
}

type enumerator struct {
	c          *candidates
	dial       Dialer
	o          EnumerateOptions
	handshakes atomic.Int64

	mu         sync.Mutex
	errs       []string
	groups     []uint16
	longFlight *Flight
	flightErr  error
	dhBits     int
	sigSchemes []uint16
	sigOutside uint16
}

func (e *enumerator) fail(format string, a ...any) {
	e.mu.Lock()
	e.errs = append(e.errs, fmt.Sprintf(format, a...))
	e.mu.Unlock()
}

func (e *enumerator) hello(v uint16, suites []uint16) Hello {
	h := Hello{Version: v, Suites: suites, Groups: e.c.groups, SigSchemes: e.c.sigSchemes, ServerName: e.o.ServerName, ALPN: e.o.ALPN}
	if v >= VersionTLS13 {
		h.KeyShares = []uint16{groupX25519, groupSecp256r1}
	}
	return h
}

func (e *enumerator) send(ctx context.Context, h Hello, full bool) (*Flight, error) {
	e.handshakes.Add(1)
	return exchange(ctx, e.dial, h, e.o.ConnTimeout, full)
}

// version enumerates the suites of one version; nil when the version is
// not accepted.
func (e *enumerator) version(ctx context.Context, v uint16) *VersionResult {
	remaining := e.c.legacy
	if v >= VersionTLS13 {
		remaining = e.c.tls13
	}
	var accepted []uint16
	for len(remaining) > 0 {
		f, err := e.send(ctx, e.hello(v, remaining), false)
		if err != nil {
			var rej *RejectedError
			if !errors.As(err, &rej) {
				e.fail("%s: %v", VersionName(v), err)
			}
			break
		}
		sh := f.Hello
		if sh.Version != v {
			break // the server negotiated another version: v is refused
		}
		if !contains(remaining, sh.CipherSuite) {
			e.fail("%s: server chose suite %s, which was not offered", VersionName(v), e.c.iana.SuiteName(sh.CipherSuite))
			break
		}
		accepted = append(accepted, sh.CipherSuite)
		remaining = without(remaining, sh.CipherSuite)
	}
	if len(accepted) == 0 {
		return nil
	}
	r := &VersionResult{Version: v, Suites: accepted}
	if len(accepted) >= 2 {
		// Offer the accepted suites in reverse: a server that imposes its
		// order still picks its first choice.
		rev := make([]uint16, len(accepted))
		for i, s := range accepted {
			rev[len(accepted)-1-i] = s
		}
		f, err := e.send(ctx, e.hello(v, rev), false)
		if err == nil && f.Hello.Version == v {
			pref := f.Hello.CipherSuite == accepted[0]
			r.ServerPreference = &pref
		} else if err != nil {
			e.fail("%s: checking server preference: %v", VersionName(v), err)
		}
	}
	return r
}

// groups13 offers the remaining groups with no key share, so the server
// names its choice in a HelloRetryRequest (or a ServerHello).
func (e *enumerator) groups13(ctx context.Context, suites []uint16) {
	remaining := e.c.groups
	for len(remaining) > 0 {
		h := e.hello(VersionTLS13, suites)
		h.Groups, h.KeyShares = remaining, nil
		f, err := e.send(ctx, h, false)
		if err != nil {
			var rej *RejectedError
			if !errors.As(err, &rej) {
				e.fail("TLSv1.3 groups: %v", err)
			}
			return
		}
		g := f.Hello.Group
		if f.Hello.Version != VersionTLS13 || g == 0 {
			return
		}
		if !contains(remaining, g) {
			e.fail("TLSv1.3 groups: server chose group %s, which was not offered", e.c.iana.GroupName(g))
			return
		}
		e.addGroup(g)
		remaining = without(remaining, g)
	}
}

// groups12 reads the ECDHE group of each ServerKeyExchange.
func (e *enumerator) groups12(ctx context.Context, v uint16, ecSuites []uint16) {
	remaining := e.c.ecGroups
	for len(remaining) > 0 {
		h := e.hello(v, ecSuites)
		h.Groups = remaining
		f, err := e.send(ctx, h, true)
		if err != nil {
			var rej *RejectedError
			if !errors.As(err, &rej) {
				e.fail("%s groups: %v", VersionName(v), err)
			}
			return
		}
		g := f.KeyExchangeGroup
		if f.Hello.Version != v || g == 0 || !contains(remaining, g) {
			return
		}
		e.addGroup(g)
		remaining = without(remaining, g)
	}
}

// dheGroup names the finite-field group of the server's DHE parameters
// when it is an RFC 7919 group: TLS 1.2 servers pick their DH prime
// themselves, so one handshake tells.
func (e *enumerator) dheGroup(ctx context.Context, v uint16, dheSuites []uint16) {
	f, err := e.send(ctx, e.hello(v, dheSuites), true)
	if err != nil {
		var rej *RejectedError
		if !errors.As(err, &rej) {
			e.fail("%s DHE group: %v", VersionName(v), err)
		}
		return
	}
	e.mu.Lock()
	e.dhBits = f.DHBits
	e.mu.Unlock()
	if f.KeyExchangeGroup != 0 {
		e.addGroup(f.KeyExchangeGroup)
	}
}

// flight reads one complete first flight below TLS 1.3, for the chain and
// any CertificateRequest.
func (e *enumerator) flight(ctx context.Context, v uint16, suites []uint16) {
	f, err := e.send(ctx, e.hello(v, suites), true)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.flightErr = fmt.Errorf("%s first flight: %w", VersionName(v), err)
		return
	}
	e.longFlight = f
}

func (e *enumerator) addGroup(g uint16) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !contains(e.groups, g) {
		e.groups = append(e.groups, g)
	}
}
