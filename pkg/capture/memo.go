package capture

import (
	"encoding/binary"
	"slices"

	"github.com/sc8scan/sc8scan/pkg/capture/tlsparse"
	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// maxCached bounds each memo of the engine, and maxCachedBytes the
// certificates it keeps; a full memo is emptied.
const (
	maxCached      = 4096
	maxCachedBytes = 4 << 20
)

// memo remembers what is costly to recompute and repeats across flows:
// the same few client stacks and certificates make most handshakes, so
// fingerprints are keyed by the ClientHello fields they read, and parsed
// certificates by their DER bytes. A nil memo computes everything.
type memo struct {
	key       []byte
	fps       map[string][2]string
	servers   map[string]string
	certs     map[string]evidence.Certificate
	certBytes int
}

func newMemo() *memo {
	return &memo{
		fps:     make(map[string][2]string),
		servers: make(map[string]string),
		certs:   make(map[string]evidence.Certificate),
	}
}

func appendList16(b []byte, vs []uint16) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(vs)))
	for _, v := range vs {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	return b
}

// fingerprints returns JA3 and JA4 (transport 't' or 'q') of ch.
func (m *memo) fingerprints(ch *tlsparse.ClientHello, transport byte) (ja3, ja4 string) {
	if m == nil {
		return ch.JA3(), ch.JA4For(transport)
	}
	k := append(m.key[:0], transport)
	k = binary.BigEndian.AppendUint16(k, ch.LegacyVersion)
	k = appendList16(k, ch.CipherSuites)
	k = appendList16(k, ch.Extensions)
	k = appendList16(k, ch.SupportedGroups)
	k = appendList16(k, ch.SupportedVersions)
	k = appendList16(k, ch.SignatureAlgorithms)
	k = append(k, byte(len(ch.ECPointFormats)))
	k = append(k, ch.ECPointFormats...)
	if len(ch.ALPN) > 0 {
		k = append(k, byte(len(ch.ALPN[0])))
		k = append(k, ch.ALPN[0]...)
	}
	m.key = k
	if v, ok := m.fps[string(k)]; ok {
		return v[0], v[1]
	}
	v := [2]string{ch.JA3(), ch.JA4For(transport)}
	if len(m.fps) >= maxCached {
		clear(m.fps)
	}
	m.fps[string(k)] = v
	return v[0], v[1]
}

// ja3s returns the JA3S of sh.
func (m *memo) ja3s(sh *tlsparse.ServerHello) string {
	if m == nil {
		return sh.JA3S()
	}
	k := binary.BigEndian.AppendUint16(m.key[:0], sh.LegacyVersion)
	k = binary.BigEndian.AppendUint16(k, sh.CipherSuite)
	k = appendList16(k, sh.Extensions)
	m.key = k
	if v, ok := m.servers[string(k)]; ok {
		return v
	}
	v := sh.JA3S()
	if len(m.servers) >= maxCached {
		clear(m.servers)
	}
	m.servers[string(k)] = v
	return v
}

// certificates parses DER certificates into their wire form. The SANs of
// a memoised certificate are shared between flows: they are never
// modified.
func (m *memo) certificates(ders [][]byte) []evidence.Certificate {
	if m == nil || len(ders) == 0 {
		return certificates(ders)
	}
	out := make([]evidence.Certificate, 0, len(ders))
	for _, der := range ders {
		c, ok := m.certs[string(der)]
		if !ok {
			c = certificates([][]byte{der})[0]
			c.SANs = slices.Clip(c.SANs)
			if len(m.certs) >= maxCached || m.certBytes+len(der) > maxCachedBytes {
				clear(m.certs)
				m.certBytes = 0
			}
			m.certs[string(der)] = c
			m.certBytes += len(der)
		}
		out = append(out, c)
	}
	return out
}
