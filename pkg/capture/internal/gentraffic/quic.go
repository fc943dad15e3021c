package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"strings"
	"time"
)

// quicClient sends the Initial packets of a QUIC v1 connection attempt
// (RFC 9000, protected per RFC 9001 section 5) carrying a ClientHello made
// by crypto/tls's QUIC client: the hello is cut into CRYPTO frames sent out
// of order, with PING frames between them, over two datagrams. It does not
// go on with the handshake: the capture is about reading the hello.
func quicClient(args []string) error {
	fs := flag.NewFlagSet("quic-client", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18453", "UDP address")
	sni := fs.String("sni", "quic.test", "server name")
	alpn := fs.String("alpn", "h3", "comma-separated ALPN list")
	lport := fs.Int("lport", 0, "local port (default: any)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dcid, scid := make([]byte, 8), make([]byte, 8)
	rand.Read(dcid)
	rand.Read(scid)
	qc := tls.QUICClient(&tls.QUICConfig{TLSConfig: &tls.Config{ServerName: *sni, NextProtos: strings.Split(*alpn, ","),
		MinVersion: tls.VersionTLS13, InsecureSkipVerify: true}})
	// initial_source_connection_id (0x0f), the one parameter a client
	// must send.
	tp := append([]byte{0x0f, byte(len(scid))}, scid...)
	qc.SetTransportParameters(tp)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := qc.Start(ctx); err != nil {
		return err
	}
	var hello []byte
	for ev := qc.NextEvent(); ev.Kind != tls.QUICNoEvent; ev = qc.NextEvent() {
		if ev.Kind == tls.QUICWriteData && ev.Level == tls.QUICEncryptionLevelInitial {
			hello = append(hello, ev.Data...)
		}
	}
	qc.Close()
	if len(hello) < 400 {
		return fmt.Errorf("ClientHello of %d bytes", len(hello))
	}
	// Five pieces; the first datagram carries pieces 3, 1 and 0, the
	// second 4 and 2.
	cut := []int{0, len(hello) / 5, 2 * len(hello) / 5, 3 * len(hello) / 5, 4 * len(hello) / 5, len(hello)}
	crypto := func(i int) []byte {
		f := []byte{0x06}
		f = appendVarint(f, uint64(cut[i]))
		f = appendVarint(f, uint64(cut[i+1]-cut[i]))
		return append(f, hello[cut[i]:cut[i+1]]...)
	}
	var p1, p2 []byte
	p1 = append(append(append(append(p1, crypto(3)...), 0x01), crypto(1)...), crypto(0)...)
	p2 = append(append(append(p2, crypto(4)...), 0x01), crypto(2)...)
	keys, err := quicInitialKeys(dcid)
	if err != nil {
		return err
	}
	d := net.Dialer{LocalAddr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: *lport}}
	c, err := d.Dial("udp", *addr)
	if err != nil {
		return err
	}
	defer c.Close()
	for pn, frames := range [][]byte{p1, p2} {
		if _, err := c.Write(sealInitial(keys, dcid, scid, uint32(pn), frames)); err != nil {
			return err
		}
	}
	return nil
}

// quicSink receives datagrams on a UDP port until -for has passed, so the
// client's packets reach a real socket.
func quicSink(args []string) error {
	fs := flag.NewFlagSet("udp-sink", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18453", "UDP address")
	d := fs.Duration("for", 5*time.Second, "how long to listen")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := net.ListenPacket("udp", *addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(*d))
	buf := make([]byte, 65536)
	for {
		if _, _, err := c.ReadFrom(buf); err != nil {
			return nil
		}
	}
}

func appendVarint(b []byte, v uint64) []byte {
	switch {
	case v < 1<<6:
		return append(b, byte(v))
	case v < 1<<14:
		return binary.BigEndian.AppendUint16(b, uint16(v)|0x4000)
	case v < 1<<30:
		return binary.BigEndian.AppendUint32(b, uint32(v)|0x80000000)
	}
	return binary.BigEndian.AppendUint64(b, v|0xc000000000000000)
}

type initialKeys struct {
	aead cipher.AEAD
	iv   []byte
	hp   cipher.Block
}

// hkdfLabel is HKDF-Expand-Label (RFC 8446 section 7.1) with no context.
func hkdfLabel(secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := binary.BigEndian.AppendUint16(nil, uint16(n))
	info = append(info, byte(len(full)))
	info = append(append(info, full...), 0)
	out, err := hkdf.Expand(sha256.New, secret, string(info), n)
	if err != nil {
		panic(err)
	}
	return out
}

// quicInitialKeys derives the client's Initial keys (RFC 9001 section
// 5.2) from the Destination Connection ID.
func quicInitialKeys(dcid []byte) (*initialKeys, error) {
	salt := []byte{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}
	initial, err := hkdf.Extract(sha256.New, dcid, salt)
	if err != nil {
		return nil, err
	}
	secret := hkdfLabel(initial, "client in", 32)
	block, err := aes.NewCipher(hkdfLabel(secret, "quic key", 16))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	hp, err := aes.NewCipher(hkdfLabel(secret, "quic hp", 16))
	if err != nil {
		return nil, err
	}
	return &initialKeys{aead: aead, iv: hkdfLabel(secret, "quic iv", 12), hp: hp}, nil
}

// sealInitial builds one protected Initial packet, padded so the datagram
// is 1200 bytes (RFC 9000 section 14.1), with a 4-byte packet number.
func sealInitial(k *initialKeys, dcid, scid []byte, pn uint32, frames []byte) []byte {
	hdr := []byte{0xc3} // long header, fixed bit, Initial, 4-byte packet number
	hdr = binary.BigEndian.AppendUint32(hdr, 1)
	hdr = append(append(hdr, byte(len(dcid))), dcid...)
	hdr = append(append(hdr, byte(len(scid))), scid...)
	hdr = append(hdr, 0) // no token
	overhead := len(hdr) + 2 + 4 + 16
	if pad := 1200 - overhead - len(frames); pad > 0 {
		frames = append(frames, make([]byte, pad)...) // PADDING frames
	}
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(4+len(frames)+16)|0x4000)
	pnOff := len(hdr)
	hdr = binary.BigEndian.AppendUint32(hdr, pn)
	nonce := append([]byte(nil), k.iv...)
	for i := 0; i < 4; i++ {
		nonce[len(nonce)-1-i] ^= byte(pn >> (8 * i))
	}
	pkt := k.aead.Seal(append([]byte(nil), hdr...), nonce, frames, hdr)
	mask := make([]byte, 16)
	k.hp.Encrypt(mask, pkt[pnOff+4:pnOff+20])
	pkt[0] ^= mask[0] & 0x0f
	for i := 0; i < 4; i++ {
		pkt[pnOff+i] ^= mask[1+i]
	}
	return pkt
}
