package main

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"net"
	"time"
)

// TLS 1.3 drafts are gone from every stack at hand, so both ends are made
// here, over a real socket: the client sends crypto/tls's own ClientHello
// with draft 28 (0x7f1c) offered in place of TLS 1.3, and the server
// answers as a draft-28 server did: a ServerHello naming 0x7f1c, a
// ChangeCipherSpec and an encrypted record. Neither goes further.

const draft28 = 0x7f1c

// readRecord reads one TLS record, header included.
func readRecord(r io.Reader) ([]byte, error) {
	h := make([]byte, 5)
	if _, err := io.ReadFull(r, h); err != nil {
		return nil, err
	}
	body := make([]byte, binary.BigEndian.Uint16(h[3:5]))
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return append(h, body...), nil
}

// helloExtensions returns the offset of the extensions block of the
// ClientHello record b, and the session id.
func helloExtensions(b []byte) (int, []byte, error) {
	off := 5 + 4 + 2 + 32
	if len(b) < off+1 {
		return 0, nil, errors.New("short hello")
	}
	sid := b[off+1 : off+1+int(b[off])]
	off += 1 + int(b[off])
	off += 2 + int(binary.BigEndian.Uint16(b[off:]))
	off += 1 + int(b[off])
	return off + 2, sid, nil
}

func draftClient(args []string) error {
	fs := flag.NewFlagSet("draft13-client", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18454", "address")
	sni := fs.String("sni", "draft.test", "server name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cc, sc := net.Pipe()
	go tls.Client(cc, &tls.Config{ServerName: *sni, InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}).Handshake()
	hello, err := readRecord(sc)
	sc.Close()
	if err != nil {
		return err
	}
	off, _, err := helloExtensions(hello)
	if err != nil {
		return err
	}
	found := false
	for off+4 <= len(hello) {
		typ, n := binary.BigEndian.Uint16(hello[off:]), int(binary.BigEndian.Uint16(hello[off+2:]))
		if typ == 43 { // supported_versions: 0x0304 becomes draft 28
			list := hello[off+5 : off+4+n]
			for i := 0; i+1 < len(list); i += 2 {
				if binary.BigEndian.Uint16(list[i:]) == tls.VersionTLS13 {
					binary.BigEndian.PutUint16(list[i:], draft28)
					found = true
				}
			}
		}
		off += 4 + n
	}
	if !found {
		return errors.New("no TLS 1.3 in supported_versions")
	}
	c, err := net.DialTimeout("tcp", *addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write(hello); err != nil {
		return err
	}
	got, _ := io.ReadAll(c)
	if !bytes.HasPrefix(got, []byte{22, 3, 3}) {
		return errors.New("no ServerHello")
	}
	return nil
}

func draftServer(args []string) error {
	fs := flag.NewFlagSet("draft13-server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18454", "address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	hello, err := readRecord(c)
	if err != nil {
		return err
	}
	_, sid, err := helloExtensions(hello)
	if err != nil {
		return err
	}
	random, share, sealed := make([]byte, 32), make([]byte, 32), make([]byte, 90)
	rand.Read(random)
	rand.Read(share)
	rand.Read(sealed)
	var ext []byte
	ext = append(ext, 0, 43, 0, 2, draft28>>8, draft28&0xff) // supported_versions
	ext = append(ext, 0, 51, 0, 36, 0, 29, 0, 32)            // key_share: x25519
	ext = append(ext, share...)
	body := []byte{3, 3}
	body = append(body, random...)
	body = append(append(body, byte(len(sid))), sid...)
	body = append(body, 0x13, 0x01, 0) // TLS_AES_128_GCM_SHA256, no compression
	body = binary.BigEndian.AppendUint16(body, uint16(len(ext)))
	body = append(body, ext...)
	msg := append([]byte{2, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	out := append([]byte{22, 3, 3}, binary.BigEndian.AppendUint16(nil, uint16(len(msg)))...)
	out = append(out, msg...)
	out = append(out, 20, 3, 3, 0, 1, 1)
	out = append(out, 23, 3, 3, 0, byte(len(sealed)))
	out = append(out, sealed...)
	if _, err := c.Write(out); err != nil {
		return err
	}
	io.Copy(io.Discard, c)
	return nil
}
