package tls

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Record content types.
const (
	recordChangeCipherSpec = 20
	recordAlert            = 21
	recordHandshake        = 22
	recordApplicationData  = 23
)

// Handshake message types.
const (
	typeServerHello        = 2
	typeCertificate        = 11
	typeServerKeyExchange  = 12
	typeCertificateRequest = 13
	typeServerHelloDone    = 14
	typeCertificateStatus  = 22
)

// Bounds on what a server may send before we give up on it.
const (
	maxRecordLen     = 1<<14 + 2048 // TLSCiphertext limit
	maxHandshakeLen  = 256 << 10    // one handshake message (a long chain)
	maxFlightRecords = 64           // records read for one flight
	maxFlightBytes   = 512 << 10
)

// NotTLSError says the peer answered with bytes that are not a TLS record.
// Prefix is the first bytes seen (kept short; it is never printed in full).
type NotTLSError struct{ Prefix []byte }

func (e *NotTLSError) Error() string {
	n := len(e.Prefix)
	if n > 8 {
		n = 8
	}
	return fmt.Sprintf("answer is not a TLS record (first bytes %s)", hex.EncodeToString(e.Prefix[:n]))
}

// AlertError is a TLS alert the server sent.
type AlertError struct {
	Level       uint8
	Description uint8
}

func (e *AlertError) Error() string {
	return fmt.Sprintf("server sent alert %s (%d)", AlertName(e.Description), e.Description)
}

// ErrMalformed marks a server message that does not parse.
var ErrMalformed = errors.New("malformed TLS message")

// recordReader reads TLS records, bounded in size and number.
type recordReader struct {
	r       io.Reader
	records int
	bytes   int
	hdr     [5]byte
	buf     []byte
}

// next reads one record. The body is valid until the next call.
func (rr *recordReader) next() (typ uint8, body []byte, err error) {
	if rr.records >= maxFlightRecords || rr.bytes >= maxFlightBytes {
		return 0, nil, fmt.Errorf("server sent more than %d records or %d bytes in one flight", maxFlightRecords, maxFlightBytes)
	}
	n, err := io.ReadFull(rr.r, rr.hdr[:])
	if err != nil {
		if n > 0 && !validRecordHeader(rr.hdr[:n]) {
			return 0, nil, &NotTLSError{Prefix: append([]byte(nil), rr.hdr[:n]...)}
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, fmt.Errorf("truncated record header: %w", err)
		}
		return 0, nil, err
	}
	if !validRecordHeader(rr.hdr[:]) {
		return 0, nil, &NotTLSError{Prefix: append([]byte(nil), rr.hdr[:]...)}
	}
	l := int(rr.hdr[3])<<8 | int(rr.hdr[4])
	if l > maxRecordLen {
		return 0, nil, fmt.Errorf("record of %d bytes exceeds the %d-byte limit", l, maxRecordLen)
	}
	if cap(rr.buf) < l {
		rr.buf = make([]byte, l)
	}
	rr.buf = rr.buf[:l]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return 0, nil, fmt.Errorf("truncated record: %w", err)
	}
	rr.records++
	rr.bytes += 5 + l
	return rr.hdr[0], rr.buf, nil
}

// validRecordHeader checks what can be checked of a (possibly partial)
// record header: a known content type and a 3.x version.
func validRecordHeader(h []byte) bool {
	if len(h) >= 1 && (h[0] < recordChangeCipherSpec || h[0] > recordApplicationData) {
		return false
	}
	if len(h) >= 2 && h[1] != 3 {
		return false
	}
	if len(h) >= 3 && h[2] > 4 {
		return false
	}
	return true
}

// message is one handshake message.
type message struct {
	typ  uint8
	body []byte
}

// handshakeReader reassembles handshake messages from records.
type handshakeReader struct {
	rr  recordReader
	buf []byte
}

func newHandshakeReader(r io.Reader) *handshakeReader {
	return &handshakeReader{rr: recordReader{r: r}}
}

// next returns the next handshake message; an alert becomes *AlertError.
// Change-cipher-spec records are skipped (TLS 1.3 middlebox mode);
// application data before the handshake ends is an error.
func (h *handshakeReader) next() (message, error) {
	for {
		if len(h.buf) >= 4 {
			l := int(h.buf[1])<<16 | int(h.buf[2])<<8 | int(h.buf[3])
			if l > maxHandshakeLen {
				return message{}, fmt.Errorf("handshake message of %d bytes exceeds the %d-byte limit", l, maxHandshakeLen)
			}
			if len(h.buf) >= 4+l {
				m := message{typ: h.buf[0], body: h.buf[4 : 4+l]}
				h.buf = h.buf[4+l:]
				return m, nil
			}
		}
		typ, body, err := h.rr.next()
		if err != nil {
			return message{}, err
		}
		switch typ {
		case recordHandshake:
			if len(body) == 0 {
				return message{}, fmt.Errorf("%w: empty handshake record", ErrMalformed)
			}
			// Copy: the record buffer is reused.
			nb := make([]byte, len(h.buf)+len(body))
			copy(nb, h.buf)
			copy(nb[len(h.buf):], body)
			h.buf = nb
		case recordAlert:
			if len(body) < 2 {
				return message{}, fmt.Errorf("%w: short alert", ErrMalformed)
			}
			return message{}, &AlertError{Level: body[0], Description: body[1]}
		case recordChangeCipherSpec:
			continue
		default:
			return message{}, fmt.Errorf("%w: application data before the handshake completed", ErrMalformed)
		}
	}
}

var alertNames = map[uint8]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
	22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
	42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
	45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	49: "access_denied", 50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
	70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
	86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
	109: "missing_extension", 110: "unsupported_extension", 112: "unrecognized_name",
	113: "bad_certificate_status_response", 115: "unknown_psk_identity", 116: "certificate_required",
	120: "no_application_protocol", 121: "ech_required",
}

// AlertName is the RFC name of an alert description.
func AlertName(d uint8) string {
	if n, ok := alertNames[d]; ok {
		return n
	}
	return fmt.Sprintf("alert_%d", d)
}
