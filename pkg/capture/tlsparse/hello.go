package tlsparse

import (
	"bytes"

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
		for len(list) > 0 {
			v, _ := list.u16()
			ch.SupportedVersions = append(ch.SupportedVersions, v)
		}
	case ExtSupportedGroups:
		list, ok := data.vec16()
		if !ok || len(list)%2 != 0 {
			return malformed("supported_groups")
		}
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
		for len(list) > 0 {
			v, _ := list.u16()
			ch.SignatureAlgorithms = append(ch.SignatureAlgorithms, v)
		}
	}
	return nil
}

// ParseServerHello reads a ServerHello body; a HelloRetryRequest comes back
// with HelloRetryRequest set.
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
	if sid, ok := r.vec8(); !ok || len(sid) > 32 {
		return nil, malformed("server hello session id")
	}
	if sh.CipherSuite, ok = r.u16(); !ok {
		return nil, malformed("server hello cipher suite")
	}
	if _, ok = r.u8(); !ok {
		return nil, malformed("server hello compression method")
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
// "SSLv3", "TLSv1.0" ... "TLSv1.3"; unknown values as hex.
func VersionName(v uint16) string { return cryptoref.VersionName(v) }
