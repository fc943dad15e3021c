package main

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// bufConn reads through the bufio.Reader that read the cleartext prelude,
// so no byte it buffered is lost to the TLS handshake.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// preludeServer speaks the cleartext start of IMAP, POP3 or XMPP up to the
// STARTTLS exchange, as openssl s_client -starttls expects it, then TLS,
// then reads until the client closes.
func preludeServer(args []string) error {
	fs := flag.NewFlagSet("prelude-server", flag.ContinueOnError)
	proto := fs.String("proto", "imap", "imap, pop3 or xmpp")
	f := &tlsFlags{}
	fs.StringVar(&f.addr, "addr", "127.0.0.1:18143", "address")
	fs.StringVar(&f.cert, "cert", "", "certificate PEM")
	fs.StringVar(&f.key, "key", "", "key PEM")
	fs.StringVar(&f.version, "version", "", "1.2 or 1.3 (default: both)")
	fs.IntVar(&f.n, "n", 1, "accepts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	return serveN(f.addr, f.n, 5*time.Second, func(c net.Conn) {
		defer c.Close()
		br := bufio.NewReader(c)
		if err := startTLS(*proto, c, br); err != nil {
			return
		}
		tc := tls.Server(bufConn{c, br}, cfg)
		if tc.Handshake() == nil {
			io.Copy(io.Discard, tc)
		}
	})
}

func startTLS(proto string, c net.Conn, br *bufio.Reader) error {
	say := func(s string) { io.WriteString(c, s) }
	switch proto {
	case "imap":
		say("* OK [CAPABILITY IMAP4rev1 STARTTLS] imap.test ready\r\n")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return err
			}
			tag, cmd, _ := strings.Cut(strings.TrimSpace(line), " ")
			switch strings.ToUpper(cmd) {
			case "CAPABILITY":
				say("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n" + tag + " OK CAPABILITY completed\r\n")
			case "STARTTLS":
				say(tag + " OK Begin TLS negotiation now\r\n")
				return nil
			default:
				say(tag + " BAD unknown command\r\n")
			}
		}
	case "pop3":
		say("+OK pop3.test ready\r\n")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return err
			}
			switch strings.ToUpper(strings.TrimSpace(line)) {
			case "CAPA":
				say("+OK\r\nSTLS\r\nUSER\r\n.\r\n")
			case "STLS":
				say("+OK Begin TLS negotiation\r\n")
				return nil
			default:
				say("-ERR unknown command\r\n")
			}
		}
	case "xmpp":
		if _, err := br.ReadString('>'); err != nil { // <stream:stream ...>
			return err
		}
		say("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'" +
			" id='sc8' from='xmpp.test' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>" +
			"<required/></starttls></stream:features>")
		for {
			tag, err := br.ReadString('>')
			if err != nil {
				return err
			}
			if strings.Contains(tag, "<starttls") {
				say("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
				return nil
			}
		}
	}
	return fmt.Errorf("unknown prelude %q", proto)
}

// socksProxy accepts SOCKS 4, 4a and 5 CONNECT requests and joins each to
// -to, whatever destination it names: the tunnelled bytes are the client's
// TLS, end to end.
func socksProxy(args []string) error {
	fs := flag.NewFlagSet("socks-proxy", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:11080", "address")
	to := fs.String("to", "", "where every tunnel goes")
	n := fs.Int("n", 1, "tunnels")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return serveN(*addr, *n, 10*time.Second, func(c net.Conn) {
		br := bufio.NewReader(c)
		if err := socksHandshake(c, br); err != nil {
			c.Close()
			return
		}
		up, err := net.DialTimeout("tcp", *to, 5*time.Second)
		if err != nil {
			c.Close()
			return
		}
		tunnel(c, br, up)
	})
}

func socksHandshake(c net.Conn, br *bufio.Reader) error {
	ver, err := br.ReadByte()
	if err != nil {
		return err
	}
	switch ver {
	case 4:
		var h [7]byte // command, port, address
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return err
		}
		if _, err := br.ReadString(0); err != nil { // user id
			return err
		}
		if h[3] == 0 && h[4] == 0 && h[5] == 0 && h[6] != 0 { // 4a: a host name follows
			if _, err := br.ReadString(0); err != nil {
				return err
			}
		}
		_, err = c.Write([]byte{0, 0x5a, h[1], h[2], h[3], h[4], h[5], h[6]})
		return err
	case 5:
		nm, err := br.ReadByte()
		if err != nil {
			return err
		}
		if _, err := io.ReadFull(br, make([]byte, nm)); err != nil {
			return err
		}
		if _, err := c.Write([]byte{5, 0}); err != nil { // no authentication
			return err
		}
		var h [4]byte // version, command, reserved, address type
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return err
		}
		var alen int
		switch h[3] {
		case 1:
			alen = 4
		case 4:
			alen = 16
		case 3:
			l, err := br.ReadByte()
			if err != nil {
				return err
			}
			alen = int(l)
		}
		if _, err := io.ReadFull(br, make([]byte, alen+2)); err != nil {
			return err
		}
		_, err = c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
		return err
	}
	return errors.New("not SOCKS")
}

// sslv2Hello sends an SSL 2.0-compatible ClientHello (RFC 5246 appendix
// E.2) offering TLS 1.2 to -addr, reads the server's first flight and
// closes: openssl s_client cannot send this form any more.
func sslv2Hello(args []string) error {
	fs := flag.NewFlagSet("sslv2-hello", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18443", "address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// ECDHE-ECDSA and RSA suites as SSL 2.0 cipher specs (a zero byte
	// before each TLS suite), one SSL 2.0 spec (RC4-MD5 with RSA), and
	// the renegotiation SCSV.
	specs := []uint32{0xc02b, 0xc02c, 0xc009, 0xc00a, 0x009c, 0x002f, 0x010080, 0x00ff}
	challenge := make([]byte, 32)
	rand.Read(challenge)
	msg := []byte{1, 3, 3}
	msg = binary.BigEndian.AppendUint16(msg, uint16(3*len(specs)))
	msg = binary.BigEndian.AppendUint16(msg, 0)
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(challenge)))
	for _, s := range specs {
		msg = append(msg, byte(s>>16), byte(s>>8), byte(s))
	}
	msg = append(msg, challenge...)
	rec := append([]byte{0x80 | byte(len(msg)>>8), byte(len(msg))}, msg...)
	c, err := net.DialTimeout("tcp", *addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write(rec); err != nil {
		return err
	}
	// Read until the server has sent its flight (ServerHelloDone) or stops.
	buf := make([]byte, 16<<10)
	n := 0
	for n < len(buf) {
		m, err := c.Read(buf[n:])
		n += m
		if err != nil || n >= 9 && buf[5] == 2 && strings.Contains(string(buf[:n]), "\x0e\x00\x00\x00") {
			break
		}
	}
	if n < 6 || buf[0] != 22 || buf[5] != 2 {
		return fmt.Errorf("no ServerHello in answer (%d bytes)", n)
	}
	return nil
}
