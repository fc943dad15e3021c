package tlsparse

import (
	"bytes"
	"encoding/binary"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
)

// Protocol versions.
const (
	VersionSSL30 = 0x0300
	VersionTLS10 = 0x0301
	VersionTLS11 = 0x0302
	VersionTLS12 = 0x0303
	VersionTLS13 = 0x0304
)

// Extension numbers this package reads.
const (
	ExtServerName          = 0
	ExtSupportedGroups     = 10
	ExtECPointFormats      = 11
	ExtSignatureAlgorithms = 13
	ExtALPN                = 16
	ExtSupportedVersions   = 43
)

// helloRetryRandom is the ServerHello.random that marks a
// HelloRetryRequest (RFC 8446 section 4.1.3).
var helloRetryRandom = []byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// ClientHello is what a ClientHello offered, GREASE values included, in
// wire order.
type ClientHello struct {
	LegacyVersion       uint16
	SessionIDLength     int
	CipherSuites        []uint16
	Extensions          []uint16
	ServerName          string
	ALPN                []string
	SupportedVersions   []uint16
	SupportedGroups     []uint16
	ECPointFormats      []uint8
	SignatureAlgorithms []uint16
	// SSLv2 is true for an SSL 2.0-compatible ClientHello (RFC 5246
	// appendix E.2): it has no extensions, and CipherSuites holds only the
	// cipher specs that name a TLS suite.
	SSLv2 bool
}

// MaxVersion is the highest non-GREASE version offered: supported_versions
// when present, else the legacy version.
func (c *ClientHello) MaxVersion() uint16 {
	var v uint16
	for _, s := range c.SupportedVersions {
		if !IsGREASE(s) && s > v {
			v = s
		}
	}
	if v == 0 {
		v = c.LegacyVersion
	}
	return v
}

// ServerHello is what a ServerHello (or HelloRetryRequest) chose.
type ServerHello struct {
	LegacyVersion     uint16
	SupportedVersion  uint16 // 0 when the extension is absent
	CipherSuite       uint16
	Extensions        []uint16
	ALPN              string
	HelloRetryRequest bool
}

// Version is the negotiated version: supported_versions decides when
// present (TLS 1.3), else the legacy version field.
func (s *ServerHello) Version() uint16 {
	if s.SupportedVersion != 0 {
		return s.SupportedVersion
	}
	return s.LegacyVersion
}

// ParseClientHello reads a ClientHello body (the handshake message without
// its 4-byte header). SSL 2.0-style hellos are not accepted.
func ParseClientHello(b []byte) (*ClientHello, error) {
	r := reader(b)
	ch := &ClientHello{}
	var ok bool
	if ch.LegacyVersion, ok = r.u16(); !ok {
		return nil, malformed("client hello version")
	}
	if _, ok = r.bytes(32); !ok {
		return nil, malformed("client hello random")
	}
	sid, ok := r.vec8()
	if !ok || len(sid) > 32 {
		return nil, malformed("client hello session id")
	}
	ch.SessionIDLength = len(sid)
	cs, ok := r.vec16()
	if !ok || len(cs)%2 != 0 {
		return nil, malformed("client hello cipher suites")
	}
	ch.CipherSuites = make([]uint16, 0, len(cs)/2)
	for len(cs) > 0 {
		v, _ := cs.u16()
		ch.CipherSuites = append(ch.CipherSuites, v)
	}
	if _, ok = r.vec8(); !ok {
		return nil, malformed("client hello compression methods")
	}
	if len(r) == 0 {
		return ch, nil // no extensions (SSL 3.0, old TLS clients)
	}
	exts, ok := r.vec16()
	if !ok {
		return nil, malformed("client hello extensions length")
	}
	ch.Extensions = make([]uint16, 0, min(len(exts)/4, 32))
	for len(exts) > 0 {
		typ, ok1 := exts.u16()
		data, ok2 := exts.vec16()
		if !ok1 || !ok2 {
			return nil, malformed("client hello extension")
		}
		ch.Extensions = append(ch.Extensions, typ)
		if err := ch.extension(typ, data); err != nil {
			return nil, err
		}
	}
	return ch, nil
}

func (ch *ClientHello) extension(typ uint16, data reader) error {
	switch typ {
	case ExtServerName:
		list, ok := data.vec16()
		if !ok {
			return malformed("server_name list")
		}
		for len(list) > 0 {
			nt, ok1 := list.u8()
			name, ok2 := list.vec16()
			if !ok1 || !ok2 {
				return malformed("server_name entry")
			}
			if nt == 0 && ch.ServerName == "" {
				ch.ServerName = string(name)
			}
		}
	case ExtALPN:
		list, ok := data.vec16()
		if !ok {
			return malformed("alpn list")
		}
		for len(list) > 0 {
			p, ok := list.vec8()
			if !ok {
				return malformed("alpn entry")
			}
			ch.ALPN = append(ch.ALPN, string(p))
		}
	case ExtSupportedVersions:
		list, ok := data.vec8()
		if !ok || len(list)%2 != 0 {
			return malformed("supported_versions")
		}
		ch.SupportedVersions = make([]uint16, 0, len(list)/2)
		for len(list) > 0 {
			v, _ := list.u16()
			ch.SupportedVersions = append(ch.SupportedVersions, v)
		}
	case ExtSupportedGroups:
		list, ok := data.vec16()
		if !ok || len(list)%2 != 0 {
			return malformed("supported_groups")
		}
		ch.SupportedGroups = make([]uint16, 0, len(list)/2)
		for len(list) > 0 {
			v, _ := list.u16()
			ch.SupportedGroups = append(ch.SupportedGroups, v)
		}
	case ExtECPointFormats:
		list, ok := data.vec8()
		if !ok {
			return malformed("ec_point_formats")
		}
		ch.ECPointFormats = append([]uint8(nil), list...)
	case ExtSignatureAlgorithms:
		list, ok := data.vec16()
		if !ok || len(list)%2 != 0 {
			return malformed("signature_algorithms")
		}
		ch.SignatureAlgorithms = make([]uint16, 0, len(list)/2)
		for len(list) > 0 {
			v, _ := list.u16()
			ch.SignatureAlgorithms = append(ch.SignatureAlgorithms, v)
		}
	}
	return nil
}

// IsSSLv2ClientHelloStart reports whether b begins with an SSL 2.0 record
// (two-byte header, no padding) holding a CLIENT-HELLO that offers SSL 3.0
// or a TLS version, the form old clients used to reach servers of either
// kind. It needs 11 bytes.
func IsSSLv2ClientHelloStart(b []byte) bool {
	if len(b) < 11 || b[0]&0x80 == 0 || b[2] != 1 || b[3] != 3 || b[4] > 3 {
		return false
	}
	n := int(b[0]&0x7f)<<8 | int(b[1])
	specs := int(binary.BigEndian.Uint16(b[5:7]))
	sid := int(binary.BigEndian.Uint16(b[7:9]))
	ch := int(binary.BigEndian.Uint16(b[9:11]))
	return specs > 0 && specs%3 == 0 && (sid == 0 || sid == 16) && ch >= 16 && ch <= 32 && n == 9+specs+sid+ch
}

// ParseSSLv2ClientHello reads the SSL 2.0-compatible ClientHello record at
// the start of b and returns it with the record's length.
func ParseSSLv2ClientHello(b []byte) (*ClientHello, int, error) {
	if !IsSSLv2ClientHelloStart(b) {
		return nil, 0, malformed("not an SSL 2.0 client hello")
	}
	n := 2 + (int(b[0]&0x7f)<<8 | int(b[1]))
	if len(b) < n {
		return nil, 0, malformed("SSL 2.0 client hello cut short")
	}
	specs := int(binary.BigEndian.Uint16(b[5:7]))
	ch := &ClientHello{LegacyVersion: binary.BigEndian.Uint16(b[3:5]), SSLv2: true,
		SessionIDLength: int(binary.BigEndian.Uint16(b[7:9]))}
	for i := 11; i < 11+specs; i += 3 {
		if b[i] == 0 { // a TLS cipher suite; others are SSL 2.0 kinds
			ch.CipherSuites = append(ch.CipherSuites, binary.BigEndian.Uint16(b[i+1:i+3]))
		}
	}
	return ch, n, nil
}

// IsTLS13 reports whether v is TLS 1.3 or one of its drafts (0x7fXX).
func IsTLS13(v uint16) bool { return v == VersionTLS13 || v>>8 == 0x7f }

// ParseServerHello reads a ServerHello body; a HelloRetryRequest comes back
// with HelloRetryRequest set. TLS 1.3 drafts before 22 put their version
// in the legacy field and have no session id or compression method.
func ParseServerHello(b []byte) (*ServerHello, error) {
	r := reader(b)
	sh := &ServerHello{}
	var ok bool
	if sh.LegacyVersion, ok = r.u16(); !ok {
		return nil, malformed("server hello version")
	}
	random, ok := r.bytes(32)
	if !ok {
		return nil, malformed("server hello random")
	}
	sh.HelloRetryRequest = bytes.Equal(random, helloRetryRandom)
	early := sh.LegacyVersion>>8 == 0x7f
	if !early {
		if sid, ok := r.vec8(); !ok || len(sid) > 32 {
			return nil, malformed("server hello session id")
		}
	}
	if sh.CipherSuite, ok = r.u16(); !ok {
		return nil, malformed("server hello cipher suite")
	}
	if !early {
		if _, ok = r.u8(); !ok {
			return nil, malformed("server hello compression method")
		}
	}
	if len(r) == 0 {
		return sh, nil
	}
	exts, ok := r.vec16()
	if !ok {
		return nil, malformed("server hello extensions length")
	}
	for len(exts) > 0 {
		typ, ok1 := exts.u16()
		data, ok2 := exts.vec16()
		if !ok1 || !ok2 {
			return nil, malformed("server hello extension")
		}
		sh.Extensions = append(sh.Extensions, typ)
		switch typ {
		case ExtSupportedVersions:
			v, ok := data.u16()
			if !ok {
				return nil, malformed("server supported_versions")
			}
			sh.SupportedVersion = v
		case ExtALPN:
			list, ok := data.vec16()
			if !ok {
				return nil, malformed("server alpn")
			}
			p, ok := list.vec8()
			if !ok {
				return nil, malformed("server alpn entry")
			}
			sh.ALPN = string(p)
		}
	}
	return sh, nil
}

// IsGREASE reports whether v is a GREASE value (RFC 8701): 0x?a?a with both
// bytes equal.
func IsGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// VersionName renders a protocol version as the wire format names it:
// "SSLv3", "TLSv1.0" ... "TLSv1.3"; other values, TLS 1.3 drafts
// (0x7fXX) among them, as hex, as the FlowReport schema says.
func VersionName(v uint16) string { return cryptoref.VersionName(v) }
