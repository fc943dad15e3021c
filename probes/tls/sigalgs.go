package tls

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"golang.org/x/crypto/cryptobyte"
)

// legacySigSchemes names the TLS 1.2 hash/signature pairs (RFC 5246
// 7.4.1.4.1) that the TLS 1.3 SignatureScheme registry leaves unnamed.
var legacySigSchemes = map[uint16]string{
	0x0101: "rsa_pkcs1_md5",
	0x0202: "dsa_sha1",
	0x0301: "rsa_pkcs1_sha224",
	0x0302: "dsa_sha224",
	0x0303: "ecdsa_sha224",
	0x0402: "dsa_sha256",
	0x0502: "dsa_sha384",
	0x0602: "dsa_sha512",
}

// SignatureSchemeName is the IANA name of a signature scheme, the RFC 5246
// hash/signature pair for the TLS 1.2 code points the registry leaves
// unnamed ("dsa_sha256"), or "0xHHHH".
func SignatureSchemeName(id uint16) string {
	if n, ok := legacySigSchemes[id]; ok {
		return n
	}
	return cryptoref.MustIANA().SignatureSchemeName(id)
}

// kxKind is how a TLS 1.0-1.2 suite exchanges keys, as far as the
// ServerKeyExchange is concerned.
type kxKind int

const (
	kxOther       kxKind = iota
	kxECDHESigned        // ECDHE_RSA, ECDHE_ECDSA
	kxDHESigned          // DHE_RSA, DHE_DSS
)

// suiteKeyExchange tells whether a suite's ServerKeyExchange is signed.
func suiteKeyExchange(suite uint16) kxKind {
	n := cryptoref.MustIANA().SuiteName(suite)
	switch {
	case strings.Contains(n, "_ECDHE_RSA_") || strings.Contains(n, "_ECDHE_ECDSA_"):
		return kxECDHESigned
	case strings.Contains(n, "_DHE_RSA_") || strings.Contains(n, "_DHE_DSS_"):
		return kxDHESigned
	}
	return kxOther
}

// serverKeyExchangeSignature reads the signature scheme of a TLS 1.2
// ECDHE or DHE ServerKeyExchange: the parameters, then the scheme and a
// non-empty signature that must end the message.
func serverKeyExchangeSignature(kind kxKind, body []byte) (uint16, error) {
	s := cryptobyte.String(body)
	switch kind {
	case kxECDHESigned:
		var curveType uint8
		var group uint16
		var point cryptobyte.String
		if !s.ReadUint8(&curveType) || curveType != 3 || !s.ReadUint16(&group) ||
			!s.ReadUint8LengthPrefixed(&point) || len(point) == 0 {
			return 0, fmt.Errorf("%w: ECDHE ServerKeyExchange parameters", ErrMalformed)
		}
	case kxDHESigned:
		for _, part := range []string{"p", "g", "Ys"} {
			var v cryptobyte.String
			if !s.ReadUint16LengthPrefixed(&v) || len(v) == 0 {
				return 0, fmt.Errorf("%w: DHE ServerKeyExchange %s", ErrMalformed, part)
			}
		}
	default:
		return 0, fmt.Errorf("ServerKeyExchange of a suite that signs none")
	}
	var scheme uint16
	var sig cryptobyte.String
	if !s.ReadUint16(&scheme) || !s.ReadUint16LengthPrefixed(&sig) || len(sig) == 0 || !s.Empty() {
		return 0, fmt.Errorf("%w: ServerKeyExchange signature", ErrMalformed)
	}
	return scheme, nil
}

// signedSuites are the suites of a TLS 1.2 list whose ServerKeyExchange
// carries a signature.
func signedSuites(suites []uint16) []uint16 {
	var out []uint16
	for _, s := range suites {
		if suiteKeyExchange(s) != kxOther {
			out = append(out, s)
		}
	}
	return out
}

// sigAlgs finds the signature schemes a TLS 1.2 server signs its
// ServerKeyExchange with: offer them all, note the one used, remove it,
// repeat, until the server refuses the handshake or signs with a scheme
// that was not offered (accepted+1 ClientHellos).
func (e *enumerator) sigAlgs(ctx context.Context, signed []uint16) {
	remaining := e.c.sigSchemes
	for len(remaining) > 0 {
		h := e.hello(VersionTLS12, signed)
		h.SigSchemes = remaining
		f, err := e.send(ctx, h, true)
		if err != nil {
			var rej *RejectedError
			if !errors.As(err, &rej) {
				e.fail("TLSv1.2 signature algorithms: %v", err)
			}
			return
		}
		if f.Hello.Version != VersionTLS12 {
			e.fail("TLSv1.2 signature algorithms: server negotiated %s", VersionName(f.Hello.Version))
			return
		}
		if f.SignatureErr != nil {
			e.fail("TLSv1.2 signature algorithms: %v", f.SignatureErr)
			return
		}
		if !f.Signed {
			e.fail("TLSv1.2 signature algorithms: no signed ServerKeyExchange with suite %s", e.c.iana.SuiteName(f.Hello.CipherSuite))
			return
		}
		if !contains(remaining, f.SignatureScheme) {
			e.mu.Lock()
			e.sigOutside = f.SignatureScheme
			e.mu.Unlock()
			return
		}
		e.mu.Lock()
		e.sigSchemes = append(e.sigSchemes, f.SignatureScheme)
		e.mu.Unlock()
		remaining = without(remaining, f.SignatureScheme)
	}
}
