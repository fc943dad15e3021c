package tls

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// helloRetryRandom is the ServerHello.random that marks a
// HelloRetryRequest (RFC 8446 4.1.3).
var helloRetryRandom = []byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// ServerHello is what the server chose.
type ServerHello struct {
	// Version is the negotiated version: supported_versions when present,
	// else the legacy version field.
	Version       uint16
	LegacyVersion uint16
	CipherSuite   uint16
	Compression   uint8
	// Group is the key-exchange group of a TLS 1.3 key_share (or the group
	// a HelloRetryRequest asks for); 0 when none.
	Group uint16
	// RetryRequest marks a HelloRetryRequest.
	RetryRequest bool
	ALPN         string
	Extensions   []uint16
	// RenegotiationInfo is the renegotiated_connection field of a
	// renegotiation_info extension (empty on an initial handshake); nil
	// when the extension is absent.
	RenegotiationInfo []byte
}

// HasExtension reports whether the ServerHello carried extension typ.
func (sh *ServerHello) HasExtension(typ uint16) bool { return contains(sh.Extensions, typ) }

// ParseServerHello parses the body of a ServerHello handshake message.
func ParseServerHello(body []byte) (*ServerHello, error) {
	s := cryptobyte.String(body)
	sh := &ServerHello{}
	var random, sid []byte
	if !s.ReadUint16(&sh.LegacyVersion) || !s.ReadBytes(&random, 32) ||
		!s.ReadUint8LengthPrefixed((*cryptobyte.String)(&sid)) || !s.ReadUint16(&sh.CipherSuite) ||
		!s.ReadUint8(&sh.Compression) {
		return nil, fmt.Errorf("%w: truncated ServerHello", ErrMalformed)
	}
	if len(sid) > 32 {
		return nil, fmt.Errorf("%w: ServerHello session id of %d bytes", ErrMalformed, len(sid))
	}
	if sh.LegacyVersion>>8 != 3 {
		return nil, fmt.Errorf("%w: ServerHello version 0x%04x", ErrMalformed, sh.LegacyVersion)
	}
	sh.Version = sh.LegacyVersion
	sh.RetryRequest = bytes.Equal(random, helloRetryRandom)
	if s.Empty() {
		return sh, nil
	}
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, fmt.Errorf("%w: ServerHello extensions", ErrMalformed)
	}
	seen := map[uint16]bool{}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, fmt.Errorf("%w: ServerHello extension", ErrMalformed)
		}
		if seen[typ] {
			return nil, fmt.Errorf("%w: ServerHello repeats extension %d", ErrMalformed, typ)
		}
		seen[typ] = true
		sh.Extensions = append(sh.Extensions, typ)
		switch typ {
		case extSupportedVersions:
			if !data.ReadUint16(&sh.Version) || !data.Empty() {
				return nil, fmt.Errorf("%w: supported_versions", ErrMalformed)
			}
		case extKeyShare:
			// ServerHello: group + key; HelloRetryRequest: group only.
			if !data.ReadUint16(&sh.Group) {
				return nil, fmt.Errorf("%w: key_share", ErrMalformed)
			}
		case extALPN:
			var list, proto cryptobyte.String
			if !data.ReadUint16LengthPrefixed(&list) || !list.ReadUint8LengthPrefixed(&proto) {
				return nil, fmt.Errorf("%w: ALPN", ErrMalformed)
			}
			sh.ALPN = string(proto)
		case extRenegotiationInfo:
			var rc cryptobyte.String
			if !data.ReadUint8LengthPrefixed(&rc) || !data.Empty() {
				return nil, fmt.Errorf("%w: renegotiation_info", ErrMalformed)
			}
			sh.RenegotiationInfo = append([]byte{}, rc...)
		case extExtendedMasterSec, extEncryptThenMAC, extTruncatedHMAC, extClientCertURL:
			// RFC 7627, 7366, 6066: empty in a ServerHello.
			if !data.Empty() {
				return nil, fmt.Errorf("%w: extension %d carries data", ErrMalformed, typ)
			}
		}
	}
	return sh, nil
}

// parseCertificateList parses a TLS 1.0-1.2 Certificate message body into
// DER certificates.
func parseCertificateList(body []byte) ([][]byte, error) {
	s := cryptobyte.String(body)
	var list cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&list) || !s.Empty() {
		return nil, fmt.Errorf("%w: Certificate message", ErrMalformed)
	}
	var out [][]byte
	for !list.Empty() {
		var c cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&c) || len(c) == 0 {
			return nil, fmt.Errorf("%w: Certificate entry", ErrMalformed)
		}
		if len(out) == 16 {
			return nil, fmt.Errorf("%w: more than 16 certificates", ErrMalformed)
		}
		out = append(out, append([]byte(nil), c...))
	}
	return out, nil
}

// certificateRequest is a TLS 1.0-1.2 CertificateRequest.
type certificateRequest struct {
	SigSchemes []uint16
	// CAs are DER-encoded distinguished names.
	CAs [][]byte
}

func parseCertificateRequest(body []byte, version uint16) (*certificateRequest, error) {
	s := cryptobyte.String(body)
	var types, cas cryptobyte.String
	cr := &certificateRequest{}
	if !s.ReadUint8LengthPrefixed(&types) {
		return nil, fmt.Errorf("%w: CertificateRequest types", ErrMalformed)
	}
	if version >= VersionTLS12 {
		var algs cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&algs) {
			return nil, fmt.Errorf("%w: CertificateRequest algorithms", ErrMalformed)
		}
		for !algs.Empty() {
			var a uint16
			if !algs.ReadUint16(&a) {
				return nil, fmt.Errorf("%w: CertificateRequest algorithm", ErrMalformed)
			}
			cr.SigSchemes = append(cr.SigSchemes, a)
		}
	}
	if !s.ReadUint16LengthPrefixed(&cas) || !s.Empty() {
		return nil, fmt.Errorf("%w: CertificateRequest authorities", ErrMalformed)
	}
	for !cas.Empty() {
		var dn cryptobyte.String
		if !cas.ReadUint16LengthPrefixed(&dn) {
			return nil, fmt.Errorf("%w: CertificateRequest authority", ErrMalformed)
		}
		cr.CAs = append(cr.CAs, append([]byte(nil), dn...))
	}
	return cr, nil
}

// serverKeyExchangeGroup reads the named group of an ECDHE
// ServerKeyExchange; ok is false for other key exchanges.
func serverKeyExchangeGroup(body []byte) (group uint16, ok bool) {
	s := cryptobyte.String(body)
	var curveType uint8
	if !s.ReadUint8(&curveType) || curveType != 3 || !s.ReadUint16(&group) {
		return 0, false
	}
	return group, true
}
