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
	"github.com/sc8scan/sc8scan/pkg/evidence"
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

// TestDenseBounded follows many short flows and checks what the engine
// keeps besides the flow table stays within its stated bounds: buffers
// pooled, flows pooled, memoised certificates; and that decided flows give
// their buffers back, so what is buffered stays near one flight per live
// flow.
func TestDenseBounded(t *testing.T) {
	pcap, _ := denseCapture(t, 200)
	pf, err := newPcapFile(bytes.NewReader(pcap))
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(newConfig(nil))
	var peakBuffered int64
	peakFlows := 0
	for {
		data, ts, wire, err := pf.next()
		if err != nil {
			break
		}
		var p packet
		if decodeLink(pf.link, data, &p, 0) == decodedOK {
			e.handle(&p, ts, wire)
		}
		peakBuffered = max(peakBuffered, e.buffered)
		peakFlows = max(peakFlows, len(e.flows))
		if e.pooled > maxPooledBytes || len(e.free) > maxPooled || e.memo.certBytes > maxCachedBytes {
			t.Fatalf("pools past their bounds: %d pooled bytes, %d pooled flows, %d memoised certificate bytes", e.pooled, len(e.free), e.memo.certBytes)
		}
	}
	var rep evidence.FlowReport
	e.flush(&rep)
	if e.buffered != 0 || len(e.flows) != 0 {
		t.Errorf("%d bytes still buffered, %d flows in the table after flush", e.buffered, len(e.flows))
	}
	if len(rep.Flows) != 200*16 {
		t.Errorf("%d flows, want %d", len(rep.Flows), 200*16)
	}
	// 200 copies of 16 connections, each a few ms apart: a few hundred
	// live at once, most of them decided and holding nothing.
	if per := peakBuffered / int64(max(peakFlows, 1)); per > 8<<10 {
		t.Errorf("peak %d bytes buffered for %d flows (%d each)", peakBuffered, peakFlows, per)
	}
	t.Logf("peak: %d flows in the table, %d bytes buffered; pooled: %d bytes, %d flows", peakFlows, peakBuffered, e.pooled, len(e.free))
}
