package ssh

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// Offer is what the server's KEXINIT lists, in its order of preference.
type Offer struct {
	Banner   string
	Kex      []string
	HostKeys []string
	// Ciphers and MACs are the server-to-client lists, merged with the
	// client-to-server ones when they differ.
	Ciphers []string
	MACs    []string
}

const (
	msgKexInit    = 20
	maxBanner     = 255
	maxPreBanner  = 32 // lines a server may send before its banner (RFC 4253 4.2)
	maxPacket     = 35000
	clientVersion = "SSH-2.0-sc8scan_probe"
)

// Probe connects and reads the server's banner and KEXINIT.
func Probe(ctx context.Context, dial func(context.Context) (net.Conn, error), timeout time.Duration) (*Offer, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	if _, err := io.WriteString(conn, clientVersion+"\r\n"); err != nil {
		return nil, fmt.Errorf("sending banner: %w", err)
	}
	o, err := Read(conn)
	if err != nil {
		return nil, err
	}
	// A KEXINIT of our own keeps the exchange well-formed; then we leave.
	conn.Write(clientKexInit())
	return o, nil
}

// Read parses a server's banner and first binary packet (its KEXINIT).
func Read(r io.Reader) (*Offer, error) {
	o := &Offer{}
	for i := 0; ; i++ {
		if i > maxPreBanner {
			return nil, errors.New("no SSH banner in the first lines")
		}
		l, err := readLine(r)
		if err != nil {
			return nil, fmt.Errorf("reading banner: %w", err)
		}
		if strings.HasPrefix(l, "SSH-") {
			if !strings.HasPrefix(l, "SSH-2.0-") && !strings.HasPrefix(l, "SSH-1.99-") {
				return nil, fmt.Errorf("server speaks %q, not SSH 2", printable(l))
			}
			o.Banner = printable(l)
			break
		}
	}
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("reading KEXINIT: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	pad := int(hdr[4])
	if n < 2 || n > maxPacket || pad+1 > int(n) {
		return nil, fmt.Errorf("KEXINIT packet length %d out of range", n)
	}
	body := make([]byte, n-1)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("reading KEXINIT: %w", err)
	}
	payload := body[:len(body)-pad]
	if err := parseKexInit(payload, o); err != nil {
		return nil, err
	}
	return o, nil
}

func parseKexInit(p []byte, o *Offer) error {
	s := cryptobyte.String(p)
	var typ uint8
	if !s.ReadUint8(&typ) || typ != msgKexInit || !s.Skip(16) {
		return errors.New("first packet is not a KEXINIT")
	}
	lists := make([][]string, 10)
	for i := range lists {
		var l uint32
		var nl []byte
		if !s.ReadUint32(&l) || l > maxPacket || !s.ReadBytes(&nl, int(l)) {
			return errors.New("truncated KEXINIT name-list")
		}
		if len(nl) > 0 {
			for _, n := range strings.Split(string(nl), ",") {
				if n == "" || len(n) > 64 {
					return errors.New("malformed KEXINIT name-list")
				}
				lists[i] = append(lists[i], printable(n))
			}
		}
	}
	o.Kex = nonNil(lists[0])
	o.HostKeys = nonNil(lists[1])
	o.Ciphers = merge(lists[3], lists[2])
	o.MACs = merge(lists[5], lists[4])
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func merge(a, b []string) []string {
	out := nonNil(append([]string(nil), a...))
	for _, x := range b {
		found := false
		for _, y := range out {
			if x == y {
				found = true
			}
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}

func readLine(r io.Reader) (string, error) {
	var sb strings.Builder
	var b [1]byte
	for sb.Len() <= maxBanner {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", err
		}
		if b[0] == '\n' {
			return strings.TrimRight(sb.String(), "\r"), nil
		}
		sb.WriteByte(b[0])
	}
	return "", fmt.Errorf("line longer than %d bytes", maxBanner)
}

func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

func clientKexInit() []byte {
	lists := []string{
		"curve25519-sha256,ecdh-sha2-nistp256", "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-256",
		"aes128-gcm@openssh.com", "aes128-gcm@openssh.com", "hmac-sha2-256", "hmac-sha2-256",
		"none", "none", "", "",
	}
	var b cryptobyte.Builder
	b.AddUint8(msgKexInit)
	cookie := make([]byte, 16)
	rand.Read(cookie)
	b.AddBytes(cookie)
	for _, l := range lists {
		b.AddUint32LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(l)) })
	}
	b.AddUint8(0)
	b.AddUint32(0)
	payload := b.BytesOrPanic()
	pad := 8 - (len(payload)+5)%8
	if pad < 4 {
		pad += 8
	}
	pkt := binary.BigEndian.AppendUint32(nil, uint32(len(payload)+pad+1))
	pkt = append(pkt, byte(pad))
	pkt = append(pkt, payload...)
	return append(pkt, make([]byte, pad)...)
}
