package capture

import (
	"bytes"
	"encoding/binary"
)

// Plaintext protocol names (FlowPlaintext.Protocol, ProbeReport's
// plaintext.protocol).
const (
	ProtoHTTP10   = "http/1.0"
	ProtoHTTP11   = "http/1.1"
	ProtoH2C      = "h2c"
	ProtoGRPC     = "grpc"
	ProtoPostgres = "postgres"
	ProtoMySQL    = "mysql"
	ProtoRedis    = "redis"
	ProtoSMTP     = "smtp"
	ProtoDNS      = "dns"
	ProtoIMAP     = "imap"
	ProtoPOP3     = "pop3"
	ProtoXMPP     = "xmpp"
	ProtoSOCKS4   = "socks4"
	ProtoSOCKS5   = "socks5"
	ProtoFTP      = "ftp"
	ProtoLDAP     = "ldap"
)

// internal preamble names that can upgrade to TLS.
const (
	preHTTPConnect = "http-connect"
	prePGSSL       = "postgres-sslrequest"
	preMySQLSSL    = "mysql-sslrequest"
	preSMTPTLS     = "smtp-starttls"
	preHTTPUpgrade = "http-upgrade" // RFC 2817 Upgrade: TLS/1.x
)

var h2Preface = []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")

var methods = []string{"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "}

// httpMethod returns the HTTP/1 method b starts with, or "".
func httpMethod(b []byte) string {
	for _, m := range methods {
		if len(b) >= len(m) && string(b[:len(m)]) == m {
			return m[:len(m)-1]
		}
	}
	return ""
}

// detectPlain names the plaintext protocol of a TCP flow from the first
// bytes of each side (c from the client, s from the server). upgradable
// says the bytes are a preamble that may be followed by TLS.
func detectPlain(c, s []byte, serverPort uint16) (proto string, upgradable bool) {
	switch {
	case bytes.HasPrefix(c, h2Preface):
		grpc, decided := isGRPC(c[len(h2Preface):])
		if grpc {
			return ProtoGRPC, false
		}
		if !decided && len(c) < plainLimit {
			return ProtoH2C, true // HEADERS not seen yet: read on
		}
		return ProtoH2C, false
	case httpMethod(c) != "":
		line := c
		if i := bytes.IndexByte(c, '\n'); i >= 0 {
			line = c[:i]
		}
		if !bytes.Contains(line, []byte(" HTTP/1.")) {
			if i := bytes.IndexByte(c, '\n'); i < 0 && len(c) < 4096 {
				return ProtoHTTP11, false // request line not complete yet
			}
			return "", false
		}
		if httpMethod(c) == "CONNECT" {
			return preHTTPConnect, true
		}
		if hasHeader(c, "upgrade", "h2c") {
			return ProtoH2C, false
		}
		if hasHeader(c, "upgrade", "tls/1.") {
			return preHTTPUpgrade, true
		}
		if bytes.Contains(line, []byte("HTTP/1.0")) {
			return ProtoHTTP10, false
		}
		return ProtoHTTP11, false
	case len(c) >= 8 && binary.BigEndian.Uint32(c[0:4]) == 8 && binary.BigEndian.Uint32(c[4:8]) == 80877103:
		return prePGSSL, true
	case len(c) >= 8 && binary.BigEndian.Uint32(c[0:4]) == 8 && binary.BigEndian.Uint32(c[4:8]) == 80877104:
		return ProtoPostgres, false // GSSENCRequest
	case len(c) >= 8 && binary.BigEndian.Uint32(c[4:8]) == 0x00030000 && int(binary.BigEndian.Uint32(c[0:4])) < 10000:
		return ProtoPostgres, false // StartupMessage, protocol 3.0
	case isMySQLGreeting(s):
		if len(c) >= 36 && c[3] == 1 && int(c[0])|int(c[1])<<8|int(c[2])<<16 == 32 &&
			binary.LittleEndian.Uint32(c[4:8])&0x0800 != 0 {
			return preMySQLSSL, true
		}
		// The client's first packet (login or SSLRequest) decides.
		return ProtoMySQL, len(c) < 36
	case isSMTPBanner(s) || isSMTPClient(c):
		if bytes.Contains(bytes.ToUpper(c[:min(len(c), 4096)]), []byte("STARTTLS\r\n")) {
			return preSMTPTLS, true
		}
		return ProtoSMTP, true
	case isFTP(c, s):
		return ProtoFTP, true
	case isLDAPStartTLS(c):
		return ProtoLDAP, true
	case isIMAPGreeting(s):
		return ProtoIMAP, true
	case isPOP3Greeting(s):
		return ProtoPOP3, true
	case isXMPP(c) || isXMPP(s):
		return ProtoXMPP, true
	case isSOCKS5(c, s):
		return ProtoSOCKS5, true
	case isSOCKS4(c, s):
		return ProtoSOCKS4, true
	case isRedis(c) || len(c) == 0 && isRedisReply(s) && serverPort == 6379:
		return ProtoRedis, false
	case serverPort == 53 && len(c) >= 14 && int(binary.BigEndian.Uint16(c[0:2])) >= 12 && isDNS(c[2:]):
		return ProtoDNS, false
	case len(c) == 0 && bytes.HasPrefix(s, []byte("HTTP/1.")):
		return ProtoHTTP11, false
	}
	return "", false
}

// upgradeRefused reports whether a STARTTLS-capable preamble was answered
// with a refusal, so the flow stays plaintext.
func upgradeRefused(proto string, c, s []byte) bool {
	switch proto {
	case prePGSSL:
		return len(s) > 0 && s[0] == 'N' && len(c) > 8
	case preHTTPConnect:
		return len(s) >= 12 && !bytes.HasPrefix(s[9:], []byte("2"))
	case ProtoSMTP, ProtoIMAP, ProtoPOP3, ProtoXMPP, ProtoFTP, ProtoLDAP, preHTTPUpgrade:
		return len(c) >= 1024
	case ProtoSOCKS5:
		// Method reply, then the request's reply: 0 is success.
		return len(s) >= 4 && s[1] == 0 && s[3] != 0 || len(s) >= 2 && s[1] == 0xff
	case ProtoSOCKS4:
		return len(s) >= 2 && s[1] != 0x5a
	}
	return false
}

// plainName turns a preamble into the protocol reported when no TLS
// followed it.
func plainName(p string) string {
	switch p {
	case preHTTPConnect:
		return ProtoHTTP11
	case prePGSSL:
		return ProtoPostgres
	case preMySQLSSL:
		return ProtoMySQL
	case preSMTPTLS:
		return ProtoSMTP
	case preHTTPUpgrade:
		return ProtoHTTP11
	}
	return p
}

// starttlsName is FlowTLS.STARTTLS for a preamble.
func starttlsName(p string) string {
	switch p {
	case preHTTPConnect:
		return "http-connect"
	case prePGSSL:
		return "postgres"
	case preMySQLSSL:
		return "mysql"
	case preSMTPTLS, ProtoSMTP:
		return "smtp"
	case preHTTPUpgrade:
		return "http-upgrade"
	}
	// imap, pop3, xmpp, ftp, ldap, socks4, socks5: the protocol names
	// itself.
	return p
}

func hasHeader(req []byte, name, value string) bool {
	end := bytes.Index(req, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(req)
	}
	for _, line := range bytes.Split(req[:end], []byte("\r\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(k), []byte(name)) &&
			bytes.Contains(bytes.ToLower(v), []byte(value)) {
			return true
		}
	}
	return false
}

func isMySQLGreeting(s []byte) bool {
	if len(s) < 10 || s[3] != 0 || s[4] != 10 {
		return false
	}
	n := int(s[0]) | int(s[1])<<8 | int(s[2])<<16
	if n < 20 || n > 1024 {
		return false
	}
	i := bytes.IndexByte(s[5:], 0)
	if i <= 0 || i > 64 {
		return false
	}
	for _, b := range s[5 : 5+i] {
		if b < 0x20 || b > 0x7e {
			return false
		}
	}
	return true
}

func isSMTPBanner(s []byte) bool {
	if !bytes.HasPrefix(s, []byte("220 ")) && !bytes.HasPrefix(s, []byte("220-")) {
		return false
	}
	line := s
	if i := bytes.IndexByte(s, '\n'); i >= 0 {
		line = s[:i]
	}
	return bytes.Contains(bytes.ToUpper(line), []byte("SMTP"))
}

func isSMTPClient(c []byte) bool {
	u := bytes.ToUpper(c[:min(len(c), 5)])
	return bytes.Equal(u, []byte("EHLO ")) || bytes.Equal(u, []byte("HELO "))
}

// isRedis matches a RESP array of bulk strings or an inline command.
func isRedis(c []byte) bool {
	if len(c) >= 4 && c[0] == '*' && c[1] >= '1' && c[1] <= '9' {
		i := bytes.Index(c, []byte("\r\n"))
		return i > 1 && i < 8 && len(c) > i+2 && c[i+2] == '$'
	}
	for _, p := range []string{"PING\r\n", "AUTH ", "HELLO ", "INFO\r\n"} {
		if bytes.HasPrefix(c, []byte(p)) {
			return true
		}
	}
	return false
}

func isRedisReply(s []byte) bool {
	return bytes.HasPrefix(s, []byte("+PONG")) || bytes.HasPrefix(s, []byte("-NOAUTH")) || bytes.HasPrefix(s, []byte("-ERR"))
}

// isIMAPGreeting matches an IMAP server's first line (RFC 9051 section
// 7.1.1: OK, PREAUTH or BYE, untagged).
func isIMAPGreeting(s []byte) bool {
	for _, p := range []string{"* OK", "* PREAUTH", "* BYE"} {
		if bytes.HasPrefix(s, []byte(p)) {
			return true
		}
	}
	return false
}

// isPOP3Greeting matches a POP3 server's first line (RFC 1939).
func isPOP3Greeting(s []byte) bool { return bytes.HasPrefix(s, []byte("+OK")) }

// isXMPP matches the opening of an XMPP stream (RFC 6120 section 4.2).
func isXMPP(b []byte) bool {
	if !bytes.HasPrefix(b, []byte("<?xml")) && !bytes.HasPrefix(b, []byte("<stream:stream")) {
		return false
	}
	return bytes.Contains(b[:min(len(b), 512)], []byte("<stream:stream"))
}

// isSOCKS5 matches a SOCKS 5 greeting (RFC 1928): version 5, 1 to 9
// methods listed, and, when the server has answered, its method choice.
func isSOCKS5(c, s []byte) bool {
	if len(c) < 3 || c[0] != 5 || c[1] == 0 || c[1] > 9 || len(c) < 2+int(c[1]) {
		return false
	}
	for _, m := range c[2 : 2+int(c[1])] {
		if m > 9 && m < 0x80 {
			return false
		}
	}
	return len(s) == 0 || len(s) >= 2 && s[0] == 5
}

// isSOCKS4 matches a SOCKS 4 or 4a CONNECT or BIND request: version 4,
// command 1 or 2, port, address, then a NUL-terminated user id.
func isSOCKS4(c, s []byte) bool {
	if len(c) < 9 || c[0] != 4 || c[1] != 1 && c[1] != 2 {
		return false
	}
	if bytes.IndexByte(c[8:min(len(c), 8+256)], 0) < 0 {
		return false
	}
	return len(s) == 0 || len(s) >= 2 && s[0] == 0 && s[1] >= 0x5a && s[1] <= 0x5d
}

// isFTP matches an FTP control connection (RFC 959, RFC 4217): a 220
// greeting and a client command, or the client asking for TLS.
func isFTP(c, s []byte) bool {
	u := bytes.ToUpper(c[:min(len(c), 9)])
	if bytes.HasPrefix(u, []byte("AUTH TLS")) || bytes.HasPrefix(u, []byte("AUTH SSL")) {
		return true
	}
	return bytes.HasPrefix(s, []byte("220")) && !isSMTPBanner(s) &&
		(bytes.HasPrefix(u, []byte("USER ")) || bytes.HasPrefix(u, []byte("FEAT\r\n")) || bytes.HasPrefix(u, []byte("AUTH ")))
}

// ldapStartTLS is the OID of the LDAP StartTLS extended operation
// (RFC 4511 section 4.14.1).
var ldapStartTLS = []byte("1.3.6.1.4.1.1466.20037")

// isLDAPStartTLS matches an LDAP message (a BER SEQUENCE) carrying the
// StartTLS request.
func isLDAPStartTLS(c []byte) bool {
	return len(c) > 8 && c[0] == 0x30 && bytes.Contains(c[:min(len(c), 64)], ldapStartTLS)
}
