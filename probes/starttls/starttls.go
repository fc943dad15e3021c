package starttls

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// Protocols are the protocols Upgrade speaks.
var Protocols = []string{"postgres", "mysql", "smtp", "imap", "pop3", "ftp", "ldap"}

// Supported reports whether Upgrade speaks proto.
func Supported(proto string) bool {
	for _, p := range Protocols {
		if p == proto {
			return true
		}
	}
	return false
}

// RefusedError says the server answered but would not start TLS.
type RefusedError struct {
	Protocol string
	Reason   string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s server refused STARTTLS: %s", e.Protocol, e.Reason)
}

const (
	maxLine  = 2048
	maxLines = 64
)

// Upgrade runs proto's STARTTLS preamble on conn. On success the next bytes
// on conn belong to TLS. Deadlines are the caller's.
func Upgrade(conn net.Conn, proto string) error {
	// No read-ahead: bytes after the "go ahead" are the server's TLS.
	r := &byteReader{r: conn}
	switch proto {
	case "postgres":
		return postgres(conn)
	case "mysql":
		return mysql(conn)
	case "smtp":
		if _, err := reply(r, "220"); err != nil {
			return greetingErr(proto, err)
		}
		if err := send(conn, "EHLO sc8scan.invalid\r\n"); err != nil {
			return err
		}
		lines, err := reply(r, "250")
		if err != nil {
			return err
		}
		if !hasLine(lines, "STARTTLS") {
			return &RefusedError{Protocol: proto, Reason: "EHLO reply does not offer STARTTLS"}
		}
		if err := send(conn, "STARTTLS\r\n"); err != nil {
			return err
		}
		if _, err := reply(r, "220"); err != nil {
			return &RefusedError{Protocol: proto, Reason: err.Error()}
		}
		return nil
	case "imap":
		l, err := line(r)
		if err != nil || !strings.HasPrefix(l, "* OK") {
			return greetingErr(proto, fmt.Errorf("want * OK greeting: %v", err))
		}
		if err := send(conn, "a1 STARTTLS\r\n"); err != nil {
			return err
		}
		for i := 0; i < maxLines; i++ {
			l, err := line(r)
			if err != nil {
				return err
			}
			if strings.HasPrefix(l, "a1 ") {
				if strings.HasPrefix(l, "a1 OK") {
					return nil
				}
				return &RefusedError{Protocol: proto, Reason: "tagged reply " + safe(l)}
			}
		}
		return fmt.Errorf("imap: no tagged reply to STARTTLS")
	case "pop3":
		l, err := line(r)
		if err != nil || !strings.HasPrefix(l, "+OK") {
			return greetingErr(proto, fmt.Errorf("want +OK greeting: %v", err))
		}
		if err := send(conn, "STLS\r\n"); err != nil {
			return err
		}
		l, err = line(r)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(l, "+OK") {
			return &RefusedError{Protocol: proto, Reason: safe(l)}
		}
		return nil
	case "ftp":
		if _, err := reply(r, "220"); err != nil {
			return greetingErr(proto, err)
		}
		if err := send(conn, "AUTH TLS\r\n"); err != nil {
			return err
		}
		if _, err := reply(r, "234"); err != nil {
			return &RefusedError{Protocol: proto, Reason: err.Error()}
		}
		return nil
	case "ldap":
		return ldap(conn)
	}
	return fmt.Errorf("STARTTLS for %q is not supported (supported: %s)", proto, strings.Join(Protocols, ", "))
}

func greetingErr(proto string, err error) error {
	return fmt.Errorf("%s greeting: %w", proto, err)
}

func send(w io.Writer, s string) error {
	if _, err := io.WriteString(w, s); err != nil {
		return fmt.Errorf("sending command: %w", err)
	}
	return nil
}

// byteReader reads one byte at a time so nothing past a line is consumed.
type byteReader struct {
	r   io.Reader
	one [1]byte
}

func (b *byteReader) ReadByte() (byte, error) {
	_, err := io.ReadFull(b.r, b.one[:])
	return b.one[0], err
}

func line(r io.ByteReader) (string, error) {
	var sb strings.Builder
	for sb.Len() < maxLine {
		c, err := r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", errors.New("connection closed")
			}
			return "", err
		}
		if c == '\n' {
			return strings.TrimRight(sb.String(), "\r"), nil
		}
		sb.WriteByte(c)
	}
	return "", fmt.Errorf("line longer than %d bytes", maxLine)
}

// reply reads a (multi-line) SMTP/FTP reply and checks its code.
func reply(r io.ByteReader, code string) ([]string, error) {
	var lines []string
	for i := 0; i < maxLines; i++ {
		l, err := line(r)
		if err != nil {
			return nil, err
		}
		lines = append(lines, l)
		if len(l) < 3 {
			return nil, fmt.Errorf("malformed reply line %q", safe(l))
		}
		if len(l) == 3 || l[3] == ' ' {
			if l[:3] != code {
				return nil, fmt.Errorf("reply %s, want %s", safe(l), code)
			}
			return lines, nil
		}
	}
	return nil, fmt.Errorf("reply longer than %d lines", maxLines)
}

func hasLine(lines []string, word string) bool {
	for _, l := range lines {
		if len(l) > 4 && strings.EqualFold(strings.TrimSpace(l[4:]), word) {
			return true
		}
	}
	return false
}

// safe shortens a server line for an error message.
func safe(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return fmt.Sprintf("%q", s)
}

func postgres(conn net.Conn) error {
	req := []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f} // SSLRequest, code 80877103
	if _, err := conn.Write(req); err != nil {
		return fmt.Errorf("sending SSLRequest: %w", err)
	}
	var b [1]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil {
		return fmt.Errorf("reading the SSLRequest answer: %w", err)
	}
	switch b[0] {
	case 'S':
		return nil
	case 'N':
		return &RefusedError{Protocol: "postgres", Reason: "server answered N (SSL not enabled)"}
	}
	return fmt.Errorf("postgres: unexpected answer 0x%02x to SSLRequest", b[0])
}

func mysql(conn net.Conn) error {
	br := bufio.NewReaderSize(conn, 16) // greeting only; the server waits for us after it
	var hdr [4]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return greetingErr("mysql", err)
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	if n < 1 || n > 1<<16 {
		return greetingErr("mysql", fmt.Errorf("packet of %d bytes", n))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		return greetingErr("mysql", err)
	}
	if br.Buffered() > 0 {
		return greetingErr("mysql", errors.New("server sent more than its greeting"))
	}
	if body[0] == 0xff {
		return &RefusedError{Protocol: "mysql", Reason: "error packet instead of a greeting"}
	}
	if body[0] != 10 {
		return greetingErr("mysql", fmt.Errorf("protocol %d, want 10", body[0]))
	}
	i := bytes.IndexByte(body[1:], 0)
	off := 1 + i + 1 + 4 + 8 + 1
	if i < 0 || len(body) < off+2 {
		return greetingErr("mysql", errors.New("truncated greeting"))
	}
	caps := binary.LittleEndian.Uint16(body[off:])
	if caps&0x0800 == 0 {
		return &RefusedError{Protocol: "mysql", Reason: "greeting does not offer CLIENT_SSL"}
	}
	// SSLRequest: capabilities, max packet, charset, 23 reserved bytes.
	pkt := make([]byte, 4+32)
	pkt[0], pkt[3] = 32, 1
	binary.LittleEndian.PutUint32(pkt[4:], 0x0800|0x0200|0x8000|0x00080000) // SSL, PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH
	binary.LittleEndian.PutUint32(pkt[8:], 1<<24)
	pkt[12] = 45 // utf8mb4_general_ci
	if _, err := conn.Write(pkt); err != nil {
		return fmt.Errorf("sending SSLRequest: %w", err)
	}
	return nil
}

func ldap(conn net.Conn) error {
	oid := "1.3.6.1.4.1.1466.20037"
	req := []byte{0x30, byte(3 + 2 + 2 + len(oid)), 0x02, 0x01, 0x01, 0x77, byte(2 + len(oid)), 0x80, byte(len(oid))}
	req = append(req, oid...)
	if _, err := conn.Write(req); err != nil {
		return fmt.Errorf("sending StartTLS request: %w", err)
	}
	var hdr [2]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return fmt.Errorf("reading StartTLS response: %w", err)
	}
	if hdr[0] != 0x30 {
		return fmt.Errorf("ldap: answer is not an LDAPMessage")
	}
	n := int(hdr[1])
	if hdr[1]&0x80 != 0 {
		k := int(hdr[1] & 0x7f)
		if k == 0 || k > 3 {
			return fmt.Errorf("ldap: bad length")
		}
		lb := make([]byte, k)
		if _, err := io.ReadFull(conn, lb); err != nil {
			return err
		}
		n = 0
		for _, b := range lb {
			n = n<<8 | int(b)
		}
	}
	if n > 4096 {
		return fmt.Errorf("ldap: response of %d bytes", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(conn, body); err != nil {
		return err
	}
	// messageID, then [APPLICATION 24] ExtendedResponse whose first
	// element is resultCode ENUMERATED.
	if len(body) < 3 || body[0] != 0x02 {
		return fmt.Errorf("ldap: malformed response")
	}
	i := 2 + int(body[1])
	if i+2 >= len(body) || body[i] != 0x78 {
		return fmt.Errorf("ldap: not an ExtendedResponse")
	}
	i += 2
	if body[i-1]&0x80 != 0 {
		i += int(body[i-1] & 0x7f)
	}
	if i+2 >= len(body) || body[i] != 0x0a || body[i+1] != 1 {
		return fmt.Errorf("ldap: malformed resultCode")
	}
	if code := body[i+2]; code != 0 {
		return &RefusedError{Protocol: "ldap", Reason: fmt.Sprintf("resultCode %d", code)}
	}
	return nil
}
