package capture

import (
	"encoding/binary"
	"net/netip"
)

// Link types (tcpdump.org/linktypes.html) this package decodes.
const (
	linkNull     = 0
	linkEthernet = 1
	linkRaw      = 101
	linkRawAlt   = 12  // DLT_RAW on some BSDs
	linkRawAlt2  = 14  // DLT_RAW on OpenBSD
	linkLoop     = 108 // OpenBSD loopback
	linkSLL      = 113
	linkIPv4     = 228
	linkIPv6     = 229
	linkSLL2     = 276
)

// supportedLink reports whether decodeLink understands link type lt.
func supportedLink(lt int) bool {
	switch lt {
	case linkNull, linkEthernet, linkRaw, linkRawAlt, linkRawAlt2, linkLoop, linkSLL, linkIPv4, linkIPv6, linkSLL2:
		return true
	}
	return false
}

const (
	etherIPv4 = 0x0800
	etherIPv6 = 0x86dd
	etherVLAN = 0x8100
	etherQinQ = 0x88a8
	etherTEB  = 0x6558 // transparent Ethernet bridging (Geneve)

	protoTCP  = 6
	protoUDP  = 17
	protoESP  = 50
	protoIPv6 = 41
	protoIPIP = 4

	portVXLAN      = 4789
	portVXLANLinux = 8472
	portGeneve     = 6081

	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

// decodeResult says why a packet yielded no transport header.
type decodeResult uint8

const (
	decodedOK decodeResult = iota
	decodedSkip
	decodedMalformed
	decodedTruncated
)

// packet is one decoded transport segment or datagram. It points into the
// frame buffer and is only valid until the next read.
type packet struct {
	src, dst     netip.Addr
	sport, dport uint16
	proto        uint8
	flags        uint8
	seq          uint32
	payload      []byte
	// cut is true when the capture length cut the payload short.
	cut bool
	// spi is the ESP security parameter index.
	spi uint32
}

// decodeLink strips the link layer of a frame and decodes what is under it.
// depth bounds tunnel nesting.
func decodeLink(lt int, b []byte, p *packet, depth int) decodeResult {
	switch lt {
	case linkEthernet:
		return decodeEthernet(b, p, depth)
	case linkSLL:
		if len(b) < 16 {
			return decodedTruncated
		}
		return decodeEtherType(binary.BigEndian.Uint16(b[14:16]), b[16:], p, depth)
	case linkSLL2:
		if len(b) < 20 {
			return decodedTruncated
		}
		return decodeEtherType(binary.BigEndian.Uint16(b[0:2]), b[20:], p, depth)
	case linkNull, linkLoop:
		if len(b) < 4 {
			return decodedTruncated
		}
		fam := binary.LittleEndian.Uint32(b[:4])
		if fam > 0xffff {
			fam = binary.BigEndian.Uint32(b[:4])
		}
		switch fam {
		case 2:
			return decodeIPv4(b[4:], p, depth)
		case 10, 24, 28, 30:
			return decodeIPv6(b[4:], p, depth)
		}
		return decodedSkip
	case linkRaw, linkRawAlt, linkRawAlt2:
		return decodeIP(b, p, depth)
	case linkIPv4:
		return decodeIPv4(b, p, depth)
	case linkIPv6:
		return decodeIPv6(b, p, depth)
	}
	return decodedSkip
}

func decodeEthernet(b []byte, p *packet, depth int) decodeResult {
	if len(b) < 14 {
		return decodedTruncated
	}
	return decodeEtherType(binary.BigEndian.Uint16(b[12:14]), b[14:], p, depth)
}

func decodeEtherType(et uint16, b []byte, p *packet, depth int) decodeResult {
	for et == etherVLAN || et == etherQinQ {
		if len(b) < 4 {
			return decodedTruncated
		}
		et = binary.BigEndian.Uint16(b[2:4])
		b = b[4:]
	}
	switch et {
	case etherIPv4:
		return decodeIPv4(b, p, depth)
	case etherIPv6:
		return decodeIPv6(b, p, depth)
	}
	return decodedSkip
}

func decodeIP(b []byte, p *packet, depth int) decodeResult {
	if len(b) < 1 {
		return decodedTruncated
	}
	switch b[0] >> 4 {
	case 4:
		return decodeIPv4(b, p, depth)
	case 6:
		return decodeIPv6(b, p, depth)
	}
	return decodedMalformed
}

func decodeIPv4(b []byte, p *packet, depth int) decodeResult {
	if len(b) < 20 {
		return decodedTruncated
	}
	if b[0]>>4 != 4 {
		return decodedMalformed
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if ihl < 20 || total < ihl {
		return decodedMalformed
	}
	if len(b) < ihl {
		return decodedTruncated
	}
	cut := false
	if total <= len(b) {
		b = b[:total] // drop link-layer padding
	} else {
		cut = true
	}
	frag := binary.BigEndian.Uint16(b[6:8])
	if frag&0x1fff != 0 {
		return decodedSkip // a non-first fragment carries no transport header
	}
	if frag&0x2000 != 0 {
		cut = true // more fragments follow: the payload here is partial
	}
	p.src = netip.AddrFrom4([4]byte(b[12:16]))
	p.dst = netip.AddrFrom4([4]byte(b[16:20]))
	return decodeTransport(b[9], b[ihl:], p, depth, cut)
}

func decodeIPv6(b []byte, p *packet, depth int) decodeResult {
	if len(b) < 40 {
		return decodedTruncated
	}
	if b[0]>>4 != 6 {
		return decodedMalformed
	}
	plen := int(binary.BigEndian.Uint16(b[4:6]))
	next := b[6]
	p.src = netip.AddrFrom16([16]byte(b[8:24]))
	p.dst = netip.AddrFrom16([16]byte(b[24:40]))
	b = b[40:]
	cut := false
	if plen <= len(b) {
		b = b[:plen]
	} else {
		cut = true
	}
	for i := 0; i < 8; i++ {
		switch next {
		case 0, 43, 60: // hop-by-hop, routing, destination options
			if len(b) < 8 {
				return decodedTruncated
			}
			n := 8 + int(b[1])*8
			if len(b) < n {
				return decodedTruncated
			}
			next, b = b[0], b[n:]
		case 44: // fragment
			if len(b) < 8 {
				return decodedTruncated
			}
			if binary.BigEndian.Uint16(b[2:4])&0xfff8 != 0 {
				return decodedSkip
			}
			next, b = b[0], b[8:]
		default:
			return decodeTransport(next, b, p, depth, cut)
		}
	}
	return decodedMalformed
}

func decodeTransport(proto uint8, b []byte, p *packet, depth int, cut bool) decodeResult {
	p.proto = proto
	p.cut = cut
	switch proto {
	case protoTCP:
		if len(b) < 20 {
			return decodedTruncated
		}
		off := int(b[12]>>4) * 4
		if off < 20 {
			return decodedMalformed
		}
		if len(b) < off {
			return decodedTruncated
		}
		p.sport = binary.BigEndian.Uint16(b[0:2])
		p.dport = binary.BigEndian.Uint16(b[2:4])
		p.seq = binary.BigEndian.Uint32(b[4:8])
		p.flags = b[13]
		p.payload = b[off:]
		return decodedOK
	case protoUDP:
		if len(b) < 8 {
			return decodedTruncated
		}
		p.sport = binary.BigEndian.Uint16(b[0:2])
		p.dport = binary.BigEndian.Uint16(b[2:4])
		ulen := int(binary.BigEndian.Uint16(b[4:6]))
		b = b[8:]
		if ulen >= 8 && ulen-8 <= len(b) {
			b = b[:ulen-8]
		}
		p.payload = b
		if depth < 3 {
			if inner, ok := tunnelPayload(p.sport, p.dport, b); ok {
				// The overlay is not the flow: classify the inner one
				// (ARP and other non-IP frames inside are skipped).
				*p = packet{}
				return decodeEthernet(inner, p, depth+1)
			}
		}
		return decodedOK
	case protoIPIP:
		if depth < 3 {
			return decodeIPv4(b, p, depth+1)
		}
	case protoIPv6:
		if depth < 3 {
			return decodeIPv6(b, p, depth+1)
		}
	case protoESP:
		if len(b) < 8 {
			return decodedTruncated
		}
		p.sport, p.dport = 0, 0
		p.payload = nil
		p.spi = binary.BigEndian.Uint32(b[0:4])
		return decodedOK
	}
	return decodedSkip
}

// tunnelPayload returns the inner Ethernet frame of a VXLAN or Geneve
// datagram.
func tunnelPayload(sport, dport uint16, b []byte) ([]byte, bool) {
	switch {
	case dport == portVXLAN || dport == portVXLANLinux || sport == portVXLAN || sport == portVXLANLinux:
		if len(b) < 8+14 || b[0]&0x08 == 0 {
			return nil, false
		}
		return b[8:], true
	case dport == portGeneve || sport == portGeneve:
		if len(b) < 8 || b[0]>>6 != 0 {
			return nil, false
		}
		optLen := int(b[0]&0x3f) * 4
		if binary.BigEndian.Uint16(b[2:4]) != etherTEB || len(b) < 8+optLen+14 {
			return nil, false
		}
		return b[8+optLen:], true
	}
	return nil, false
}
