package capture

import (
	"bytes"

	"golang.org/x/net/http2/hpack"
)

// isGRPC reads the HTTP/2 frames after the client preface and reports
// whether a HEADERS frame carries content-type application/grpc, and
// whether a complete HEADERS frame was read at all (before it, more bytes
// may still change the answer). Header
// blocks are HPACK-decoded (gRPC clients Huffman-code them); only the
// content-type is looked at, never a value is kept.
func isGRPC(b []byte) (grpc, sawHeaders bool) {
	found := false
	dec := hpack.NewDecoder(4096, func(f hpack.HeaderField) {
		if f.Name == "content-type" && bytes.HasPrefix([]byte(f.Value), []byte("application/grpc")) {
			found = true
		}
	})
	dec.SetMaxStringLength(4096)
	for frames := 0; len(b) >= 9 && frames < 16 && !found; frames++ {
		n := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
		typ, flags := b[3], b[4]
		if len(b) < 9+n {
			return false, sawHeaders
		}
		p := b[9 : 9+n]
		b = b[9+n:]
		if typ != 1 && typ != 9 { // HEADERS, CONTINUATION
			continue
		}
		if typ == 1 {
			if flags&0x08 != 0 { // PADDED
				if len(p) < 1 || int(p[0]) >= len(p) {
					return false, true
				}
				p = p[1 : len(p)-int(p[0])]
			}
			if flags&0x20 != 0 { // PRIORITY
				if len(p) < 5 {
					return false, true
				}
				p = p[5:]
			}
		}
		sawHeaders = true
		if _, err := dec.Write(p); err != nil {
			return false, true
		}
	}
	return found, sawHeaders || frames16(b)
}

// frames16 is true when the frame loop stopped for its frame cap, not for
// lack of bytes: the answer will not change.
func frames16(rest []byte) bool { return len(rest) >= 9 }
