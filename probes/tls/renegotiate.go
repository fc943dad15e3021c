package tls

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/cryptobyte"
)

// renegotiationSuites are the TLS 1.2 suites the minimal record layer of
// the insecure-renegotiation check speaks: ECDHE with an AEAD.
var renegotiationSuites = map[uint16]struct {
	keyLen, ivLen int
	sha384        bool
	chacha        bool
}{
	0xc02b: {16, 4, false, false}, // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
	0xc02f: {16, 4, false, false}, // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	0xc02c: {32, 4, true, false},  // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
	0xc030: {32, 4, true, false},  // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
	0xcca8: {32, 12, false, true}, // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
	0xcca9: {32, 12, false, true}, // TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
}

const (
	typeClientKeyExchange = 16
	typeFinished          = 20
	alertNoRenegotiation  = 100
)

// renegotiationWait bounds the wait for the server's answer to the
// renegotiating ClientHello.
const renegotiationWait = 2 * time.Second

// insecureRenegotiation completes a TLS 1.2 handshake whose ClientHello
// signals no RFC 5746 support (neither renegotiation_info nor the SCSV),
// then sends a second ClientHello, encrypted under the session: a
// ServerHello back means the server renegotiates insecurely.
func (x *extProbe) insecureRenegotiation(ctx context.Context) ExtensionCheck {
	if c, done := x.legacyOnly("TLS 1.3 has no renegotiation"); done {
		return c
	}
	v := x.legacy.Version
	if v != VersionTLS12 {
		return notTested(v, "client-initiated renegotiation is checked over TLS 1.2 only; the server's newest version below TLS 1.3 is %s", VersionName(v))
	}
	var suites []uint16
	for _, s := range x.legacy.Suites {
		if _, ok := renegotiationSuites[s]; ok {
			suites = append(suites, s)
		}
	}
	if len(suites) == 0 {
		return notTested(v, "the check completes a handshake with an ECDHE AES-GCM or ChaCha20-Poly1305 suite, and the server accepts none")
	}
	ctx, cancel := context.WithTimeout(ctx, x.o.ConnTimeout+renegotiationWait)
	defer cancel()
	conn, err := x.dial(ctx)
	if err != nil {
		return notTested(v, "connecting: %v", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	conn.SetDeadline(time.Now().Add(x.o.ConnTimeout))
	s := &session12{conn: conn, hr: newHandshakeReader(conn)}
	h := x.hello(VersionTLS12, suites)
	h.Groups = []uint16{groupX25519, groupSecp256r1, groupSecp384r1}
	h.OmitRenegotiationInfo = true
	if err := s.handshake(h); err != nil {
		if s.certRequested {
			return notTested(v, "the server asked for a client certificate and refused the TLS 1.2 handshake without one (%s): renegotiation can only be tried with a client certificate", answer(err))
		}
		return notTested(v, "the TLS 1.2 handshake without renegotiation_info did not complete: %s", answer(err))
	}
	ri := "the initial ServerHello carried no renegotiation_info"
	if s.serverRI {
		ri = "the initial ServerHello echoed renegotiation_info although the client did not offer it"
	}
	conn.SetDeadline(time.Now().Add(renegotiationWait))
	again := x.hello(VersionTLS12, suites)
	again.OmitRenegotiationInfo = true
	typ, msg, err := s.renegotiate(again)
	var ae *AlertError
	switch {
	case err == nil && typ == recordHandshake && len(msg) > 0 && msg[0] == typeServerHello:
		return ExtensionCheck{Version: v, Result: ExtSupported, Evidence: fmt.Sprintf(
			"after a TLS 1.2 handshake without renegotiation_info (%s, %s), a ClientHello sent under the session was answered with an encrypted ServerHello: client-initiated renegotiation without RFC 5746",
			x.c.iana.SuiteName(s.suite), ri)}
	case errors.As(err, &ae):
		return ExtensionCheck{Version: v, Result: ExtNotSupported, Evidence: fmt.Sprintf(
			"after a TLS 1.2 handshake without renegotiation_info (%s), a ClientHello sent under the session was refused with alert %s (%d)",
			x.c.iana.SuiteName(s.suite), AlertName(ae.Description), ae.Description)}
	case err != nil && IsTimeout(err):
		return ExtensionCheck{Version: v, Result: ExtNotSupported, Evidence: fmt.Sprintf(
			"after a TLS 1.2 handshake without renegotiation_info (%s), a ClientHello sent under the session got no answer within %s: not renegotiated",
			x.c.iana.SuiteName(s.suite), renegotiationWait)}
	case err != nil && (errors.Is(err, io.EOF) || isReset(err)):
		return ExtensionCheck{Version: v, Result: ExtNotSupported, Evidence: fmt.Sprintf(
			"after a TLS 1.2 handshake without renegotiation_info (%s), the server closed the connection on a ClientHello sent under the session",
			x.c.iana.SuiteName(s.suite))}
	case err != nil:
		return notTested(v, "reading the answer to the renegotiating ClientHello: %v", err)
	}
	return notTested(v, "the renegotiating ClientHello was answered with a record of type %d starting with message %d", typ, first(msg))
}

const groupSecp384r1 uint16 = 0x0018

func first(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && bytes.Contains([]byte(ne.Err.Error()), []byte("reset"))
}

// session12 is the client side of one TLS 1.2 ECDHE-AEAD connection,
// enough to finish a handshake and exchange records. It does not
// authenticate the server: the check is about the server's behaviour,
// not its identity.
type session12 struct {
	conn       net.Conn
	hr         *handshakeReader
	transcript []byte
	suite      uint16
	serverRI   bool
	ems        bool
	// certRequested is set when the server sent a CertificateRequest (the
	// session answers it with an empty Certificate).
	certRequested bool
	cr, sr        []byte
	master        []byte
	client        *aeadState
	server        *aeadState
}

type aeadState struct {
	aead   cipher.AEAD
	iv     []byte
	chacha bool
	seq    uint64
}

func (a *aeadState) nonce(explicit []byte) []byte {
	if a.chacha {
		n := append([]byte(nil), a.iv...)
		for i := 0; i < 8; i++ {
			n[4+i] ^= byte(a.seq >> (56 - 8*i))
		}
		return n
	}
	return append(append([]byte(nil), a.iv...), explicit...)
}

func additional(seq uint64, typ uint8, n int) []byte {
	ad := make([]byte, 13)
	binary.BigEndian.PutUint64(ad, seq)
	ad[8], ad[9], ad[10] = typ, 3, 3
	binary.BigEndian.PutUint16(ad[11:], uint16(n))
	return ad
}

func (a *aeadState) seal(typ uint8, plain []byte) []byte {
	var explicit []byte
	if !a.chacha {
		explicit = binary.BigEndian.AppendUint64(nil, a.seq)
	}
	payload := a.aead.Seal(append([]byte(nil), explicit...), a.nonce(explicit), plain, additional(a.seq, typ, len(plain)))
	a.seq++
	return append([]byte{typ, 3, 3, byte(len(payload) >> 8), byte(len(payload))}, payload...)
}

func (a *aeadState) open(typ uint8, payload []byte) ([]byte, error) {
	var explicit []byte
	if !a.chacha {
		if len(payload) < 8 {
			return nil, fmt.Errorf("%w: short AEAD record", ErrMalformed)
		}
		explicit, payload = payload[:8], payload[8:]
	}
	if len(payload) < a.aead.Overhead() {
		return nil, fmt.Errorf("%w: short AEAD record", ErrMalformed)
	}
	n := len(payload) - a.aead.Overhead()
	plain, err := a.aead.Open(nil, a.nonce(explicit), payload, additional(a.seq, typ, n))
	if err != nil {
		return nil, fmt.Errorf("decrypting the server's record: %w", err)
	}
	a.seq++
	return plain, nil
}

func (s *session12) hashFunc() func() hash.Hash {
	if renegotiationSuites[s.suite].sha384 {
		return sha512.New384
	}
	return sha256.New
}

func (s *session12) transcriptHash() []byte {
	h := s.hashFunc()()
	h.Write(s.transcript)
	return h.Sum(nil)
}

func (s *session12) add(typ uint8, body []byte) []byte {
	msg := append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	s.transcript = append(s.transcript, msg...)
	return msg
}

// prf12 is the TLS 1.2 PRF (RFC 5246 5).
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	mac := hmac.New(h, secret)
	mac.Write(ls)
	a := mac.Sum(nil)
	var out []byte
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		mac.Write(ls)
		out = mac.Sum(out)
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
	}
	return out[:n]
}

func (s *session12) handshake(h Hello) error {
	rec, err := h.Marshal()
	if err != nil {
		return err
	}
	// The transcript holds the handshake message, not its record headers.
	for r := rec; len(r) >= 5; {
		n := int(r[3])<<8 | int(r[4])
		s.transcript = append(s.transcript, r[5:5+n]...)
		r = r[5+n:]
	}
	s.cr = append([]byte(nil), s.transcript[6:38]...)
	if _, err := s.conn.Write(rec); err != nil {
		return fmt.Errorf("sending ClientHello: %w", err)
	}
	var point []byte
	var curve uint16
	for done := false; !done; {
		m, err := s.hr.next()
		if err != nil {
			return err
		}
		s.add(m.typ, m.body)
		switch m.typ {
		case typeServerHello:
			sh, err := ParseServerHello(m.body)
			if err != nil {
				return err
			}
			if sh.Version != VersionTLS12 {
				return fmt.Errorf("server negotiated %s", VersionName(sh.Version))
			}
			if _, ok := renegotiationSuites[sh.CipherSuite]; !ok {
				return fmt.Errorf("server chose suite 0x%04x, which was not offered", sh.CipherSuite)
			}
			s.suite, s.serverRI, s.ems = sh.CipherSuite, sh.RenegotiationInfo != nil, sh.HasExtension(extExtendedMasterSec)
			s.sr = append([]byte(nil), m.body[2:34]...)
		case typeServerKeyExchange:
			p := cryptobyte.String(m.body)
			var ct uint8
			var pt cryptobyte.String
			if !p.ReadUint8(&ct) || ct != 3 || !p.ReadUint16(&curve) || !p.ReadUint8LengthPrefixed(&pt) {
				return fmt.Errorf("%w: ECDHE ServerKeyExchange", ErrMalformed)
			}
			point = append([]byte(nil), pt...)
		case typeCertificateRequest:
			s.certRequested = true
		case typeServerHelloDone:
			done = true
		}
	}
	if s.suite == 0 || point == nil {
		return fmt.Errorf("%w: no ServerHello or ServerKeyExchange before ServerHelloDone", ErrMalformed)
	}
	var c ecdh.Curve
	switch curve {
	case groupX25519:
		c = ecdh.X25519()
	case groupSecp256r1:
		c = ecdh.P256()
	case groupSecp384r1:
		c = ecdh.P384()
	default:
		return fmt.Errorf("server chose group 0x%04x, which was not offered", curve)
	}
	priv, err := c.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	peer, err := c.NewPublicKey(point)
	if err != nil {
		return fmt.Errorf("server key share: %w", err)
	}
	pms, err := priv.ECDH(peer)
	if err != nil {
		return fmt.Errorf("key agreement: %w", err)
	}
	var flight []byte
	if s.certRequested {
		flight = append(flight, s.add(typeCertificate, []byte{0, 0, 0})...)
	}
	pub := priv.PublicKey().Bytes()
	flight = append(flight, s.add(typeClientKeyExchange, append([]byte{byte(len(pub))}, pub...))...)
	h256 := s.hashFunc()
	if s.ems {
		s.master = prf12(h256, pms, "extended master secret", s.transcriptHash(), 48)
	} else {
		s.master = prf12(h256, pms, "master secret", append(append([]byte(nil), s.cr...), s.sr...), 48)
	}
	p := renegotiationSuites[s.suite]
	kb := prf12(h256, s.master, "key expansion", append(append([]byte(nil), s.sr...), s.cr...), 2*p.keyLen+2*p.ivLen)
	ck, sk := kb[:p.keyLen], kb[p.keyLen:2*p.keyLen]
	civ, siv := kb[2*p.keyLen:2*p.keyLen+p.ivLen], kb[2*p.keyLen+p.ivLen:]
	if s.client, err = newAEAD(ck, civ, p.chacha); err != nil {
		return err
	}
	if s.server, err = newAEAD(sk, siv, p.chacha); err != nil {
		return err
	}
	out := []byte{recordHandshake, 3, 3, byte(len(flight) >> 8), byte(len(flight))}
	out = append(out, flight...)
	out = append(out, recordChangeCipherSpec, 3, 3, 0, 1, 1)
	fin := s.add(typeFinished, prf12(h256, s.master, "client finished", s.transcriptHash(), 12))
	out = append(out, s.client.seal(recordHandshake, fin)...)
	if _, err := s.conn.Write(out); err != nil {
		return fmt.Errorf("sending the client's Finished: %w", err)
	}
	want := prf12(h256, s.master, "server finished", s.transcriptHash(), 12)
	ccs := false
	for {
		typ, body, err := s.hr.rr.next()
		if err != nil {
			return err
		}
		switch {
		case typ == recordAlert && !ccs && len(body) >= 2:
			return &AlertError{Level: body[0], Description: body[1]}
		case typ == recordChangeCipherSpec:
			ccs = true
		case typ == recordHandshake && !ccs:
			continue // NewSessionTicket, not asked for but harmless
		case ccs:
			plain, err := s.server.open(typ, body)
			if err != nil {
				return err
			}
			if typ == recordAlert && len(plain) >= 2 {
				return &AlertError{Level: plain[0], Description: plain[1]}
			}
			if typ != recordHandshake || len(plain) != 16 || plain[0] != typeFinished || !hmac.Equal(plain[4:], want) {
				return fmt.Errorf("%w: the server's Finished does not verify", ErrMalformed)
			}
			return nil
		default:
			return fmt.Errorf("%w: record of type %d before the server's ChangeCipherSpec", ErrMalformed, typ)
		}
	}
}

func newAEAD(key, iv []byte, chacha bool) (*aeadState, error) {
	if chacha {
		a, err := chacha20poly1305.New(key)
		return &aeadState{aead: a, iv: append([]byte(nil), iv...), chacha: true}, err
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	return &aeadState{aead: g, iv: append([]byte(nil), iv...)}, err
}

// renegotiate sends h under the session and returns the first record the
// server answers with, decrypted; an alert becomes *AlertError.
func (s *session12) renegotiate(h Hello) (uint8, []byte, error) {
	rec, err := h.Marshal()
	if err != nil {
		return 0, nil, err
	}
	var out []byte
	for r := rec; len(r) >= 5; {
		n := int(r[3])<<8 | int(r[4])
		out = append(out, s.client.seal(recordHandshake, r[5:5+n])...)
		r = r[5+n:]
	}
	if _, err := s.conn.Write(out); err != nil {
		return 0, nil, fmt.Errorf("sending the renegotiating ClientHello: %w", err)
	}
	for {
		typ, body, err := s.hr.rr.next()
		if err != nil {
			return 0, nil, err
		}
		plain, err := s.server.open(typ, body)
		if err != nil {
			return 0, nil, err
		}
		switch {
		case typ == recordAlert && len(plain) >= 2:
			return typ, plain, &AlertError{Level: plain[0], Description: plain[1]}
		case typ == recordApplicationData:
			continue // a response to nothing we sent; keep reading
		}
		return typ, plain, nil
	}
}
