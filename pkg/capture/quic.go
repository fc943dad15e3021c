package capture

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"

	"github.com/sc8scan/sc8scan/pkg/capture/tlsparse"
)

// QUIC Initial packets are protected with keys anyone can derive from the
// client's Destination Connection ID (RFC 9001 section 5.2), so the
// ClientHello and ServerHello they carry can be read: SNI, offered ALPN,
// JA4 ("q"), and the server's cipher suite.

var (
	quicV1Salt = []byte{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}
	quicV2Salt = []byte{0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9}
)

const (
	quicV1 = 1
	quicV2 = 0x6b3343cf
	// maxCrypto bounds the CRYPTO stream reassembled per direction.
	maxCrypto = 16 << 10
)

var errQUIC = errors.New("not a readable QUIC Initial")

// quicKeys are the Initial packet protection keys of one direction.
type quicKeys struct {
	aead cipher.AEAD
	iv   []byte
	hp   cipher.Block
}

func expandLabel(secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = binary.BigEndian.AppendUint16(info, uint16(n))
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, 0)
	out, err := hkdf.Expand(sha256.New, secret, string(info), n)
	if err != nil {
		panic(err) // only for n beyond 255*32, which never happens here
	}
	return out
}

// initialKeys derives the client's or server's Initial keys from the
// client's first Destination Connection ID.
func initialKeys(version uint32, dcid []byte, server bool) (*quicKeys, error) {
	salt, kl, il, hl := quicV1Salt, "quic key", "quic iv", "quic hp"
	if version == quicV2 {
		salt, kl, il, hl = quicV2Salt, "quicv2 key", "quicv2 iv", "quicv2 hp"
	}
	initial, err := hkdf.Extract(sha256.New, dcid, salt)
	if err != nil {
		return nil, err
	}
	label := "client in"
	if server {
		label = "server in"
	}
	secret := expandLabel(initial, label, 32)
	block, err := aes.NewCipher(expandLabel(secret, kl, 16))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	hp, err := aes.NewCipher(expandLabel(secret, hl, 16))
	if err != nil {
		return nil, err
	}
	return &quicKeys{aead: aead, iv: expandLabel(secret, il, 12), hp: hp}, nil
}

func varint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	n := 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0
	}
	v := uint64(b[0] & 0x3f)
	for i := 1; i < n; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v, n
}

// quicLong is the unprotected part of a long-header packet.
type quicLong struct {
	version  uint32
	initial  bool
	dcid     []byte
	pnOffset int
	end      int // end of this packet within the datagram
}

func parseQUICLong(b []byte) (quicLong, error) {
	var h quicLong
	if len(b) < 7 || b[0]&0xc0 != 0xc0 {
		return h, errQUIC
	}
	h.version = binary.BigEndian.Uint32(b[1:5])
	typ := b[0] >> 4 & 3
	switch h.version {
	case quicV1:
		h.initial = typ == 0
	case quicV2:
		h.initial = typ == 1
	default:
		return h, errQUIC
	}
	off := 5
	dl := int(b[off])
	off++
	if dl > 20 || off+dl+1 > len(b) {
		return h, errQUIC
	}
	h.dcid = b[off : off+dl]
	off += dl
	sl := int(b[off])
	off++
	if sl > 20 || off+sl > len(b) {
		return h, errQUIC
	}
	off += sl
	if h.initial {
		tl, n := varint(b[off:])
		if n == 0 || uint64(len(b)-off-n) < tl {
			return h, errQUIC
		}
		off += n + int(tl)
	}
	length, n := varint(b[off:])
	if n == 0 || uint64(len(b)-off-n) < length {
		return h, errQUIC
	}
	off += n
	h.pnOffset = off
	h.end = off + int(length)
	return h, nil
}

// openInitial removes header protection and decrypts one Initial packet
// whose header was parsed into h; it returns the plaintext frames.
func openInitial(b []byte, h quicLong, k *quicKeys) ([]byte, error) {
	if h.pnOffset+4+16 > h.end {
		return nil, errQUIC
	}
	mask := make([]byte, 16)
	k.hp.Encrypt(mask, b[h.pnOffset+4:h.pnOffset+20])
	first := b[0] ^ mask[0]&0x0f
	pnLen := int(first&3) + 1
	hdr := append([]byte(nil), b[:h.pnOffset+pnLen]...)
	hdr[0] = first
	var pn uint64
	for i := 0; i < pnLen; i++ {
		hdr[h.pnOffset+i] ^= mask[1+i]
		pn = pn<<8 | uint64(hdr[h.pnOffset+i])
	}
	nonce := append([]byte(nil), k.iv...)
	for i := 0; i < 8; i++ {
		nonce[len(nonce)-1-i] ^= byte(pn >> (8 * i))
	}
	return k.aead.Open(nil, nonce, b[h.pnOffset+pnLen:h.end], hdr)
}

// cryptoStream gathers CRYPTO frame data by offset.
type cryptoStream struct {
	buf    []byte
	filled []bool
}

func (c *cryptoStream) add(off uint64, data []byte) {
	if off > maxCrypto || off+uint64(len(data)) > maxCrypto {
		return
	}
	end := int(off) + len(data)
	if end > len(c.buf) {
		c.buf = append(c.buf, make([]byte, end-len(c.buf))...)
		c.filled = append(c.filled, make([]bool, end-len(c.filled))...)
	}
	copy(c.buf[off:], data)
	for i := int(off); i < end; i++ {
		c.filled[i] = true
	}
}

// prefix is the contiguous data from offset 0.
func (c *cryptoStream) prefix() []byte {
	n := 0
	for n < len(c.filled) && c.filled[n] {
		n++
	}
	return c.buf[:n]
}

// frames reads the CRYPTO frames of a decrypted Initial payload.
func (c *cryptoStream) frames(p []byte) {
	for len(p) > 0 {
		t, n := varint(p)
		if n == 0 {
			return
		}
		p = p[n:]
		switch t {
		case 0x00, 0x01: // PADDING, PING
		case 0x02, 0x03: // ACK
			var v [4]uint64
			for i := range v {
				if v[i], n = varint(p); n == 0 {
					return
				}
				p = p[n:]
			}
			for i := uint64(0); i < v[2]*2; i++ { // ranges: gap, length
				if _, n = varint(p); n == 0 {
					return
				}
				p = p[n:]
			}
			if t == 0x03 {
				for i := 0; i < 3; i++ {
					if _, n = varint(p); n == 0 {
						return
					}
					p = p[n:]
				}
			}
		case 0x06: // CRYPTO
			off, n1 := varint(p)
			if n1 == 0 {
				return
			}
			l, n2 := varint(p[n1:])
			if n2 == 0 || uint64(len(p)-n1-n2) < l {
				return
			}
			c.add(off, p[n1+n2:n1+n2+int(l)])
			p = p[n1+n2+int(l):]
		default:
			return // CONNECTION_CLOSE or a frame an Initial should not carry
		}
	}
}

// handshakeMessage returns the body of the first handshake message of
// type want once it is complete.
func (c *cryptoStream) handshakeMessage(want byte) []byte {
	b := c.prefix()
	if len(b) < 4 || b[0] != want {
		return nil
	}
	n := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	if len(b) < 4+n {
		return nil
	}
	return b[4 : 4+n]
}

// quicHandshake reads the hellos from the first datagrams of each side
// (dgs[0] from the client, dgs[1] from the server). Either result may be
// nil when it could not be read.
func quicHandshake(client, server [][]byte) (*tlsparse.ClientHello, *tlsparse.ServerHello) {
	if len(client) == 0 {
		return nil, nil
	}
	h, err := parseQUICLong(client[0])
	if err != nil || !h.initial {
		return nil, nil
	}
	dcid := append([]byte(nil), h.dcid...)
	read := func(dgs [][]byte, server bool, want byte) []byte {
		k, err := initialKeys(h.version, dcid, server)
		if err != nil {
			return nil
		}
		var cs cryptoStream
		for _, d := range dgs {
			for len(d) > 0 { // coalesced packets
				ph, err := parseQUICLong(d)
				if err != nil {
					break
				}
				if ph.initial {
					if p, err := openInitial(d, ph, k); err == nil {
						cs.frames(p)
					}
				}
				d = d[ph.end:]
			}
			if m := cs.handshakeMessage(want); m != nil {
				return m
			}
		}
		return nil
	}
	var ch *tlsparse.ClientHello
	var sh *tlsparse.ServerHello
	if m := read(client, false, tlsparse.TypeClientHello); m != nil {
		ch, _ = tlsparse.ParseClientHello(m)
	}
	if m := read(server, true, tlsparse.TypeServerHello); m != nil {
		sh, _ = tlsparse.ParseServerHello(m)
	}
	return ch, sh
}
