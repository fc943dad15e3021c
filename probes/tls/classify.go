package tls

import (
	"context"
	"errors"
	"time"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
)

// Classification is how a port answered one ClientHello offering every
// version from TLS 1.0 to 1.3 and every suite.
type Classification struct {
	// TLS is true when the server answered in TLS: a ServerHello or an alert.
	TLS bool
	// Flight is the answer when it was a ServerHello (read to its end below
	// TLS 1.3).
	Flight *Flight
	// Alert is the alert when the server refused the hello.
	Alert *AlertError
	// NotTLS is set when the server answered with bytes that are not TLS.
	NotTLS *NotTLSError
	// ALPN is set when the server answered only a ClientHello offering
	// these protocols; later handshakes must offer them too.
	ALPN []string
}

// IstioALPN is what an Istio sidecar's client offers. A STRICT sidecar
// matches its mTLS filter chain on these protocols and closes any other
// TLS connection without a word, so Classify retries with them.
var IstioALPN = []string{"istio-peer-exchange", "istio", "h2", "http/1.1"}

// Classify sends one ClientHello and decides whether the port speaks TLS.
// When the plain ClientHello is met with a close, it tries again offering
// IstioALPN (Classification.ALPN says so). An error means no conclusion:
// silence, a reset, a close, a timeout.
func Classify(ctx context.Context, dial Dialer, serverName string, timeout time.Duration) (*Classification, error) {
	cls, err := classify(ctx, dial, serverName, timeout, nil)
	var rej *RejectedError
	if errors.As(err, &rej) && ctx.Err() == nil {
		if c2, err2 := classify(ctx, dial, serverName, timeout, IstioALPN); err2 == nil && c2.TLS {
			c2.ALPN = IstioALPN
			return c2, nil
		}
	}
	return cls, err
}

func classify(ctx context.Context, dial Dialer, serverName string, timeout time.Duration, alpn []string) (*Classification, error) {
	tab, err := cryptoref.LoadIANA()
	if err != nil {
		return nil, err
	}
	c := newCandidates(tab)
	h := Hello{
		Version: VersionTLS13, MinVersion: VersionTLS10,
		Suites:     append(append([]uint16{}, c.tls13...), c.legacy...),
		Groups:     c.groups,
		KeyShares:  []uint16{groupX25519, groupSecp256r1},
		SigSchemes: c.sigSchemes,
		ServerName: serverName,
		ALPN:       alpn,
	}
	f, err := exchange(ctx, dial, h, timeout, true)
	var nt *NotTLSError
	var ae *AlertError
	switch {
	case errors.As(err, &nt):
		return &Classification{NotTLS: nt}, nil
	case errors.As(err, &ae):
		return &Classification{TLS: true, Alert: ae}, nil
	case f != nil && f.Hello != nil:
		// A ServerHello is a TLS answer even if the rest of the flight
		// went wrong; the error is kept for the caller.
		return &Classification{TLS: true, Flight: f}, err
	case err != nil:
		return nil, err
	}
	return &Classification{TLS: true, Flight: f}, nil
}
