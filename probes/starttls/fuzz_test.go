package starttls

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// scripted is a connection whose server side says b and then nothing.
type scripted struct {
	net.Conn
	r io.Reader
}

func (s *scripted) Read(p []byte) (int, error)       { return s.r.Read(p) }
func (s *scripted) Write(p []byte) (int, error)      { return len(p), nil }
func (s *scripted) Close() error                     { return nil }
func (s *scripted) SetDeadline(time.Time) error      { return nil }
func (s *scripted) SetReadDeadline(time.Time) error  { return nil }
func (s *scripted) SetWriteDeadline(time.Time) error { return nil }

func FuzzUpgrade(f *testing.F) {
	f.Add("smtp", []byte("220 mx\r\n250-mx\r\n250 STARTTLS\r\n220 go\r\n"))
	f.Add("imap", []byte("* OK hi\r\na1 OK go\r\n"))
	f.Add("pop3", []byte("+OK\r\n+OK\r\n"))
	f.Add("ftp", []byte("220 ftp\r\n234 go\r\n"))
	f.Add("postgres", []byte("S"))
	f.Add("ldap", []byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00})
	f.Add("mysql", []byte("\x20\x00\x00\x00\x0a8.0\x00\x01\x00\x00\x00abcdefgh\x00\x00\x0a"))
	f.Fuzz(func(t *testing.T, proto string, b []byte) {
		// Must end: every read is bounded and the script runs out.
		Upgrade(&scripted{r: bytes.NewReader(b)}, proto)
	})
}
