package capture

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// appendFlow appends f as json.Marshal writes it, without its certificate
// chains (the flow encoder adds them), and reports false when a value is
// one it leaves to encoding/json (a time outside years 0 to 9999). No
// reflection: on handshake-dense traffic the report's encoding costs as
// much as reading the packets otherwise.
func appendFlow(b []byte, f *evidence.Flow) ([]byte, bool) {
	b = append(b, `{"client":`...)
	b = appendString(b, f.Client)
	b = append(b, `,"server":`...)
	b = appendString(b, f.Server)
	b = append(b, `,"transport":`...)
	b = appendString(b, f.Transport)
	var ok bool
	b = append(b, `,"firstSeen":`...)
	if b, ok = appendTime(b, f.FirstSeen); !ok {
		return b, false
	}
	b = append(b, `,"lastSeen":`...)
	if b, ok = appendTime(b, f.LastSeen); !ok {
		return b, false
	}
	b = append(b, `,"packets":`...)
	b = strconv.AppendInt(b, f.Packets, 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, f.Bytes, 10)
	b = append(b, `,"encrypted":`...)
	b = strconv.AppendBool(b, f.Encrypted)
	if f.Classification != "" {
		b = append(b, `,"classification":`...)
		b = appendString(b, f.Classification)
	}
	if t := f.TLS; t != nil {
		b = append(b, `,"tls":{"version":`...)
		b = appendString(b, t.Version)
		b = append(b, `,"cipherSuite":`...)
		b = appendString(b, t.CipherSuite)
		b = append(b, `,"serverName":`...)
		b = appendString(b, t.ServerName)
		b = append(b, `,"alpn":`...)
		b = appendStrings(b, t.ALPN)
		b = append(b, `,"clientCertificate":`...)
		b = appendString(b, t.ClientCertificate)
		b = append(b, `,"ja3":`...)
		b = appendString(b, t.JA3)
		b = append(b, `,"ja4":`...)
		b = appendString(b, t.JA4)
		if t.STARTTLS != "" {
			b = append(b, `,"starttls":`...)
			b = appendString(b, t.STARTTLS)
		}
		if t.JA3S != "" {
			b = append(b, `,"ja3s":`...)
			b = appendString(b, t.JA3S)
		}
		if t.ServerALPN != "" {
			b = append(b, `,"serverAlpn":`...)
			b = appendString(b, t.ServerALPN)
		}
		if t.HelloRetryRequest {
			b = append(b, `,"helloRetryRequest":true`...)
		}
		b = append(b, '}')
	}
	if p := f.Plaintext; p != nil {
		b = append(b, `,"plaintext":{"protocol":`...)
		b = appendString(b, p.Protocol)
		b = append(b, '}')
	}
	b = append(b, `,"mesh":`...)
	b = appendString(b, f.Mesh)
	if e := f.Source; e != nil {
		b = append(b, `,"source":`...)
		b = appendEndpoint(b, e)
	}
	if e := f.Destination; e != nil {
		b = append(b, `,"destination":`...)
		b = appendEndpoint(b, e)
	}
	if f.PathID != "" {
		b = append(b, `,"pathId":`...)
		b = appendString(b, f.PathID)
	}
	return append(b, '}'), true
}

func appendEndpoint(b []byte, e *evidence.FlowEndpoint) []byte {
	b = append(b, '{')
	sep := false
	field := func(key, v string) {
		if v == "" {
			return
		}
		if sep {
			b = append(b, ',')
		}
		sep = true
		b = append(b, key...)
		b = appendString(b, v)
	}
	field(`"namespace":`, e.Namespace)
	field(`"pod":`, e.Pod)
	field(`"workload":`, e.Workload)
	field(`"service":`, e.Service)
	if e.Port != 0 {
		if sep {
			b = append(b, ',')
		}
		b = append(b, `"port":`...)
		b = strconv.AppendInt(b, int64(e.Port), 10)
	}
	return append(b, '}')
}

// appendStrings writes a nil slice as null, as encoding/json does.
func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendTime writes t as time.Time's MarshalJSON does: RFC 3339 with
// nanoseconds, for years 0 to 9999 only.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does by default: the HTML
// characters <, > and & escaped, invalid UTF-8 replaced by U+FFFD, and
// U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendIndent appends compact JSON src (as json.Marshal writes it: no
// space outside strings) indented as json.Indent(dst, src, prefix, indent)
// would, in one pass with no scanner: each element on its own line,
// "key": value, empty objects and arrays kept as {} and [].
func appendIndent(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			dst = append(dst, c)
			switch c {
			case '\\':
				i++
				if i < len(src) {
					dst = append(dst, src[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			dst = append(dst, c)
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
