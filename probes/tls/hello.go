package tls

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/rand"
	"fmt"
	"net"
	"sync"

	"golang.org/x/crypto/cryptobyte"
)

// Extension code points.
const (
	extServerName          = 0
	extClientCertURL       = 2
	extTruncatedHMAC       = 4
	extStatusRequest       = 5
	extSupportedGroups     = 10
	extECPointFormats      = 11
	extSignatureAlgorithms = 13
	extALPN                = 16
	extEncryptThenMAC      = 22
	extExtendedMasterSec   = 23
	extSupportedVersions   = 43
	extPSKModes            = 45
	extKeyShare            = 51
	extRenegotiationInfo   = 0xff01
)

// Group code points the engine makes key shares for.
const (
	groupSecp256r1      uint16 = 0x0017
	groupX25519         uint16 = 0x001d
	groupX25519MLKEM768 uint16 = 0x11ec
)

// Hello is what one ClientHello offers.
type Hello struct {
	// Version is the highest version offered. TLS 1.3 is offered through
	// supported_versions; lower versions through legacy_version.
	Version uint16
	// MinVersion, when set below Version, also offers the versions between
	// (supported_versions for 1.3; below 1.3 the server picks at most
	// Version anyway).
	MinVersion uint16
	Suites     []uint16
	Groups     []uint16
	// KeyShares are the groups to send key shares for (TLS 1.3); empty
	// asks the server to pick a group with a HelloRetryRequest.
	KeyShares  []uint16
	SigSchemes []uint16
	ServerName string
	ALPN       []string
	// OmitEMS leaves out extended_master_secret, and
	// OmitRenegotiationInfo the empty renegotiation_info, which every
	// other ClientHello carries.
	OmitEMS               bool
	OmitRenegotiationInfo bool
	// Extensions are sent as they are, after the others.
	Extensions []Extension
	// Compression lists the compression methods offered (default null
	// only); null is always added last.
	Compression []uint8
}

// Extension is one raw ClientHello extension.
type Extension struct {
	Type uint16
	Data []byte
}

// ephemeral keys are shared by every ClientHello of the process: no
// handshake is ever completed with them, so only their shape matters.
var (
	keysOnce  sync.Once
	keyShares map[uint16][]byte
	keysErr   error
)

func loadKeyShares() {
	keyShares = map[uint16][]byte{}
	x, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		keysErr = err
		return
	}
	keyShares[groupX25519] = x.PublicKey().Bytes()
	p, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		keysErr = err
		return
	}
	keyShares[groupSecp256r1] = p.PublicKey().Bytes()
	dk, err := mlkem.GenerateKey768()
	if err != nil {
		keysErr = err
		return
	}
	keyShares[groupX25519MLKEM768] = append(dk.EncapsulationKey().Bytes(), keyShares[groupX25519]...)
}

// Marshal writes the ClientHello as one or more records.
func (h Hello) Marshal() ([]byte, error) {
	keysOnce.Do(loadKeyShares)
	if keysErr != nil {
		return nil, fmt.Errorf("generating key shares: %w", keysErr)
	}
	if len(h.Suites) == 0 {
		return nil, fmt.Errorf("ClientHello offers no cipher suite")
	}
	legacy := h.Version
	if legacy > VersionTLS12 {
		legacy = VersionTLS12
	}
	random := make([]byte, 32)
	sid := make([]byte, 32)
	rand.Read(random)
	rand.Read(sid)

	var b cryptobyte.Builder
	b.AddUint16(legacy)
	b.AddBytes(random)
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(sid) })
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, s := range h.Suites {
			b.AddUint16(s)
		}
	})
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, c := range h.Compression {
			if c != 0 {
				b.AddUint8(c)
			}
		}
		b.AddUint8(0) // null compression
	})
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		if h.ServerName != "" && net.ParseIP(h.ServerName) == nil {
			b.AddUint16(extServerName)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					b.AddUint8(0) // host_name
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(h.ServerName)) })
				})
			})
		}
		if len(h.Groups) > 0 {
			b.AddUint16(extSupportedGroups)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					for _, g := range h.Groups {
						b.AddUint16(g)
					}
				})
			})
			b.AddUint16(extECPointFormats)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
			})
		}
		if len(h.SigSchemes) > 0 && h.Version >= VersionTLS12 {
			b.AddUint16(extSignatureAlgorithms)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					for _, s := range h.SigSchemes {
						b.AddUint16(s)
					}
				})
			})
		}
		if len(h.ALPN) > 0 {
			b.AddUint16(extALPN)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					for _, p := range h.ALPN {
						b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(p)) })
					}
				})
			})
		}
		if h.Version != VersionSSL30 && !h.OmitEMS {
			b.AddUint16(extExtendedMasterSec)
			b.AddUint16(0)
		}
		if h.Version >= VersionTLS13 {
			min := h.MinVersion
			if min == 0 || min > VersionTLS13 {
				min = VersionTLS13
			}
			b.AddUint16(extSupportedVersions)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
					for v := VersionTLS13; v >= min && v >= VersionTLS10; v-- {
						b.AddUint16(v)
					}
				})
			})
			b.AddUint16(extPSKModes)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(1) }) // psk_dhe_ke
			})
			b.AddUint16(extKeyShare)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					for _, g := range h.KeyShares {
						ks, ok := keyShares[g]
						if !ok {
							continue
						}
						b.AddUint16(g)
						b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(ks) })
					}
				})
			})
		}
		for _, e := range h.Extensions {
			b.AddUint16(e.Type)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.Data) })
		}
		if !h.OmitRenegotiationInfo {
			b.AddUint16(extRenegotiationInfo)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
		}
	})
	body, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("building ClientHello: %w", err)
	}
	msg := make([]byte, 0, 4+len(body))
	msg = append(msg, 1, byte(len(body)>>16), byte(len(body)>>8), byte(len(body)))
	msg = append(msg, body...)
	recVer := VersionTLS10
	if h.Version == VersionSSL30 {
		recVer = VersionSSL30
	}
	var out []byte
	for len(msg) > 0 {
		n := len(msg)
		if n > 1<<14 {
			n = 1 << 14
		}
		out = append(out, recordHandshake, byte(recVer>>8), byte(recVer), byte(n>>8), byte(n))
		out = append(out, msg[:n]...)
		msg = msg[n:]
	}
	return out, nil
}
