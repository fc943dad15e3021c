package tls

import (
	"context"
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Client-auth verdicts.
const (
	ClientAuthNone     = "none"
	ClientAuthOptional = "optional"
	ClientAuthRequired = "required"
	ClientAuthUnknown  = "unknown"
)

// HandshakeResult is what one full crypto/tls handshake, sent without a
// client certificate, learned.
type HandshakeResult struct {
	Version     uint16
	CipherSuite uint16
	Chain       []*x509.Certificate
	// ClientAuth is none, optional, required or unknown.
	ClientAuth         string
	ClientAuthEvidence string
	AcceptableCAs      []string
	// OCSPStaple is the OCSP response the server stapled to the
	// status_request crypto/tls always offers, nil when none.
	OCSPStaple []byte
	// Err is why the handshake did not complete, if it did not.
	Err error
}

// HandshakeOptions tune Handshake.
type HandshakeOptions struct {
	ServerName string
	// Timeout bounds the handshake.
	Timeout time.Duration
	// AuthWait is the longest wait for a TLS 1.3 server to refuse the empty
	// client Certificate; the wait is ten times the handshake's duration
	// (at least 100ms) when that is shorter.
	AuthWait time.Duration
	// HTTPCheck, when the TLS layer lets the empty Certificate through, sends
	// one HTTP/1.1 request: servers such as nginx enforce "client
	// certificate required" with an HTTP 400 instead of a TLS alert.
	HTTPCheck bool
	// ALPN protocols to offer (default none).
	ALPN []string
}

// Handshake runs a full crypto/tls handshake with no client certificate.
// When the server asks for one it answers with an empty Certificate; on TLS
// 1.3 the refusal arrives after the handshake, so it then reads for up to
// authWait: an alert means required, silence or data means optional.
func Handshake(ctx context.Context, dial Dialer, o HandshakeOptions) HandshakeResult {
	serverName, timeout, authWait := o.ServerName, o.Timeout, o.AuthWait
	var (
		res       HandshakeResult
		requested bool
		reqVer    uint16
	)
	suites := []uint16{}
	for _, s := range stdtls.CipherSuites() {
		suites = append(suites, s.ID)
	}
	for _, s := range stdtls.InsecureCipherSuites() {
		suites = append(suites, s.ID)
	}
	cfg := &stdtls.Config{
		InsecureSkipVerify: true, // the chain is judged separately (Verify)
		ServerName:         serverName,
		MinVersion:         stdtls.VersionTLS10,
		CipherSuites:       suites,
		NextProtos:         o.ALPN,
		GetClientCertificate: func(cri *stdtls.CertificateRequestInfo) (*stdtls.Certificate, error) {
			requested = true
			reqVer = cri.Version
			for _, ca := range cri.AcceptableCAs {
				res.AcceptableCAs = append(res.AcceptableCAs, distinguishedName(ca))
			}
			return &stdtls.Certificate{}, nil
		},
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if chain, err := ParseChain(raw); err == nil {
				res.Chain = chain
			}
			return nil
		},
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+authWait)
	defer cancel()
	raw, err := dial(ctx)
	if err != nil {
		res.ClientAuth = ClientAuthUnknown
		res.Err = fmt.Errorf("connecting: %w", err)
		return res
	}
	defer raw.Close()
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	raw.SetDeadline(time.Now().Add(timeout))
	conn := stdtls.Client(raw, cfg)
	hsStart := time.Now()
	herr := conn.HandshakeContext(ctx)
	// The refusal of an empty certificate takes about one more round trip
	// than the handshake: wait ten handshakes' time, at least 100ms, at
	// most authWait.
	authWait = min(max(10*time.Since(hsStart), 100*time.Millisecond), authWait)
	st := conn.ConnectionState()
	res.Version, res.CipherSuite = st.Version, st.CipherSuite
	res.OCSPStaple = st.OCSPResponse
	if herr != nil {
		res.Err = fmt.Errorf("full handshake: %w", herr)
		if requested && (isRemoteAlert(herr) || errors.Is(herr, io.EOF) || strings.Contains(herr.Error(), "reset by peer")) {
			res.ClientAuth = ClientAuthRequired
			res.ClientAuthEvidence = fmt.Sprintf("server sent a CertificateRequest (%s) and refused the empty Certificate: %s",
				VersionName(reqVer), remoteError(herr))
			res.Err = nil
			return res
		}
		res.ClientAuth = ClientAuthUnknown
		if requested {
			res.ClientAuthEvidence = "server sent a CertificateRequest, then the handshake failed without a verdict: " + herr.Error()
		} else {
			res.ClientAuthEvidence = "full handshake failed before any CertificateRequest: " + herr.Error()
		}
		return res
	}
	if !requested {
		res.ClientAuth = ClientAuthNone
		res.ClientAuthEvidence = fmt.Sprintf("handshake (%s) completed without a CertificateRequest", VersionName(st.Version))
		return res
	}
	if st.Version < stdtls.VersionTLS13 {
		res.ClientAuth = ClientAuthOptional
		res.ClientAuthEvidence = fmt.Sprintf("server sent a CertificateRequest (%s) and completed the handshake with an empty Certificate", VersionName(st.Version))
		if o.HTTPCheck {
			httpClientAuth(conn, raw, serverName, authWait, &res)
		}
		return res
	}
	// TLS 1.3: the server judges our empty Certificate after its own
	// Finished, so its refusal can only be read now.
	raw.SetDeadline(time.Now().Add(authWait))
	var one [1]byte
	_, rerr := conn.Read(one[:])
	switch {
	case rerr == nil:
		res.ClientAuth = ClientAuthOptional
		res.ClientAuthEvidence = "server sent a CertificateRequest (TLSv1.3), accepted the empty Certificate and sent data"
	case IsTimeout(rerr):
		res.ClientAuth = ClientAuthOptional
		res.ClientAuthEvidence = fmt.Sprintf("server sent a CertificateRequest (TLSv1.3) and kept the connection open %s after an empty Certificate", authWait)
	case isRemoteAlert(rerr):
		res.ClientAuth = ClientAuthRequired
		res.ClientAuthEvidence = "server sent a CertificateRequest (TLSv1.3) and answered the empty Certificate with " + remoteError(rerr)
	case errors.Is(rerr, io.EOF) || strings.Contains(rerr.Error(), "reset"):
		res.ClientAuth = ClientAuthRequired
		res.ClientAuthEvidence = "server sent a CertificateRequest (TLSv1.3) and closed the connection after an empty Certificate"
	default:
		res.ClientAuth = ClientAuthUnknown
		res.ClientAuthEvidence = "server sent a CertificateRequest (TLSv1.3); reading its verdict failed: " + rerr.Error()
	}
	if res.ClientAuth == ClientAuthOptional && rerr != nil && o.HTTPCheck {
		httpClientAuth(conn, raw, serverName, authWait, &res)
	}
	return res
}

// httpClientAuth asks for / over the established connection and turns an
// HTTP-layer refusal of the missing certificate into "required".
func httpClientAuth(conn *stdtls.Conn, raw net.Conn, host string, wait time.Duration, res *HandshakeResult) {
	raw.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: "+host+"\r\nUser-Agent: sc8scan-probe\r\nConnection: close\r\n\r\n"); err != nil {
		return
	}
	buf := make([]byte, 2048)
	n, _ := io.ReadAtLeast(conn, buf, 12)
	ans := strings.ToLower(string(buf[:n]))
	if strings.HasPrefix(ans, "http/1.") && strings.Contains(ans, " 400 ") &&
		(strings.Contains(ans, "no required ssl certificate") || strings.Contains(ans, "certificate required")) {
		res.ClientAuth = ClientAuthRequired
		res.ClientAuthEvidence += "; the HTTP request without a certificate got 400 \"no required SSL certificate\" (enforced at the HTTP layer)"
	}
}

func isRemoteAlert(err error) bool { return strings.Contains(err.Error(), "remote error: ") }

// remoteError names the alert in a crypto/tls error, or the error itself.
func remoteError(err error) string {
	s := err.Error()
	if i := strings.Index(s, "remote error: tls: "); i >= 0 {
		return "alert " + strings.ReplaceAll(s[i+len("remote error: tls: "):], " ", "_")
	}
	return s
}

// Verify checks chain against the PEM roots and name. It returns whether
// the chain is trusted, whether the leaf matches name, and why not.
func Verify(chain []*x509.Certificate, rootsPEM []byte, name string) (trusted, nameOK bool, err error) {
	if len(chain) == 0 {
		return false, false, errors.New("no certificate to verify")
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(rootsPEM) {
		return false, false, errors.New("CA bundle holds no PEM certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	var errs []string
	if _, verr := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); verr == nil {
		trusted = true
	} else {
		errs = append(errs, verr.Error())
	}
	if herr := chain[0].VerifyHostname(name); herr == nil {
		nameOK = true
	} else {
		errs = append(errs, herr.Error())
	}
	if len(errs) > 0 {
		err = errors.New(strings.Join(errs, "; "))
	}
	return trusted, nameOK, err
}
