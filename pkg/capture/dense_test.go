package capture

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// denseCapture builds a handshake-dense capture in memory from the
// recorded captures of real traffic: their IPv4 packets repeated copies
// times, each copy moved to its own 127.x.y.1 address so every
// connection becomes copies distinct flows (short TLS 1.2 and 1.3
// connections with and without client certificates, HTTP/1 and h2c).
func denseCapture(tb testing.TB, copies int) (pcap []byte, packets int) {
	tb.Helper()
	type frame struct {
		ts   time.Duration
		data []byte
	}
	var frames []frame
	for _, name := range []string{"tls12.pcap", "tls13.pcap", "nginx.pcap", "go-mesh.pcap"} {
		f, err := os.Open(filepath.Join(pcapDir, name))
		if err != nil {
			tb.Fatal(err)
		}
		r, err := pcapgo.NewReader(f)
		if err != nil {
			tb.Fatal(err)
		}
		var start time.Time
		for {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				break
			}
			if start.IsZero() {
				start = ci.Timestamp
			}
			// Ethernet, IPv4: the addresses are rewritten per copy.
			if r.LinkType() != 1 || len(data) < 34 || binary.BigEndian.Uint16(data[12:14]) != 0x0800 {
				continue
			}
			frames = append(frames, frame{ci.Timestamp.Sub(start), data})
		}
		f.Close()
	}
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, 1); err != nil {
		tb.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tmp := make([]byte, 0, 65536)
	for k := 0; k < copies; k++ {
		for _, fr := range frames {
			tmp = append(tmp[:0], fr.data...)
			for _, off := range []int{26, 30} { // source and destination
				tmp[off+1], tmp[off+2], tmp[off+3] = byte(k>>8), byte(k), 1
			}
			ci := gopacket.CaptureInfo{Timestamp: base.Add(time.Duration(k)*time.Millisecond + fr.ts/1000),
				CaptureLength: len(tmp), Length: len(tmp)}
			if err := w.WritePacket(ci, tmp); err != nil {
				tb.Fatal(err)
			}
			packets++
		}
	}
	return buf.Bytes(), packets
}

// BenchmarkReadDense reads a capture of many short connections, mostly
// handshakes: the classifier's worst case per packet. It reports packets
// per second of one goroutine.
func BenchmarkReadDense(b *testing.B) {
	pcap, packets := denseCapture(b, 600)
	r, err := Read(context.Background(), bytes.NewReader(pcap))
	if err != nil {
		b.Fatal(err)
	}
	if r.Stats.Packets != int64(packets) {
		b.Fatalf("read %d packets, want %d", r.Stats.Packets, packets)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(pcap)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Read(context.Background(), bytes.NewReader(pcap)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "pkt/s")
	b.ReportMetric(float64(r.Stats.Flows), "flows")
}
