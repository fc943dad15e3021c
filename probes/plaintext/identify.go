package plaintext

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// Identification is what a server's first bytes say about it.
type Identification struct {
	// Protocol is "http/1.1", "http/1.0", "h2c", "postgres", "mysql",
	// "redis", "smtp", "imap", "pop3", "ftp", "ldap", "ssh", or "tls" when
	// the answer was a TLS record (the port wants TLS, not cleartext).
	Protocol string
	// Accepted is false when the protocol answered only to refuse
	// cleartext (an HTTPS port's 400, a TLS alert, pg_hba refusing a
	// non-SSL connection).
	Accepted bool
	Evidence string
}

// Identify names the protocol of an answer. ok is false for bytes it does
// not recognise.
func Identify(b []byte) (id Identification, ok bool) {
	if len(b) == 0 {
		return id, false
	}
	s := string(b[:min(len(b), 512)])
	line := firstLine(s)
	switch {
	case strings.HasPrefix(s, "HTTP/1."):
		proto := "http/1.1"
		if strings.HasPrefix(s, "HTTP/1.0") {
			proto = "http/1.0"
		}
		status := ""
		if f := strings.Fields(line); len(f) >= 2 {
			status = f[1]
		}
		lower := strings.ToLower(string(b))
		if strings.Contains(lower, "http request to an https server") ||
			strings.Contains(lower, "plain http request was sent to https port") {
			return Identification{Protocol: proto, Accepted: false,
				Evidence: fmt.Sprintf("HTTP %s status line saying the port expects HTTPS", status)}, true
		}
		return Identification{Protocol: proto, Accepted: true, Evidence: fmt.Sprintf("%s %s status line in cleartext", strings.ToUpper(proto), status)}, true
	case strings.HasPrefix(s, "SSH-"):
		return Identification{Protocol: "ssh", Accepted: false, Evidence: "SSH banner (SSH encrypts after key exchange)"}, true
	case strings.HasPrefix(s, "* OK") || strings.HasPrefix(s, "* PREAUTH"):
		return Identification{Protocol: "imap", Accepted: true, Evidence: "IMAP greeting in cleartext"}, true
	case strings.HasPrefix(s, "+OK"):
		return Identification{Protocol: "pop3", Accepted: true, Evidence: "POP3 greeting in cleartext"}, true
	case strings.HasPrefix(s, "220"):
		if strings.Contains(strings.ToUpper(line), "FTP") {
			return Identification{Protocol: "ftp", Accepted: true, Evidence: "FTP 220 greeting in cleartext"}, true
		}
		return Identification{Protocol: "smtp", Accepted: true, Evidence: "SMTP 220 greeting in cleartext"}, true
	case strings.HasPrefix(s, "-ERR") || strings.HasPrefix(s, "-NOAUTH") || strings.HasPrefix(s, "-DENIED") ||
		strings.HasPrefix(s, "+PONG") || strings.HasPrefix(s, "-WRONGPASS"):
		return Identification{Protocol: "redis", Accepted: true, Evidence: "Redis RESP reply in cleartext"}, true
	}
	if id, ok := identifyTLS(b); ok {
		return id, true
	}
	if id, ok := identifyMySQL(b); ok {
		return id, true
	}
	if id, ok := identifyPostgres(b); ok {
		return id, true
	}
	if id, ok := identifyH2(b); ok {
		return id, true
	}
	if id, ok := identifyLDAP(b); ok {
		return id, true
	}
	return id, false
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// identifyTLS recognises a TLS alert or handshake record.
func identifyTLS(b []byte) (Identification, bool) {
	if len(b) >= 5 && (b[0] == 0x15 || b[0] == 0x16) && b[1] == 3 && b[2] <= 4 {
		return Identification{Protocol: "tls", Accepted: false, Evidence: "TLS record in answer to cleartext"}, true
	}
	return Identification{}, false
}

// identifyMySQL recognises a protocol-10 greeting or an error packet.
func identifyMySQL(b []byte) (Identification, bool) {
	if len(b) < 5 || b[3] != 0 {
		return Identification{}, false
	}
	n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
	if n < 1 || n > 1<<16 {
		return Identification{}, false
	}
	switch b[4] {
	case 10:
		// server version string, NUL-terminated, then thread id, salt,
		// filler and the low capability flags.
		rest := b[5:]
		i := bytes.IndexByte(rest, 0)
		if i < 0 || i > 64 {
			return Identification{}, false
		}
		ev := "MySQL protocol 10 greeting in cleartext"
		capOff := i + 1 + 4 + 8 + 1
		if len(rest) >= capOff+2 {
			caps := binary.LittleEndian.Uint16(rest[capOff:])
			if caps&0x0800 != 0 {
				ev += " (server offers TLS)"
			} else {
				ev += " (server does not offer TLS)"
			}
		}
		return Identification{Protocol: "mysql", Accepted: true, Evidence: ev}, true
	case 0xff:
		if len(b) >= 7 {
			return Identification{Protocol: "mysql", Accepted: false, Evidence: fmt.Sprintf("MySQL error packet %d before the handshake", binary.LittleEndian.Uint16(b[5:]))}, true
		}
	}
	return Identification{}, false
}

// identifyPostgres recognises the answer to a StartupMessage: an
// authentication request ('R') or an ErrorResponse ('E').
func identifyPostgres(b []byte) (Identification, bool) {
	if len(b) < 9 || (b[0] != 'R' && b[0] != 'E') {
		return Identification{}, false
	}
	n := binary.BigEndian.Uint32(b[1:5])
	if n < 8 || n > 1<<16 {
		return Identification{}, false
	}
	if b[0] == 'R' {
		return Identification{Protocol: "postgres", Accepted: true,
			Evidence: fmt.Sprintf("PostgreSQL authentication request (type %d) on a cleartext connection", binary.BigEndian.Uint32(b[5:9]))}, true
	}
	fields := postgresFields(b[5:min(len(b), int(n)+1)])
	if fields['S'] == "" && fields['C'] == "" {
		return Identification{}, false
	}
	if strings.Contains(fields['M'], "pg_hba.conf") {
		return Identification{Protocol: "postgres", Accepted: false,
			Evidence: fmt.Sprintf("PostgreSQL refused the cleartext connection (SQLSTATE %s, no pg_hba.conf entry)", fields['C'])}, true
	}
	return Identification{Protocol: "postgres", Accepted: true,
		Evidence: fmt.Sprintf("PostgreSQL ErrorResponse (SQLSTATE %s) after a cleartext startup", fields['C'])}, true
}

func postgresFields(b []byte) map[byte]string {
	out := map[byte]string{}
	for len(b) > 1 && b[0] != 0 {
		t := b[0]
		end := bytes.IndexByte(b[1:], 0)
		if end < 0 {
			break
		}
		out[t] = string(b[1 : 1+end])
		b = b[2+end:]
	}
	return out
}

// identifyH2 recognises an HTTP/2 SETTINGS or GOAWAY frame (the answer to
// the h2c prior-knowledge preface).
func identifyH2(b []byte) (Identification, bool) {
	if len(b) < 9 || b[5]&0x80 != 0 {
		return Identification{}, false
	}
	n := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
	if n > 1<<14 {
		return Identification{}, false
	}
	switch {
	case b[3] == 0x4 && n%6 == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0 && b[8] == 0:
		return Identification{Protocol: "h2c", Accepted: true, Evidence: "HTTP/2 SETTINGS frame in answer to the cleartext preface"}, true
	case b[3] == 0x7 && n >= 8:
		return Identification{Protocol: "h2c", Accepted: true, Evidence: "HTTP/2 GOAWAY frame in answer to the cleartext preface"}, true
	}
	return Identification{}, false
}

// identifyLDAP recognises an LDAPMessage carrying a BindResponse or a
// notice of disconnection.
func identifyLDAP(b []byte) (Identification, bool) {
	if len(b) < 7 || b[0] != 0x30 {
		return Identification{}, false
	}
	// SEQUENCE { messageID INTEGER, protocolOp [APPLICATION n] }
	i := 1
	if b[i]&0x80 != 0 {
		i += int(b[i]&0x7f) + 1
	} else {
		i++
	}
	if i+2 >= len(b) || b[i] != 0x02 {
		return Identification{}, false
	}
	i += 2 + int(b[i+1])
	if i >= len(b) {
		return Identification{}, false
	}
	switch b[i] {
	case 0x61:
		return Identification{Protocol: "ldap", Accepted: true, Evidence: "LDAP BindResponse to an anonymous bind in cleartext"}, true
	case 0x78:
		return Identification{Protocol: "ldap", Accepted: true, Evidence: "LDAP extended response in cleartext"}, true
	}
	return Identification{}, false
}
