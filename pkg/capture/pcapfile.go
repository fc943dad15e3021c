package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// pcapFile reads a classic pcap file (tcpdump.org/manpages/pcap-savefile.5)
// through one large buffer and hands out each record in place: no copy per
// packet and no allocation after the first read. A record is valid until
// the next call to next.
type pcapFile struct {
	r          io.Reader
	buf        []byte
	start, end int
	order      binary.ByteOrder
	nano       bool
	link       int
	eof        bool
}

const (
	pcapMagicMicro = 0xa1b2c3d4
	pcapMagicNano  = 0xa1b23c4d
	// pcapBuffer is the read size; pcapMaxRecord bounds a record's
	// capture length whatever the header's snaplen says, as tcpdump does:
	// a longer one means a corrupt record header.
	pcapBuffer    = 1 << 20
	pcapMaxRecord = 256 << 10
)

var errRecordTooLong = errors.New("record longer than 256 KiB")

func newPcapFile(r io.Reader) (*pcapFile, error) {
	p := &pcapFile{r: r, buf: make([]byte, pcapBuffer)}
	if err := p.fill(24); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	h := p.buf[:24]
	switch {
	case binary.LittleEndian.Uint32(h) == pcapMagicMicro:
		p.order = binary.LittleEndian
	case binary.LittleEndian.Uint32(h) == pcapMagicNano:
		p.order, p.nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h) == pcapMagicMicro:
		p.order = binary.BigEndian
	case binary.BigEndian.Uint32(h) == pcapMagicNano:
		p.order, p.nano = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("unknown magic %08x", binary.BigEndian.Uint32(h))
	}
	// The low 16 bits are the link type; the upper ones carry FCS flags.
	p.link = int(p.order.Uint32(h[20:24]) & 0xffff)
	p.start = 24
	return p, nil
}

// fill makes at least n bytes available from start, moving what is left
// to the front of the buffer. It returns io.EOF when the input ended
// exactly at start, io.ErrUnexpectedEOF when it ended inside the n bytes.
func (p *pcapFile) fill(n int) error {
	for p.end-p.start < n {
		if p.eof {
			if p.end == p.start {
				return io.EOF
			}
			return io.ErrUnexpectedEOF
		}
		if p.start > 0 && len(p.buf)-p.start < max(n, pcapBuffer/2) {
			p.end = copy(p.buf, p.buf[p.start:p.end])
			p.start = 0
		}
		if len(p.buf)-p.start < n {
			nb := make([]byte, p.start+n+pcapBuffer)
			p.end = copy(nb, p.buf[:p.end])
			p.buf = nb
		}
		m, err := p.r.Read(p.buf[p.end:])
		p.end += m
		if err == io.EOF {
			p.eof = true
		} else if err != nil {
			return err
		}
	}
	return nil
}

// next returns the next record: its bytes, capture time in unix
// nanoseconds and length on the wire.
func (p *pcapFile) next() (data []byte, ts int64, wire int, err error) {
	if err := p.fill(16); err != nil {
		return nil, 0, 0, err
	}
	h := p.buf[p.start : p.start+16]
	sec, frac := int64(p.order.Uint32(h[0:4])), int64(p.order.Uint32(h[4:8]))
	capLen, wire := int(p.order.Uint32(h[8:12])), int(p.order.Uint32(h[12:16]))
	if capLen > pcapMaxRecord || capLen < 0 {
		return nil, 0, 0, errRecordTooLong
	}
	if err := p.fill(16 + capLen); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, 0, 0, err
	}
	data = p.buf[p.start+16 : p.start+16+capLen : p.start+16+capLen]
	p.start += 16 + capLen
	if !p.nano {
		frac *= 1000
	}
	return data, sec*1e9 + frac, wire, nil
}
