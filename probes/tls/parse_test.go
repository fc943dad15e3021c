package tls

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/cryptobyte"
)

// serverHello builds a ServerHello body.
func serverHello(version, suite uint16, random []byte, exts func(b *cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddUint16(version)
	if random == nil {
		random = make([]byte, 32)
	}
	b.AddBytes(random)
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 32)) })
	b.AddUint16(suite)
	b.AddUint8(0)
	if exts != nil {
		b.AddUint16LengthPrefixed(exts)
	}
	return b.BytesOrPanic()
}

func ext(typ uint16, body ...byte) func(b *cryptobyte.Builder) {
	return func(b *cryptobyte.Builder) {
		b.AddUint16(typ)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(body) })
	}
}

func exts(fs ...func(b *cryptobyte.Builder)) func(b *cryptobyte.Builder) {
	return func(b *cryptobyte.Builder) {
		for _, f := range fs {
			f(b)
		}
	}
}

func TestParseServerHello(t *testing.T) {
	cases := []struct {
		name string
		body []byte
		want *ServerHello
		err  bool
	}{
		{name: "tls12 no extensions", body: serverHello(VersionTLS12, 0xc02f, nil, nil),
			want: &ServerHello{Version: VersionTLS12, LegacyVersion: VersionTLS12, CipherSuite: 0xc02f}},
		{name: "tls13", body: serverHello(VersionTLS12, 0x1301, nil, exts(ext(extSupportedVersions, 3, 4), ext(extKeyShare, 0, 0x1d, 0, 1, 9))),
			want: &ServerHello{Version: VersionTLS13, LegacyVersion: VersionTLS12, CipherSuite: 0x1301, Group: 0x1d, Extensions: []uint16{extSupportedVersions, extKeyShare}}},
		{name: "hello retry request", body: serverHello(VersionTLS12, 0x1302, helloRetryRandom, exts(ext(extSupportedVersions, 3, 4), ext(extKeyShare, 0x11, 0xec))),
			want: &ServerHello{Version: VersionTLS13, LegacyVersion: VersionTLS12, CipherSuite: 0x1302, Group: 0x11ec, RetryRequest: true, Extensions: []uint16{extSupportedVersions, extKeyShare}}},
		{name: "alpn", body: serverHello(VersionTLS12, 0xc02f, nil, ext(extALPN, 0, 3, 2, 'h', '2')),
			want: &ServerHello{Version: VersionTLS12, LegacyVersion: VersionTLS12, CipherSuite: 0xc02f, ALPN: "h2", Extensions: []uint16{extALPN}}},
		{name: "truncated", body: serverHello(VersionTLS12, 0xc02f, nil, nil)[:40], err: true},
		{name: "empty", body: nil, err: true},
		{name: "not version 3", body: serverHello(0x0200, 0xc02f, nil, nil), err: true},
		{name: "repeated extension", body: serverHello(VersionTLS12, 0x1301, nil, exts(ext(extSupportedVersions, 3, 4), ext(extSupportedVersions, 3, 4))), err: true},
		{name: "bad supported_versions", body: serverHello(VersionTLS12, 0x1301, nil, ext(extSupportedVersions, 3)), err: true},
		{name: "trailing bytes", body: append(serverHello(VersionTLS12, 0xc02f, nil, ext(extALPN, 0, 3, 2, 'h', '2')), 0), err: true},
	}
	for _, c := range cases {
		got, err := ParseServerHello(c.body)
		if (err != nil) != c.err {
			t.Errorf("%s: error %v, want error %v", c.name, err, c.err)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: error %v is not ErrMalformed", c.name, err)
			}
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

func record(typ uint8, body []byte) []byte {
	return append([]byte{typ, 3, 3, byte(len(body) >> 8), byte(len(body))}, body...)
}

func handshake(typ uint8, body []byte) []byte {
	return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

func TestHandshakeReader(t *testing.T) {
	sh := handshake(typeServerHello, serverHello(VersionTLS12, 0xc02f, nil, nil))
	// One message split over three records, then an alert.
	var in []byte
	in = append(in, record(recordHandshake, sh[:10])...)
	in = append(in, record(recordChangeCipherSpec, []byte{1})...)
	in = append(in, record(recordHandshake, sh[10:20])...)
	in = append(in, record(recordHandshake, sh[20:])...)
	in = append(in, record(recordAlert, []byte{2, 40})...)
	hr := newHandshakeReader(bytes.NewReader(in))
	m, err := hr.next()
	if err != nil || m.typ != typeServerHello || !bytes.Equal(m.body, sh[4:]) {
		t.Fatalf("reassembled message %d %v", m.typ, err)
	}
	_, err = hr.next()
	var ae *AlertError
	if !errors.As(err, &ae) || ae.Description != 40 || !strings.Contains(err.Error(), "handshake_failure") {
		t.Errorf("alert: %v", err)
	}

	bad := []struct {
		name string
		in   []byte
		want string
	}{
		{"http answer", []byte("HTTP/1.1 400 Bad Request\r\n"), "not a TLS record"},
		{"short garbage", []byte{0x00}, "not a TLS record"},
		{"oversized record", []byte{recordHandshake, 3, 3, 0xff, 0xff}, "exceeds"},
		{"truncated record", append([]byte{recordHandshake, 3, 3, 0, 10}, 1, 2), "truncated record"},
		{"truncated header", []byte{recordHandshake, 3}, "truncated record header"},
		{"oversized message", record(recordHandshake, []byte{typeCertificate, 0x10, 0, 0}), "exceeds"},
		{"application data", record(recordApplicationData, []byte{1}), "application data"},
		{"empty handshake record", record(recordHandshake, nil), "empty handshake record"},
		{"short alert", record(recordAlert, []byte{2}), "short alert"},
		{"endless records", bytes.Repeat(record(recordChangeCipherSpec, []byte{1}), 100), "more than"},
	}
	for _, c := range bad {
		_, err := newHandshakeReader(bytes.NewReader(c.in)).next()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestParseCertificateMessages(t *testing.T) {
	var b cryptobyte.Builder
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, c := range [][]byte{{1, 2, 3}, {4}} {
			b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(c) })
		}
	})
	got, err := parseCertificateList(b.BytesOrPanic())
	if err != nil || !cmp.Equal(got, [][]byte{{1, 2, 3}, {4}}) {
		t.Errorf("certificate list %v %v", got, err)
	}
	for name, body := range map[string][]byte{
		"empty":       nil,
		"short entry": {0, 0, 4, 0, 0, 5, 1},
		"zero entry":  {0, 0, 3, 0, 0, 0},
	} {
		if _, err := parseCertificateList(body); err == nil {
			t.Errorf("certificate list %s accepted", name)
		}
	}
	// TLS 1.2 CertificateRequest: types, sig algs, one CA name.
	var cr cryptobyte.Builder
	cr.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(1) })
	cr.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(0x0804) })
	cr.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte{0x30, 0}) })
	})
	req, err := parseCertificateRequest(cr.BytesOrPanic(), VersionTLS12)
	if err != nil || len(req.CAs) != 1 || !cmp.Equal(req.SigSchemes, []uint16{0x0804}) {
		t.Errorf("certificate request %+v %v", req, err)
	}
	if _, err := parseCertificateRequest([]byte{1, 1}, VersionTLS12); err == nil {
		t.Error("truncated certificate request accepted")
	}
	if g, ok := serverKeyExchangeGroup([]byte{3, 0, 0x17, 65}); !ok || g != 0x17 {
		t.Errorf("ECDHE group %x %v", g, ok)
	}
	if _, ok := serverKeyExchangeGroup([]byte{0, 1}); ok {
		t.Error("DHE parameters read as a named group")
	}
}

func TestHelloMarshal(t *testing.T) {
	for _, c := range []struct {
		name    string
		h       Hello
		wantSNI bool
		wantVer bool
	}{
		{"tls13 with name", Hello{Version: VersionTLS13, MinVersion: VersionTLS10, Suites: []uint16{0x1301, 0xc02f}, Groups: []uint16{0x1d}, KeyShares: []uint16{0x1d}, ServerName: "example.com"}, true, true},
		{"tls12 with ip", Hello{Version: VersionTLS12, Suites: []uint16{0xc02f}, ServerName: "127.0.0.1"}, false, false},
		{"sslv3", Hello{Version: VersionSSL30, Suites: []uint16{0x002f}}, false, false},
	} {
		rec, err := c.h.Marshal()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if rec[0] != recordHandshake || rec[5] != 1 {
			t.Fatalf("%s: not a ClientHello record", c.name)
		}
		body := cryptobyte.String(rec[9:])
		var ver uint16
		var random, sid, suites, comp, extList cryptobyte.String
		if !body.ReadUint16(&ver) || !body.ReadBytes((*[]byte)(&random), 32) || !body.ReadUint8LengthPrefixed(&sid) ||
			!body.ReadUint16LengthPrefixed(&suites) || !body.ReadUint8LengthPrefixed(&comp) || !body.ReadUint16LengthPrefixed(&extList) || !body.Empty() {
			t.Fatalf("%s: ClientHello does not parse", c.name)
		}
		if len(suites) != 2*len(c.h.Suites) {
			t.Errorf("%s: %d suite bytes", c.name, len(suites))
		}
		seen := map[uint16]bool{}
		for !extList.Empty() {
			var typ uint16
			var data cryptobyte.String
			if !extList.ReadUint16(&typ) || !extList.ReadUint16LengthPrefixed(&data) {
				t.Fatalf("%s: extension does not parse", c.name)
			}
			seen[typ] = true
		}
		if seen[extServerName] != c.wantSNI || seen[extSupportedVersions] != c.wantVer {
			t.Errorf("%s: SNI %v supported_versions %v", c.name, seen[extServerName], seen[extSupportedVersions])
		}
	}
	if _, err := (Hello{Version: VersionTLS12}).Marshal(); err == nil {
		t.Error("ClientHello without suites accepted")
	}
}
