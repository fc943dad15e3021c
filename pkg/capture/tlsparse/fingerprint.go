package tlsparse

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// JA3String is the JA3 input string (salesforce/ja3): legacy version,
// ciphers, extensions, supported groups and point formats in decimal and
// wire order, GREASE removed.
func (c *ClientHello) JA3String() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(c.LegacyVersion)))
	b.WriteByte(',')
	join16(&b, c.CipherSuites)
	b.WriteByte(',')
	join16(&b, c.Extensions)
	b.WriteByte(',')
	join16(&b, c.SupportedGroups)
	b.WriteByte(',')
	for i, p := range c.ECPointFormats {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(strconv.Itoa(int(p)))
	}
	return b.String()
}

// JA3 is the MD5 of JA3String in lowercase hex.
func (c *ClientHello) JA3() string {
	sum := md5.Sum([]byte(c.JA3String()))
	return hex.EncodeToString(sum[:])
}

// JA3SString is the JA3S input string: version, cipher and extensions.
func (s *ServerHello) JA3SString() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d,%d,", s.LegacyVersion, s.CipherSuite)
	join16(&b, s.Extensions)
	return b.String()
}

// JA3S is the MD5 of JA3SString in lowercase hex.
func (s *ServerHello) JA3S() string {
	sum := md5.Sum([]byte(s.JA3SString()))
	return hex.EncodeToString(sum[:])
}

func join16(b *strings.Builder, vs []uint16) {
	first := true
	for _, v := range vs {
		if IsGREASE(v) {
			continue
		}
		if !first {
			b.WriteByte('-')
		}
		first = false
		b.WriteString(strconv.Itoa(int(v)))
	}
}

// JA4 is the JA4 fingerprint of a ClientHello over TCP
// (FoxIO-LLC/ja4, technical_details/JA4.md).
func (c *ClientHello) JA4() string { return c.JA4For('t') }

// JA4For is JA4 with the transport letter: 't' for TCP, 'q' for QUIC.
func (c *ClientHello) JA4For(transport byte) string {
	a, ciphers, exts := c.ja4Parts()
	return string(transport) + a[1:] + "_" + ja4Hash(ciphers) + "_" + ja4Hash(exts)
}

// JA4Raw is JA4 with the sorted lists in place of their hashes (JA4_r).
func (c *ClientHello) JA4Raw() string {
	a, ciphers, exts := c.ja4Parts()
	return a + "_" + ciphers + "_" + exts
}

func (c *ClientHello) ja4Parts() (a, ciphers, exts string) {
	var b strings.Builder
	b.WriteByte('t')
	b.WriteString(ja4Version(c.MaxVersion()))
	sni := false
	for _, e := range c.Extensions {
		if e == ExtServerName {
			sni = true
		}
	}
	if sni {
		b.WriteByte('d')
	} else {
		b.WriteByte('i')
	}
	cs := hexList(c.CipherSuites, nil)
	es := hexList(c.Extensions, nil)
	two := func(n int) { n = min(n, 99); b.WriteByte(byte('0' + n/10)); b.WriteByte(byte('0' + n%10)) }
	two(len(cs))
	two(len(es))
	b.WriteString(ja4ALPN(c.ALPN))
	slices.Sort(cs)
	sorted := hexList(c.Extensions, func(v uint16) bool { return v == ExtServerName || v == ExtALPN })
	slices.Sort(sorted)
	ext := strings.Join(sorted, ",")
	if sigs := hexList(c.SignatureAlgorithms, nil); len(sigs) > 0 {
		ext += "_" + strings.Join(sigs, ",")
	}
	return b.String(), strings.Join(cs, ","), ext
}

func hexList(vs []uint16, skip func(uint16) bool) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if IsGREASE(v) || (skip != nil && skip(v)) {
			continue
		}
		const digits = "0123456789abcdef"
		out = append(out, string([]byte{digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]}))
	}
	return out
}

func ja4Hash(s string) string {
	if s == "" {
		return "000000000000"
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:12]
}

func ja4Version(v uint16) string {
	switch v {
	case VersionTLS13:
		return "13"
	case VersionTLS12:
		return "12"
	case VersionTLS11:
		return "11"
	case VersionTLS10:
		return "10"
	case VersionSSL30:
		return "s3"
	case 0x0200:
		return "s2"
	case 0xfeff:
		return "d1"
	case 0xfefd:
		return "d2"
	case 0xfefc:
		return "d3"
	}
	return "00"
}

func ja4ALPN(alpn []string) string {
	if len(alpn) == 0 || alpn[0] == "" {
		return "00"
	}
	p := alpn[0]
	first, last := p[0], p[len(p)-1]
	if alnum(first) && alnum(last) {
		return string([]byte{first, last})
	}
	h := hex.EncodeToString([]byte(p))
	return string([]byte{h[0], h[len(h)-1]})
}

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}
