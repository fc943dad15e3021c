package tls

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
)

// Dialer opens a connection that is ready for a ClientHello: a plain TCP
// connection, or one already upgraded by a STARTTLS preamble. Closing the
// connection must release whatever the dialer holds.
type Dialer func(ctx context.Context) (net.Conn, error)

// Flight is what the server answered to one ClientHello.
type Flight struct {
	Hello *ServerHello
	// The fields below are filled only when the flight was read to its end
	// (TLS 1.0-1.2, ServerHelloDone).
	Certificates     [][]byte
	CertRequest      *certificateRequest
	KeyExchangeGroup uint16
	// DHBits is the size of a DHE prime, named group or not.
	DHBits int
	// SignatureScheme signs a TLS 1.2 (EC)DHE ServerKeyExchange when
	// Signed; SignatureErr says why a ServerKeyExchange that must be signed
	// did not parse.
	SignatureScheme uint16
	Signed          bool
	SignatureErr    error
	// OCSPStaple is the OCSP response of a CertificateStatus message
	// (RFC 6066 8), nil when the server sent none.
	OCSPStaple []byte
	Complete   bool
}

// keyExchangeGroup names the group of a TLS 1.0-1.2 ServerKeyExchange:
// the named curve of ECDHE, the RFC 7919 group whose prime DHE uses.
func keyExchangeGroup(suite uint16, ske []byte) (group uint16, dhBits int) {
	name := cryptoref.MustIANA().SuiteName(suite)
	switch {
	case strings.Contains(name, "_ECDHE_") || strings.Contains(name, "_ECDH_anon_"):
		g, _ := serverKeyExchangeGroup(ske)
		return g, 0
	case strings.Contains(name, "_DHE_") || strings.Contains(name, "_DH_anon_"):
		g, bits, _ := dheGroup(ske)
		return g, bits
	}
	return 0, 0
}

// RejectedError says the server refused a ClientHello: an alert, or a
// close or reset right after it. Enumeration reads it as "none of the
// offered parameters is acceptable".
type RejectedError struct{ Err error }

func (e *RejectedError) Error() string { return "server refused the ClientHello: " + e.Err.Error() }
func (e *RejectedError) Unwrap() error { return e.Err }

// exchange sends one ClientHello over a fresh connection and reads the
// server's answer: up to the ServerHello, or with full set (and a version
// below TLS 1.3 chosen) up to ServerHelloDone. It never completes a
// handshake.
func exchange(ctx context.Context, dial Dialer, h Hello, timeout time.Duration, full bool) (*Flight, error) {
	msg, err := h.Marshal()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	if _, err := conn.Write(msg); err != nil {
		return nil, classifyIOError(fmt.Errorf("sending ClientHello: %w", err), true)
	}
	hr := newHandshakeReader(conn)
	m, err := hr.next()
	if err != nil {
		return nil, classifyIOError(fmt.Errorf("reading ServerHello: %w", err), true)
	}
	if m.typ != typeServerHello {
		return nil, fmt.Errorf("%w: first handshake message has type %d, want ServerHello", ErrMalformed, m.typ)
	}
	sh, err := ParseServerHello(m.body)
	if err != nil {
		return nil, err
	}
	f := &Flight{Hello: sh}
	if !full || sh.Version >= VersionTLS13 || sh.RetryRequest {
		return f, nil
	}
	for i := 0; i < 16; i++ {
		m, err := hr.next()
		if err != nil {
			return f, classifyIOError(fmt.Errorf("reading the server's first flight: %w", err), false)
		}
		switch m.typ {
		case typeCertificate:
			if f.Certificates, err = parseCertificateList(m.body); err != nil {
				return f, err
			}
		case typeServerKeyExchange:
			f.KeyExchangeGroup, f.DHBits = keyExchangeGroup(sh.CipherSuite, m.body)
			if kind := suiteKeyExchange(sh.CipherSuite); sh.Version == VersionTLS12 && kind != kxOther {
				f.SignatureScheme, f.SignatureErr = serverKeyExchangeSignature(kind, m.body)
				f.Signed = f.SignatureErr == nil
			}
		case typeCertificateStatus:
			if f.OCSPStaple, err = parseCertificateStatus(m.body); err != nil {
				return f, err
			}
		case typeCertificateRequest:
			if f.CertRequest, err = parseCertificateRequest(m.body, sh.Version); err != nil {
				return f, err
			}
		case typeServerHelloDone:
			f.Complete = true
			return f, nil
		}
	}
	return f, fmt.Errorf("%w: no ServerHelloDone after 16 handshake messages", ErrMalformed)
}

// classifyIOError wraps alerts, and closes or resets right after the
// ClientHello, as RejectedError; timeouts and the rest stay as they are.
func classifyIOError(err error, atHello bool) error {
	var ae *AlertError
	if errors.As(err, &ae) {
		return &RejectedError{Err: err}
	}
	if atHello && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
		var nt *NotTLSError
		if !errors.As(err, &nt) {
			return &RejectedError{Err: err}
		}
	}
	return err
}

// IsTimeout reports whether err is a deadline running out.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}
