package capture

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestUDPClassifiers checks the datagram signatures against their formats
// (RFC 9000 section 17.2, the WireGuard message layouts, RFC 1035 section
// 4.1.1): these transports cannot run on this machine, so the bytes are
// built from the specifications.
func TestUDPClassifiers(t *testing.T) {
	quic := make([]byte, 1200)
	quic[0] = 0xc3 // long header, Initial
	binary.BigEndian.PutUint32(quic[1:5], 1)
	quicV2 := append([]byte(nil), quic...)
	binary.BigEndian.PutUint32(quicV2[1:5], 0x6b3343cf)
	short := append([]byte(nil), quic...)
	short[0] = 0x43
	wgInit := make([]byte, 148)
	wgInit[0] = 1
	wgData := make([]byte, 32+64)
	wgData[0] = 4
	dns := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'c', 'o', 'm', 0, 0, 1, 0, 1}
	tests := []struct {
		name  string
		b     []byte
		port  uint16
		class string
		enc   bool
	}{
		{"quic v1 initial", quic, 443, ClassQUIC, true},
		{"quic v2 initial", quicV2, 443, ClassQUIC, true},
		{"quic short header alone", short, 443, ClassUnknown, false},
		{"wireguard initiation", wgInit, 51820, ClassWireGuard, true},
		{"wireguard transport", wgData, 51871, ClassWireGuard, true},
		{"wireguard-sized garbage", append([]byte{1, 1}, wgInit[2:]...), 51820, ClassUnknown, false},
		{"dns query", dns, 53, ClassPlaintext, false},
		{"dns-shaped on another port", dns, 9999, ClassUnknown, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &flow{proto: protoUDP}
			f.client = mustAddrPort("198.18.0.1:40000")
			f.server = mustAddrPort("198.18.0.2:" + strconv.Itoa(int(tt.port)))
			f.dirs[0].buf = append([]byte{byte(len(tt.b) >> 8), byte(len(tt.b))}, tt.b...)
			a := classify(f, true)
			if a.class != tt.class || a.encrypted != tt.enc {
				t.Errorf("class %s encrypted %t, want %s %t", a.class, a.encrypted, tt.class, tt.enc)
			}
		})
	}
}

// TestPlaintextDetectors covers preambles the committed captures do not:
// MySQL's greeting and SSLRequest (format from the MySQL client/server
// protocol), an HTTP/1.1 Upgrade to h2c, and unrecognised bytes.
func TestPlaintextDetectors(t *testing.T) {
	greeting := []byte{0x4a, 0, 0, 0, 10}
	greeting = append(greeting, "10.11.6-MariaDB\x00"...)
	for len(greeting) < 4+0x4a {
		greeting = append(greeting, 0)
	}
	sslReq := make([]byte, 36)
	sslReq[0], sslReq[3] = 32, 1
	binary.LittleEndian.PutUint32(sslReq[4:8], 0x0800|0x0200)
	login := append([]byte(nil), sslReq...)
	binary.LittleEndian.PutUint32(login[4:8], 0x0200)
	tests := []struct {
		name       string
		c, s       []byte
		proto      string
		upgradable bool
	}{
		{"mysql greeting, login", login, greeting, ProtoMySQL, false},
		{"mysql SSLRequest", sslReq, greeting, preMySQLSSL, true},
		{"http upgrade to h2c", []byte("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n"), nil, ProtoH2C, false},
		{"redis inline ping", []byte("PING\r\n"), nil, ProtoRedis, false},
		{"http upgrade to TLS (RFC 2817)", []byte("OPTIONS * HTTP/1.1\r\nHost: a\r\nUpgrade: TLS/1.2\r\nConnection: Upgrade\r\n\r\n"), nil, preHTTPUpgrade, true},
		{"ftp AUTH TLS", []byte("AUTH TLS\r\n"), []byte("220 ProFTPD Server ready\r\n"), ProtoFTP, true},
		{"ftp login", []byte("USER anonymous\r\n"), []byte("220 (vsFTPd 3.0.3)\r\n"), ProtoFTP, true},
		{"ldap StartTLS", append([]byte{0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16}, "1.3.6.1.4.1.1466.20037"...), nil, ProtoLDAP, true},
		{"imap greeting", []byte("a1 CAPABILITY\r\n"), []byte("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"), ProtoIMAP, true},
		{"pop3 greeting", []byte("STLS\r\n"), []byte("+OK ready\r\n"), ProtoPOP3, true},
		{"xmpp stream", []byte("<?xml version='1.0'?><stream:stream to='a' version='1.0'>"), nil, ProtoXMPP, true},
		{"socks5 greeting", []byte{5, 2, 0, 2}, []byte{5, 0}, ProtoSOCKS5, true},
		{"socks4a request", []byte{4, 1, 0, 80, 0, 0, 0, 1, 'u', 0, 'h', 0}, []byte{0, 0x5a, 0, 0, 0, 0, 0, 0}, ProtoSOCKS4, true},
		{"socks5 refused method", []byte{5, 1, 2}, []byte{5, 0xff}, ProtoSOCKS5, true},
		{"garbage", []byte{0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5}, []byte{9, 9, 9}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, up := detectPlain(tt.c, tt.s, 3306)
			if p != tt.proto || up != tt.upgradable {
				t.Errorf("detectPlain = %q %t, want %q %t", p, up, tt.proto, tt.upgradable)
			}
		})
	}
}

// BenchmarkReadFile reads testdata's tls12.pcap, or the capture named by
// SC8_BENCH_PCAP (hack/bench-capture.sh times the classifier alone on its
// own captures this way).
func BenchmarkReadFile(b *testing.B) {
	path := filepath.Join(pcapDir, "tls12.pcap")
	if p := os.Getenv("SC8_BENCH_PCAP"); p != "" {
		path = p
	}
	r, err := ReadFile(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ReadFile(context.Background(), path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(r.Stats.Packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

func TestResyncRecords(t *testing.T) {
	rec := func(typ byte, n int) []byte {
		b := []byte{typ, 3, 3, byte(n >> 8), byte(n)}
		for i := 0; i < n; i++ {
			b = append(b, byte(i*7+1))
		}
		return b
	}
	tail := rec(23, 40)[17:] // the end of a record whose start was not captured
	tests := []struct {
		name string
		b    []byte
		want int
	}{
		{"records from the start", append(rec(23, 20), rec(23, 30)...), 0},
		{"inside a record", append(append(append([]byte(nil), tail...), rec(23, 20)...), rec(23, 10)...), len(tail)},
		{"one header, nothing chained", append(append([]byte(nil), tail...), rec(23, 20)...), -1},
		{"plaintext", []byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"), -1},
		{"short", []byte{23, 3}, -1},
	}
	for _, tt := range tests {
		if got := resyncRecords(tt.b); got != tt.want {
			t.Errorf("%s: resync = %d, want %d", tt.name, got, tt.want)
		}
	}
}
