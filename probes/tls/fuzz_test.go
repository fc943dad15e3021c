package tls

import (
	"bytes"
	"net"
	"testing"
)

func FuzzServerHello(f *testing.F) {
	f.Add(serverHello(VersionTLS12, 0xc02f, nil, nil))
	f.Add(serverHello(VersionTLS12, 0x1301, helloRetryRandom, exts(ext(extSupportedVersions, 3, 4), ext(extKeyShare, 0, 0x1d))))
	f.Fuzz(func(t *testing.T, b []byte) {
		sh, err := ParseServerHello(b)
		if err != nil {
			return
		}
		if sh.LegacyVersion>>8 != 3 {
			t.Errorf("accepted legacy version %x", sh.LegacyVersion)
		}
		if sh.RetryRequest != bytes.Equal(b[2:34], helloRetryRandom) {
			t.Errorf("HelloRetryRequest flag %v disagrees with the random", sh.RetryRequest)
		}
	})
}

func FuzzCertificateMessages(f *testing.F) {
	f.Add([]byte{0, 0, 6, 0, 0, 3, 1, 2, 3}, uint16(VersionTLS12))
	f.Add([]byte{1, 1, 0, 2, 8, 4, 0, 4, 0, 2, 0x30, 0}, uint16(VersionTLS12))
	f.Fuzz(func(t *testing.T, b []byte, v uint16) {
		if certs, err := parseCertificateList(b); err == nil && len(certs) > 16 {
			t.Errorf("%d certificates accepted", len(certs))
		}
		if cr, err := parseCertificateRequest(b, v); err == nil {
			for _, dn := range cr.CAs {
				distinguishedName(dn)
			}
		}
		serverKeyExchangeGroup(b)
	})
}

func FuzzRecords(f *testing.F) {
	f.Add(record(recordHandshake, handshake(typeServerHello, serverHello(VersionTLS12, 0xc02f, nil, nil))))
	f.Add(record(recordAlert, []byte{2, 40}))
	f.Add([]byte("HTTP/1.1 200 OK\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		hr := newHandshakeReader(bytes.NewReader(b))
		for i := 0; i < 100; i++ {
			m, err := hr.next()
			if err != nil {
				return
			}
			if len(m.body) > maxHandshakeLen {
				t.Fatalf("message of %d bytes", len(m.body))
			}
			if m.typ == typeServerHello {
				ParseServerHello(m.body)
			}
		}
	})
}

func FuzzCertificateStatus(f *testing.F) {
	f.Add([]byte{1, 0, 0, 3, 0x30, 1, 0})
	f.Add([]byte{2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		der, err := parseCertificateStatus(b)
		if err != nil {
			return
		}
		if len(der) == 0 || len(der) > maxOCSPStaple {
			t.Fatalf("accepted a staple of %d bytes", len(der))
		}
		st := ParseOCSPStaple(der, nil)
		switch st.Status {
		case OCSPGood, OCSPRevoked, OCSPUnknown:
			if st.Verified {
				t.Errorf("verified without a chain")
			}
		case OCSPUnparsed:
			if st.Err == "" {
				t.Errorf("unparsed without a reason")
			}
		default:
			t.Errorf("status %q", st.Status)
		}
	})
}

func FuzzServerHelloExtensions(f *testing.F) {
	f.Add(serverHello(VersionTLS12, 0xc013, nil, exts(ext(extRenegotiationInfo, 0), ext(extExtendedMasterSec), ext(extEncryptThenMAC), ext(extStatusRequest))))
	f.Add(serverHello(VersionTLS12, 0xc013, nil, exts(ext(extRenegotiationInfo, 2, 1, 2), ext(extTruncatedHMAC, 1))))
	f.Fuzz(func(t *testing.T, b []byte) {
		sh, err := ParseServerHello(b)
		if err != nil {
			return
		}
		if sh.RenegotiationInfo != nil && !sh.HasExtension(extRenegotiationInfo) {
			t.Errorf("renegotiation_info data without the extension")
		}
		if sh.HasExtension(extRenegotiationInfo) && sh.RenegotiationInfo == nil {
			t.Errorf("renegotiation_info extension without its field")
		}
	})
}

// scriptConn answers with fixed bytes and swallows what is written.
type scriptConn struct {
	net.Conn
	r *bytes.Reader
}

func (c scriptConn) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c scriptConn) Write(b []byte) (int, error) { return len(b), nil }

func FuzzRenegotiationHandshake(f *testing.F) {
	ske := []byte{3, 0, 0x1d, 32}
	ske = append(ske, make([]byte, 32)...)
	ske[len(ske)-1] = 9
	flight := append(handshake(typeServerHello, serverHello(VersionTLS12, 0xc02f, nil, exts(ext(extExtendedMasterSec)))), handshake(typeServerKeyExchange, ske)...)
	flight = append(flight, handshake(typeServerHelloDone, nil)...)
	f.Add(append(record(recordHandshake, flight), recordChangeCipherSpec, 3, 3, 0, 1, 1, recordHandshake, 3, 3, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0))
	f.Add(record(recordAlert, []byte{2, 40}))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := scriptConn{r: bytes.NewReader(b)}
		s := &session12{conn: c, hr: newHandshakeReader(c)}
		h := Hello{Version: VersionTLS12, Suites: []uint16{0xc02f, 0xcca8}, Groups: []uint16{groupX25519}, OmitRenegotiationInfo: true}
		if err := s.handshake(h); err == nil {
			t.Fatalf("a handshake completed without the server's Finished verifying")
		}
	})
}
