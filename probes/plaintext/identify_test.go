package plaintext

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func pgError(fields ...string) []byte {
	var body []byte
	for i := 0; i+1 < len(fields); i += 2 {
		body = append(append(body, fields[i][0]), fields[i+1]...)
		body = append(body, 0)
	}
	body = append(body, 0)
	return append(append([]byte{'E'}, binary.BigEndian.AppendUint32(nil, uint32(len(body)+4))...), body...)
}

func mysqlGreeting(caps uint16) []byte {
	body := []byte{10}
	body = append(body, "8.0.36\x00"...)
	body = append(body, 1, 0, 0, 0)        // thread id
	body = append(body, "abcdefgh\x00"...) // salt + filler
	body = binary.LittleEndian.AppendUint16(body, caps)
	return append([]byte{byte(len(body)), 0, 0, 0}, body...)
}

func TestIdentify(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want Identification
		ok   bool
	}{
		{"http 200", []byte("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"), Identification{"http/1.1", true, "HTTP/1.1 200 status line in cleartext"}, true},
		{"http 1.0 404", []byte("HTTP/1.0 404 Not Found\r\n\r\n"), Identification{"http/1.0", true, "HTTP/1.0 404 status line in cleartext"}, true},
		{"go https port", []byte("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"), Identification{"http/1.0", false, "HTTP 400 status line saying the port expects HTTPS"}, true},
		{"nginx https port", []byte("HTTP/1.1 400 Bad Request\r\n\r\n<html>The plain HTTP request was sent to HTTPS port</html>"), Identification{"http/1.1", false, "HTTP 400 status line saying the port expects HTTPS"}, true},
		{"smtp", []byte("220 mail.example ESMTP Postfix\r\n"), Identification{"smtp", true, "SMTP 220 greeting in cleartext"}, true},
		{"ftp", []byte("220 (vsFTPd 3.0.3)\r\n"), Identification{"ftp", true, "FTP 220 greeting in cleartext"}, true},
		{"imap", []byte("* OK [CAPABILITY IMAP4rev1] ready\r\n"), Identification{"imap", true, "IMAP greeting in cleartext"}, true},
		{"pop3", []byte("+OK POP3 ready\r\n"), Identification{"pop3", true, "POP3 greeting in cleartext"}, true},
		{"redis", []byte("-ERR wrong number of arguments for 'get' command\r\n"), Identification{"redis", true, "Redis RESP reply in cleartext"}, true},
		{"ssh", []byte("SSH-2.0-OpenSSH_9.2\r\n"), Identification{"ssh", false, "SSH banner (SSH encrypts after key exchange)"}, true},
		{"tls alert", []byte{0x15, 3, 3, 0, 2, 2, 70}, Identification{"tls", false, "TLS record in answer to cleartext"}, true},
		{"mysql with tls", mysqlGreeting(0x0800 | 0x0200), Identification{"mysql", true, "MySQL protocol 10 greeting in cleartext (server offers TLS)"}, true},
		{"mysql without tls", mysqlGreeting(0x0200), Identification{"mysql", true, "MySQL protocol 10 greeting in cleartext (server does not offer TLS)"}, true},
		{"postgres auth", []byte{'R', 0, 0, 0, 8, 0, 0, 0, 3}, Identification{"postgres", true, "PostgreSQL authentication request (type 3) on a cleartext connection"}, true},
		{"postgres hba refusal", pgError("S", "FATAL", "C", "28000", "M", "no pg_hba.conf entry for host"), Identification{"postgres", false, "PostgreSQL refused the cleartext connection (SQLSTATE 28000, no pg_hba.conf entry)"}, true},
		{"postgres other error", pgError("S", "FATAL", "C", "3D000", "M", "database does not exist"), Identification{"postgres", true, "PostgreSQL ErrorResponse (SQLSTATE 3D000) after a cleartext startup"}, true},
		{"h2 settings", []byte{0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100}, Identification{"h2c", true, "HTTP/2 SETTINGS frame in answer to the cleartext preface"}, true},
		{"ldap bind response", []byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00}, Identification{"ldap", true, "LDAP BindResponse to an anonymous bind in cleartext"}, true},
		{"garbage", []byte{0xde, 0xad, 0xbe, 0xef}, Identification{}, false},
		{"empty", nil, Identification{}, false},
	}
	for _, c := range cases {
		got, ok := Identify(c.in)
		if ok != c.ok {
			t.Errorf("%s: ok %v", c.name, ok)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

func FuzzIdentify(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\n"))
	f.Add(mysqlGreeting(0x0800))
	f.Add(pgError("S", "FATAL", "C", "28000", "M", "no pg_hba.conf entry"))
	f.Add([]byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, ok := Identify(b)
		if ok && id.Protocol == "" {
			t.Error("identified without a protocol")
		}
		if !ok && id != (Identification{}) {
			t.Error("unidentified answer with a result")
		}
	})
}
