package capture

import (
	"net/netip"
	"testing"
)

// FuzzClassifyStream runs the TCP classifier over arbitrary client and
// server bytes, growing in steps as segments would, with and without a
// SYN seen: the prelude detectors (STARTTLS, SOCKS, CONNECT), the
// SSL 2.0-compatible hello and the incremental record parser must neither
// panic nor lose track of the buffers.
func FuzzClassifyStream(f *testing.F) {
	hello := []byte{22, 3, 1, 0, 46, 1, 0, 0, 42, 3, 3}
	hello = append(hello, make([]byte, 32+1+2)...)
	hello = append(hello, 0, 2, 0x13, 0x01, 1, 0)
	f.Add([]byte("a001 STARTTLS\r\n"), []byte("* OK ready\r\na001 OK go\r\n"), uint8(5), true, false)
	f.Add(append([]byte{5, 1, 0, 5, 1, 0, 3, 4, 'a', '.', 't', 'e', 1, 187}, hello...), []byte{5, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0}, uint8(3), true, true)
	f.Add(append([]byte{4, 1, 1, 187, 0, 0, 0, 1, 0, 'h', 0}, hello...), []byte{0, 0x5a, 0, 0, 0, 0, 0, 0}, uint8(11), false, true)
	f.Add([]byte{0x80, 0x2f, 1, 3, 3, 0, 6, 0, 0, 0, 32, 0, 0xc0, 0x2f, 0, 0, 0x2f}, []byte{22, 3, 3, 0, 4, 2, 0, 0, 0}, uint8(2), true, true)
	f.Add(append([]byte("<stream:stream to='x'><starttls/>"), hello...), []byte("<?xml version='1.0'?><stream:stream><proceed/>"), uint8(7), true, false)
	f.Fuzz(func(t *testing.T, c, s []byte, step uint8, syn, final bool) {
		fl := &flow{proto: protoTCP, synSeen: syn, collecting: true,
			client: netip.MustParseAddrPort("198.18.0.1:40000"), server: netip.MustParseAddrPort("198.18.0.2:443")}
		n := int(step) + 1
		for i := 0; ; i += n {
			fl.dirs[0].buf = c[:min(i, len(c))]
			fl.dirs[1].buf = s[:min(i, len(s))]
			a := classify(fl, final && i >= max(len(c), len(s)))
			if a.tls != nil && a.tls.ClientCertificate == "" {
				t.Fatalf("TLS flow without a client-certificate answer: %+v", a)
			}
			if i >= max(len(c), len(s)) {
				break
			}
		}
	})
}
