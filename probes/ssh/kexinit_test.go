package ssh

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	xssh "golang.org/x/crypto/ssh"
)

// kexInitPacket builds a server banner and KEXINIT packet.
func kexInitPacket(lists ...string) []byte {
	payload := []byte{msgKexInit}
	payload = append(payload, make([]byte, 16)...)
	for i := 0; i < 10; i++ {
		l := ""
		if i < len(lists) {
			l = lists[i]
		}
		payload = binary.BigEndian.AppendUint32(payload, uint32(len(l)))
		payload = append(payload, l...)
	}
	payload = append(payload, 0, 0, 0, 0, 0)
	pad := 4
	pkt := binary.BigEndian.AppendUint32(nil, uint32(len(payload)+pad+1))
	pkt = append(pkt, byte(pad))
	pkt = append(pkt, payload...)
	return append(pkt, make([]byte, pad)...)
}

func TestRead(t *testing.T) {
	in := append([]byte("a pre-banner line\r\nSSH-2.0-Test_1.0\r\n"),
		kexInitPacket("curve25519-sha256,ecdh-sha2-nistp256", "ssh-ed25519", "aes128-ctr", "aes256-gcm@openssh.com,aes128-ctr", "hmac-sha2-256", "hmac-sha2-256")...)
	o, err := Read(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &Offer{Banner: "SSH-2.0-Test_1.0", Kex: []string{"curve25519-sha256", "ecdh-sha2-nistp256"}, HostKeys: []string{"ssh-ed25519"},
		Ciphers: []string{"aes256-gcm@openssh.com", "aes128-ctr"}, MACs: []string{"hmac-sha2-256"}}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for name, bad := range map[string][]byte{
		"ssh 1":         []byte("SSH-1.5-old\r\n"),
		"no banner":     bytes.Repeat([]byte("x\r\n"), 40),
		"long line":     bytes.Repeat([]byte("x"), 300),
		"huge packet":   append([]byte("SSH-2.0-x\r\n"), 0x7f, 0, 0, 0, 4),
		"not a kexinit": append([]byte("SSH-2.0-x\r\n"), 0, 0, 0, 12, 4, 21, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0),
		"truncated":     append([]byte("SSH-2.0-x\r\n"), kexInitPacket("a")[:30]...),
	} {
		if _, err := Read(bytes.NewReader(bad)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestProbeXCryptoServer(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := xssh.NewSignerFromKey(key)
	cfg := &xssh.ServerConfig{NoClientAuth: true, Config: xssh.Config{Ciphers: []string{"aes128-gcm@openssh.com"}}}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(3 * time.Second))
				xssh.NewServerConn(c, cfg)
			}()
		}
	}()
	dial := func(ctx context.Context) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "tcp", ln.Addr().String())
	}
	o, err := Probe(context.Background(), dial, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(o.Banner, "SSH-2.0-Go") || !cmp.Equal(o.Ciphers, []string{"aes128-gcm@openssh.com"}) || !cmp.Equal(o.HostKeys, []string{"ssh-ed25519"}) || len(o.Kex) == 0 {
		t.Errorf("offer %+v", o)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(append([]byte("SSH-2.0-x\r\n"), kexInitPacket("curve25519-sha256", "ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256")...))
	f.Add([]byte("SSH-2.0-x\r\n\x00\x00\x00\x0c\x04\x14"))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := Read(bytes.NewReader(b))
		if err == nil && (o.Banner == "" || o.Kex == nil || o.Ciphers == nil) {
			t.Errorf("accepted offer %+v", o)
		}
	})
}
