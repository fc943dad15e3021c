package tlsparse

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Record content types.
const (
	RecordChangeCipherSpec = 20
	RecordAlert            = 21
	RecordHandshake        = 22
	RecordApplicationData  = 23
	RecordHeartbeat        = 24
)

// Handshake message types this package reads or counts.
const (
	TypeHelloRequest       = 0
	TypeClientHello        = 1
	TypeServerHello        = 2
	TypeNewSessionTicket   = 4
	TypeCertificate        = 11
	TypeServerKeyExchange  = 12
	TypeCertificateRequest = 13
	TypeServerHelloDone    = 14
	TypeCertificateVerify  = 15
	TypeClientKeyExchange  = 16
	TypeFinished           = 20
)

// MaxRecordLength is the largest record length accepted: 2^14 plus the
// 2048 bytes of expansion RFC 5246 allows a protected record.
const MaxRecordLength = 1<<14 + 2048

// maxHandshakeMessage bounds one reassembled handshake message; a
// certificate chain larger than this is not read.
const maxHandshakeMessage = 1 << 17

// ErrMalformed wraps every parse error caused by the bytes themselves.
var ErrMalformed = errors.New("malformed TLS")

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// IsRecordStart reports whether b begins with something shaped like a TLS
// record header: a known content type, major version 3, minor version 0 to
// 4, and a length within MaxRecordLength. It needs 5 bytes.
func IsRecordStart(b []byte) bool {
	if len(b) < 5 {
		return false
	}
	if b[0] < RecordChangeCipherSpec || b[0] > RecordHeartbeat || b[1] != 3 || b[2] > 4 {
		return false
	}
	n := int(binary.BigEndian.Uint16(b[3:5]))
	return n > 0 && n <= MaxRecordLength
}

// IsClientHelloStart reports whether b begins with a handshake record whose
// first message is a ClientHello (the signature Zeek and Suricata use).
func IsClientHelloStart(b []byte) bool {
	return IsRecordStart(b) && b[0] == RecordHandshake && len(b) >= 6 && b[5] == TypeClientHello
}

// IsServerHelloStart is IsClientHelloStart for a ServerHello.
func IsServerHelloStart(b []byte) bool {
	return IsRecordStart(b) && b[0] == RecordHandshake && len(b) >= 6 && b[5] == TypeServerHello
}

// Alert is a cleartext alert record.
type Alert struct {
	Level       uint8
	Description uint8
}

// Fatal reports whether the alert ends the connection (level fatal, or a
// close_notify).
func (a Alert) Fatal() bool { return a.Level == 2 || a.Description == 0 }

// Direction is what one side of a connection showed in cleartext.
type Direction struct {
	// Types lists the cleartext handshake message types in wire order.
	Types []uint8
	// ClientHellos are the ClientHellos sent (two after a HelloRetryRequest).
	ClientHellos []*ClientHello
	// ServerHello is the last ServerHello that is not a HelloRetryRequest.
	ServerHello *ServerHello
	// HelloRetryRequest is set when the server asked for another hello.
	HelloRetryRequest *ServerHello
	// CertificateRequest is true when the server asked for a client
	// certificate.
	CertificateRequest bool
	// Certificates holds the DER certificates of the first cleartext
	// Certificate message; CertificateMessage is true when one was seen
	// (an empty list is a client declining to send one). They point into
	// the bytes parsed.
	Certificates       [][]byte
	CertificateMessage bool
	// ChangeCipherSpec is true after a ChangeCipherSpec record.
	ChangeCipherSpec bool
	// ApplicationData counts application_data records.
	ApplicationData int
	// Alert is the first cleartext alert.
	Alert *Alert
	// Records counts complete records; Consumed is the bytes they took.
	Records  int
	Consumed int
	// Opaque counts handshake records that could not be read because they
	// were encrypted (after ChangeCipherSpec in TLS 1.2 and older).
	Opaque int
	// Err is the first malformation met; parsing stops there.
	Err error
}

// ParseDirection reads the TLS records at the start of b, the bytes one
// side sent from the first record on. tls13 says the connection negotiated
// TLS 1.3 (from the ServerHello), in which case handshake records stay
// cleartext after a ChangeCipherSpec (they are middlebox compatibility
// records there; the real encrypted handshake travels as application_data).
// An incomplete record at the end is left for a later call.
func ParseDirection(b []byte, tls13 bool) *Direction {
	var p Parser
	return p.Parse(b, tls13)
}

// Parser is ParseDirection for a stream that grows: each Parse reads only
// the records completed since the previous call, so following a connection
// segment by segment costs one pass over its bytes. The zero Parser is
// ready to use.
type Parser struct {
	d     Direction
	off   int    // bytes of b read so far: whole records
	hs    []byte // handshake bytes pending a complete message
	tls13 bool
}

// TLS13 is the tls13 of the last Parse.
func (p *Parser) TLS13() bool { return p.tls13 }

// Reset forgets everything read.
func (p *Parser) Reset() { *p = Parser{} }

// Parse reads the records of b not read yet. b must hold the bytes given
// to the previous call, from the same start, and maybe more. A change of
// tls13 after a ChangeCipherSpec was read starts over from the first byte.
// The Direction returned belongs to p and changes with later calls.
func (p *Parser) Parse(b []byte, tls13 bool) *Direction {
	if tls13 != p.tls13 {
		if p.d.ChangeCipherSpec {
			p.Reset()
		}
		p.tls13 = tls13
	}
	d := &p.d
	if d.Err != nil || len(b) < p.off {
		return d
	}
	off := p.off
	for off+5 <= len(b) {
		h := b[off:]
		if h[1] != 3 || h[2] > 4 || h[0] < RecordChangeCipherSpec || h[0] > RecordHeartbeat {
			d.Err = malformed("record header % x at offset %d", h[:3], off)
			return d
		}
		n := int(binary.BigEndian.Uint16(h[3:5]))
		if n > MaxRecordLength {
			d.Err = malformed("record length %d exceeds %d", n, MaxRecordLength)
			return d
		}
		if off+5+n > len(b) {
			break
		}
		body := h[5 : 5+n]
		off += 5 + n
		p.off = off
		d.Records++
		d.Consumed = off
		switch h[0] {
		case RecordChangeCipherSpec:
			d.ChangeCipherSpec = true
		case RecordAlert:
			if d.ChangeCipherSpec && !tls13 {
				continue // encrypted alert
			}
			if len(body) >= 2 && d.Alert == nil && d.ApplicationData == 0 {
				d.Alert = &Alert{Level: body[0], Description: body[1]}
			}
		case RecordApplicationData:
			d.ApplicationData++
		case RecordHandshake:
			if d.ChangeCipherSpec && !tls13 {
				d.Opaque++
				continue
			}
			if len(p.hs)+len(body) > maxHandshakeMessage {
				d.Err = malformed("handshake message larger than %d bytes", maxHandshakeMessage)
				return d
			}
			hs := p.hs
			if len(hs) == 0 {
				// The common case, a record holding whole messages, is
				// read in place; only a message split over records is
				// copied.
				hs = body
			} else {
				hs = append(hs, body...)
			}
			for len(hs) >= 4 {
				mlen := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
				if mlen > maxHandshakeMessage {
					d.Err = malformed("handshake message length %d", mlen)
					return d
				}
				if len(hs) < 4+mlen {
					break
				}
				if err := d.message(hs[0], hs[4:4+mlen]); err != nil {
					d.Err = err
					return d
				}
				hs = hs[4+mlen:]
			}
			switch {
			case len(hs) == 0:
				p.hs = nil
			case len(p.hs) == 0:
				p.hs = append([]byte(nil), hs...) // own the partial message
			default:
				p.hs = hs
			}
		}
	}
	return d
}

func (d *Direction) message(typ uint8, body []byte) error {
	d.Types = append(d.Types, typ)
	switch typ {
	case TypeClientHello:
		ch, err := ParseClientHello(body)
		if err != nil {
			return err
		}
		d.ClientHellos = append(d.ClientHellos, ch)
	case TypeServerHello:
		sh, err := ParseServerHello(body)
		if err != nil {
			return err
		}
		if sh.HelloRetryRequest {
			d.HelloRetryRequest = sh
		} else {
			d.ServerHello = sh
		}
	case TypeCertificateRequest:
		d.CertificateRequest = true
	case TypeCertificate:
		if d.CertificateMessage {
			return nil
		}
		certs, err := parseCertificateList(body, d.ServerHello != nil && IsTLS13(d.ServerHello.Version()))
		if err != nil {
			return err
		}
		d.CertificateMessage = true
		d.Certificates = certs
	}
	return nil
}

// parseCertificateList reads a TLS 1.2 Certificate message (or, with
// tls13, a TLS 1.3 one with its request context and per-entry extensions).
func parseCertificateList(b []byte, tls13 bool) ([][]byte, error) {
	r := reader(b)
	if tls13 {
		if _, ok := r.vec8(); !ok {
			return nil, malformed("certificate request context")
		}
	}
	list, ok := r.vec24()
	if !ok {
		return nil, malformed("certificate list length")
	}
	var out [][]byte
	for len(list) > 0 {
		c, ok := list.vec24()
		if !ok {
			return nil, malformed("certificate entry length")
		}
		out = append(out, c)
		if tls13 {
			if _, ok := list.vec16(); !ok {
				return nil, malformed("certificate entry extensions")
			}
		}
	}
	return out, nil
}

// reader is a cursor over a byte slice; every read checks its bounds.
type reader []byte

func (r *reader) u8() (uint8, bool) {
	if len(*r) < 1 {
		return 0, false
	}
	v := (*r)[0]
	*r = (*r)[1:]
	return v, true
}

func (r *reader) u16() (uint16, bool) {
	if len(*r) < 2 {
		return 0, false
	}
	v := binary.BigEndian.Uint16(*r)
	*r = (*r)[2:]
	return v, true
}

func (r *reader) bytes(n int) (reader, bool) {
	if n < 0 || len(*r) < n {
		return nil, false
	}
	v := (*r)[:n]
	*r = (*r)[n:]
	return v, true
}

func (r *reader) vec8() (reader, bool) {
	n, ok := r.u8()
	if !ok {
		return nil, false
	}
	return r.bytes(int(n))
}

func (r *reader) vec16() (reader, bool) {
	n, ok := r.u16()
	if !ok {
		return nil, false
	}
	return r.bytes(int(n))
}

func (r *reader) vec24() (reader, bool) {
	if len(*r) < 3 {
		return nil, false
	}
	n := int((*r)[0])<<16 | int((*r)[1])<<8 | int((*r)[2])
	*r = (*r)[3:]
	return r.bytes(n)
}
