package capture

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestGeneve wraps every frame of a capture of real traffic in a Geneve
// header (RFC 8926, with one 8-byte option) over IPv4/UDP 6081 between two
// node addresses, as an overlay would carry it (this kernel has no Geneve
// device to record one), and expects the inner flows unchanged.
func TestGeneve(t *testing.T) {
	want, _ := readSummaries(t, "tls12.pcap")
	in, err := os.Open(filepath.Join(pcapDir, "tls12.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := pcapgo.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "geneve.pcap")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(out)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for {
		inner, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		geneve := []byte{0x02, 0, 0x65, 0x58, 0, 0, 42, 0, // ver 0, 2 words of options, TEB, VNI 42
			0x01, 0x02, 0x03, 0x01, 0xde, 0xad, 0xbe, 0xef} // one option: class, type, len 1 word, data
		udpLen := 8 + len(geneve) + len(inner)
		frame := make([]byte, 14, 14+20+udpLen)
		binary.BigEndian.PutUint16(frame[12:14], etherIPv4)
		ip := make([]byte, 20)
		ip[0], ip[8], ip[9] = 0x45, 64, protoUDP
		binary.BigEndian.PutUint16(ip[2:4], uint16(20+udpLen))
		copy(ip[12:16], []byte{198, 18, 0, 9})
		copy(ip[16:20], []byte{198, 18, 0, 10})
		udp := make([]byte, 8)
		binary.BigEndian.PutUint16(udp[0:2], 50123)
		binary.BigEndian.PutUint16(udp[2:4], portGeneve)
		binary.BigEndian.PutUint16(udp[4:6], uint16(udpLen))
		frame = append(append(append(append(frame, ip...), udp...), geneve...), inner...)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ci.Timestamp, CaptureLength: len(frame), Length: len(frame)}, frame); err != nil {
			t.Fatal(err)
		}
	}
	out.Close()
	rep, err := ReadFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Flows {
		got = append(got, summary(f))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inner flows (-plain +geneve):\n%s", diff)
	}
}
