package tlsparse

import (
	"crypto/tls"
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// directionSummary is what a caller reads off a Direction.
type directionSummary struct {
	Types                        []uint8
	Hellos, Certs                int
	ServerHello, HRR, CertReq    bool
	CertMsg, CCS                 bool
	AppData, Records, Consumed   int
	Opaque                       int
	Alert                        *Alert
	Err                          bool
	JA3, JA4, JA3S, ServerSuites string
}

func summarise(d *Direction) directionSummary {
	s := directionSummary{Types: d.Types, Hellos: len(d.ClientHellos), Certs: len(d.Certificates),
		ServerHello: d.ServerHello != nil, HRR: d.HelloRetryRequest != nil, CertReq: d.CertificateRequest,
		CertMsg: d.CertificateMessage, CCS: d.ChangeCipherSpec, AppData: d.ApplicationData, Records: d.Records,
		Consumed: d.Consumed, Opaque: d.Opaque, Alert: d.Alert, Err: d.Err != nil}
	if len(d.ClientHellos) > 0 {
		s.JA3, s.JA4 = d.ClientHellos[0].JA3(), d.ClientHellos[0].JA4()
	}
	if d.ServerHello != nil {
		s.JA3S = d.ServerHello.JA3S()
	}
	return s
}

// feed parses b through a Parser in pieces cut at the given points, as a
// stream growing segment by segment.
func feed(b []byte, cuts []int, tls13 bool) *Direction {
	var p Parser
	for _, c := range cuts {
		if c > 0 && c < len(b) {
			p.Parse(b[:c], tls13)
		}
	}
	return p.Parse(b, tls13)
}

func TestParserIncremental(t *testing.T) {
	srv := selfSigned(t, "server.test", "")
	cli := selfSigned(t, "client.test", "spiffe://cluster.local/ns/default/sa/client")
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		c, s, _, _ := handshake(t,
			&tls.Config{ServerName: "server.test", InsecureSkipVerify: true, NextProtos: []string{"h2"}, MaxVersion: v, Certificates: []tls.Certificate{cli}},
			&tls.Config{Certificates: []tls.Certificate{srv}, ClientAuth: tls.RequireAnyClientCert, MaxVersion: v})
		for _, b := range [][]byte{c, s} {
			want := summarise(ParseDirection(b, v == tls.VersionTLS13))
			// Every cut from one byte to a whole record, the way TCP
			// segments fall.
			for step := 1; step < 1500; step = step*3 + 1 {
				var cuts []int
				for i := step; i < len(b); i += step {
					cuts = append(cuts, i)
				}
				got := summarise(feed(b, cuts, v == tls.VersionTLS13))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("version %x, step %d (-whole +incremental):\n%s", v, step, diff)
				}
			}
		}
	}
}

// FuzzParser checks that reading a stream piece by piece gives what
// reading it whole does, wherever the pieces end.
func FuzzParser(f *testing.F) {
	f.Add([]byte{22, 3, 1, 0, 6, 1, 0, 0, 2, 3, 3, 22, 3, 1, 0, 4, 2, 0, 0, 0}, uint16(3), uint16(9), false)
	f.Add([]byte{20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 4, 20, 0, 0, 0}, uint16(6), uint16(1), true)
	f.Add([]byte{22, 3, 3, 0, 2, 11, 0, 22, 3, 3, 0, 5, 0, 3, 0, 0, 0}, uint16(7), uint16(12), false)
	f.Fuzz(func(t *testing.T, b []byte, cut1, cut2 uint16, tls13 bool) {
		want := summarise(ParseDirection(b, tls13))
		got := summarise(feed(b, []int{int(min(cut1, cut2)), int(max(cut1, cut2))}, tls13))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("(-whole +incremental):\n%s", diff)
		}
	})
}

// sslv2Hello builds an SSL 2.0-compatible ClientHello record.
func sslv2Hello(version uint16, specs []uint32, challenge int) []byte {
	msg := []byte{1}
	msg = binary.BigEndian.AppendUint16(msg, version)
	msg = binary.BigEndian.AppendUint16(msg, uint16(3*len(specs)))
	msg = binary.BigEndian.AppendUint16(msg, 0)
	msg = binary.BigEndian.AppendUint16(msg, uint16(challenge))
	for _, s := range specs {
		msg = append(msg, byte(s>>16), byte(s>>8), byte(s))
	}
	msg = append(msg, make([]byte, challenge)...)
	return append([]byte{0x80 | byte(len(msg)>>8), byte(len(msg))}, msg...)
}

func TestParseSSLv2ClientHello(t *testing.T) {
	b := sslv2Hello(VersionTLS12, []uint32{0xc02f, 0x010080, 0x002f, 0x0000ff}, 32)
	ch, n, err := ParseSSLv2ClientHello(append(b, 22, 3, 3))
	if err != nil || n != len(b) {
		t.Fatalf("ParseSSLv2ClientHello = %d, %v; want %d, nil", n, err, len(b))
	}
	want := &ClientHello{LegacyVersion: VersionTLS12, SSLv2: true, CipherSuites: []uint16{0xc02f, 0x002f, 0x00ff}}
	if diff := cmp.Diff(want, ch); diff != "" {
		t.Errorf("hello (-want +got):\n%s", diff)
	}
	for name, b := range map[string][]byte{
		"SSL 2.0 only":       sslv2Hello(0x0002, []uint32{0x010080}, 16),
		"challenge too long": sslv2Hello(VersionTLS10, []uint32{0x2f}, 33),
		"TLS record":         {22, 3, 1, 0, 40, 1, 0, 0, 36, 3, 3, 0},
		"cut short":          b[:20],
	} {
		if _, _, err := ParseSSLv2ClientHello(b); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func FuzzParseSSLv2ClientHello(f *testing.F) {
	f.Add(sslv2Hello(VersionTLS12, []uint32{0xc02f, 0x010080}, 32))
	f.Add(sslv2Hello(VersionSSL30, []uint32{0x0a}, 16))
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, n, err := ParseSSLv2ClientHello(b)
		if err != nil {
			return
		}
		if n > len(b) || n < 11 {
			t.Fatalf("record of %d bytes from %d", n, len(b))
		}
		if 3*len(ch.CipherSuites) > n {
			t.Fatalf("%d suites from %d bytes", len(ch.CipherSuites), n)
		}
	})
}

// serverHello builds a ServerHello body: the RFC 8446 form, or with draft
// the form of TLS 1.3 drafts before 22 (version in the legacy field, no
// session id, no compression method).
func serverHello(legacy uint16, draft bool, supported uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, legacy)
	b = append(b, make([]byte, 32)...)
	if !draft {
		b = append(b, 0)
	}
	b = binary.BigEndian.AppendUint16(b, 0x1301)
	if !draft {
		b = append(b, 0)
	}
	var ext []byte
	if supported != 0 {
		ext = binary.BigEndian.AppendUint16(ext, ExtSupportedVersions)
		ext = binary.BigEndian.AppendUint16(ext, 2)
		ext = binary.BigEndian.AppendUint16(ext, supported)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(ext)))
	return append(b, ext...)
}

func TestTLS13Drafts(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"final", serverHello(VersionTLS12, false, VersionTLS13), "TLSv1.3"},
		{"draft 28 (supported_versions)", serverHello(VersionTLS12, false, 0x7f1c), "0x7f1c"},
		{"draft 23", serverHello(VersionTLS12, false, 0x7f17), "0x7f17"},
		{"draft 18 (legacy field)", serverHello(0x7f12, true, 0), "0x7f12"},
		{"TLS 1.2", serverHello(VersionTLS12, false, 0), "TLSv1.2"},
	}
	for _, tt := range tests {
		sh, err := ParseServerHello(tt.body)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := VersionName(sh.Version()); got != tt.want {
			t.Errorf("%s: version %q, want %q", tt.name, got, tt.want)
		}
		if IsTLS13(sh.Version()) != (tt.want != "TLSv1.2") {
			t.Errorf("%s: IsTLS13(%#x) wrong", tt.name, sh.Version())
		}
		if sh.CipherSuite != 0x1301 {
			t.Errorf("%s: suite %#x", tt.name, sh.CipherSuite)
		}
	}
}
