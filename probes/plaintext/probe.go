package plaintext

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// Result is the outcome of the cleartext probes.
type Result struct {
	Identification
	// Identified is true when some answer was recognised.
	Identified bool
	// Closed is true when every request was met with a close, a reset or
	// silence: no cleartext answer, which means "refused" only if the port
	// is known to speak something else (TLS).
	Closed bool
	// Reset is true when every request was met with a reset or a close
	// before any byte came back (not silence): the port accepts TCP and
	// then turns the client away, as a mesh proxy does under STRICT.
	Reset bool
	// Attempts describe what was tried, for errors.
	Attempts []string
	// DialErr is set when no connection could be made at all.
	DialErr error
}

// maxAnswer bounds what is read of any answer.
const maxAnswer = 4096

// laterWait bounds the wait for an answer to every request but the first.
const laterWait = 2 * time.Second

// Requests a probe may send, named by the protocol they speak.
const (
	reqHTTP     = "http"
	reqH2C      = "h2c"
	reqPostgres = "postgres"
	reqLDAP     = "ldap"
	reqGreeting = "greeting" // send nothing, wait for the server to speak
)

// Probe sends cleartext requests, most likely first by hint (a URL scheme,
// appProtocol or well-known port name such as "postgres"), until one is
// recognised. Each request uses a fresh connection from dial and ends
// within timeout.
func Probe(ctx context.Context, dial func(context.Context) (net.Conn, error), hint, host string, timeout time.Duration) Result {
	var r Result
	closed, resets := 0, 0
	order := requestOrder(hint)
	for i, req := range order {
		if ctx.Err() != nil {
			break
		}
		// The first request gets the whole timeout. A server that has
		// already answered it (by closing) answers a request in its own
		// protocol at once; silence to a later one is a protocol that
		// waits for more bytes (LDAP on an HTTP/2 preface), not a dead port.
		wait := timeout
		if i > 0 {
			wait = min(timeout, laterWait)
		}
		b, err := ask(ctx, dial, req, host, wait)
		var de *dialError
		if errors.As(err, &de) && errors.Is(de.err, syscall.ECONNRESET) {
			// The handshake completed and the peer's reset arrived before
			// the dial returned: an answer, the same as a reset after it.
			r.Attempts = append(r.Attempts, fmt.Sprintf("%s: %v", req, err))
			closed++
			resets++
			continue
		}
		if errors.As(err, &de) {
			r.DialErr = de.err
			r.Attempts = append(r.Attempts, fmt.Sprintf("%s: %v", req, err))
			return r
		}
		if id, ok := Identify(b); ok {
			if req == reqH2C && id.Protocol == "h2c" && (hint == "grpc" || hint == "grpc-web") {
				id.Protocol = "grpc"
			}
			r.Identification, r.Identified = id, true
			return r
		}
		switch {
		case err != nil && len(b) == 0 && isTimeout(err) && i == 0:
			// Silence from the start: another request would only wait as
			// long again.
			r.Attempts = append(r.Attempts, fmt.Sprintf("%s: no answer within %s", req, wait))
			r.Closed = true
			return r
		case err != nil && len(b) == 0 && isTimeout(err):
			r.Attempts = append(r.Attempts, fmt.Sprintf("%s: no answer within %s", req, wait))
			closed++
		case err != nil && len(b) == 0:
			r.Attempts = append(r.Attempts, fmt.Sprintf("%s: %v", req, err))
			closed++
			if IsReset(err) {
				resets++
			}
		case len(b) > 0:
			r.Attempts = append(r.Attempts, fmt.Sprintf("%s: %d unrecognised bytes", req, len(b)))
		}
	}
	r.Closed = closed == len(order)
	r.Reset = len(order) > 0 && resets == len(order)
	return r
}

// IsReset reports whether err is a connection the peer reset or closed
// before sending anything: ECONNRESET, EOF or an unexpected EOF (a timeout
// is silence, not a reset).
func IsReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func requestOrder(hint string) []string {
	switch hint {
	case "postgres", "postgresql":
		return []string{reqPostgres}
	case "ldap":
		return []string{reqLDAP}
	case "mysql", "smtp", "imap", "pop3", "ftp", "ssh":
		return []string{reqGreeting}
	case "grpc", "h2c", "http2", "grpc-web":
		return []string{reqH2C, reqHTTP}
	}
	return []string{reqHTTP, reqPostgres, reqH2C, reqLDAP}
}

// ask sends one request and returns the first bytes of the answer.
func ask(ctx context.Context, dial func(context.Context) (net.Conn, error), req, host string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dial(ctx)
	if err != nil {
		return nil, &dialError{err}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	if msg := request(req, host); len(msg) > 0 {
		if _, err := conn.Write(msg); err != nil {
			return nil, fmt.Errorf("sending: %w", err)
		}
	}
	buf := make([]byte, maxAnswer)
	n, err := io.ReadAtLeast(conn, buf, 1)
	if n > 0 {
		// A 400 may be an HTTPS port explaining itself in the body, which
		// can arrive in a later segment: wait for it like for the rest.
		if id, ok := Identify(buf[:n]); ok && !(strings.HasPrefix(id.Protocol, "http/") && bytes.Contains(buf[:n], []byte(" 400 "))) {
			return buf[:n], nil
		}
		// Give a split answer a moment to complete, bounded.
		conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		m, _ := io.ReadAtLeast(conn, buf[n:], 1)
		n += m
		return buf[:n], nil
	}
	if errors.Is(err, io.EOF) {
		return nil, errors.New("closed without an answer")
	}
	return nil, err
}

func request(req, host string) []byte {
	switch req {
	case reqHTTP:
		if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
			host = "[" + host + "]"
		}
		return []byte("GET / HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: sc8scan-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n")
	case reqH2C:
		preface := []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
		return append(preface, 0, 0, 0, 4, 0, 0, 0, 0, 0) // empty SETTINGS
	case reqPostgres:
		var body []byte
		body = binary.BigEndian.AppendUint32(body, 196608) // protocol 3.0
		for _, kv := range []string{"user", "sc8scan", "database", "sc8scan", "application_name", "sc8scan-probe"} {
			body = append(append(body, kv...), 0)
		}
		body = append(body, 0)
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(body)+4)), body...)
	case reqLDAP:
		// BindRequest, version 3, empty name, simple empty password.
		return []byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00}
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// dialError says no connection was made: no other request can do better.
type dialError struct{ err error }

func (e *dialError) Error() string { return "connecting: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }
