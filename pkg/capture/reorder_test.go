package capture

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestReorderedAndRetransmitted rewrites captures of real traffic with
// their frames swapped pairwise (every segment arrives out of order, SYN-ACK
// before SYN) and every third frame sent twice (retransmissions), and
// checks that every flow is classified exactly as in the original. The
// MTU-300 capture has its ClientHellos split over many segments.
func TestReorderedAndRetransmitted(t *testing.T) {
	for _, name := range []string{"smallmtu-any.pcap", "tls12.pcap", "go-mesh.pcap", "postgres.pcap", "proxy-grpc-smtp.pcap"} {
		t.Run(name, func(t *testing.T) {
			want, _ := readSummaries(t, name)
			in, err := os.Open(filepath.Join(pcapDir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			r, err := pcapgo.NewReader(in)
			if err != nil {
				t.Fatal(err)
			}
			type frame struct {
				data []byte
				ci   gopacket.CaptureInfo
			}
			var frames []frame
			for {
				d, ci, err := r.ReadPacketData()
				if err != nil {
					break
				}
				frames = append(frames, frame{d, ci})
			}
			for i := 0; i+1 < len(frames); i += 2 {
				frames[i], frames[i+1] = frames[i+1], frames[i]
			}
			path := filepath.Join(t.TempDir(), name)
			out, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w := pcapgo.NewWriter(out)
			if err := w.WriteFileHeader(65536, layers.LinkType(r.LinkType())); err != nil {
				t.Fatal(err)
			}
			for i, f := range frames {
				for n := 0; n < 1+btoi(i%3 == 0); n++ {
					if err := w.WritePacket(f.ci, f.data); err != nil {
						t.Fatal(err)
					}
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
				t.Errorf("flows after reordering (-original +reordered):\n%s", diff)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
