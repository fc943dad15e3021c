//go:build linux && cgo

package capture

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"golang.org/x/net/bpf"
)

// ringHandle reads an AF_PACKET TPACKET_V3 ring.
type ringHandle struct {
	tp        *afpacket.TPacket
	lastDrops uint
}

func openLive(iface string, cfg *config) (liveHandle, error) {
	tp, err := afpacket.NewTPacket(
		afpacket.OptInterface(iface),
		afpacket.OptFrameSize(1<<16),
		afpacket.OptBlockSize(1<<20),
		afpacket.OptNumBlocks(64),
		afpacket.OptPollTimeout(200*time.Millisecond),
		afpacket.TPacketVersion3,
	)
	if err != nil {
		return nil, err
	}
	// See live_socket.go: a bridge shows forwarded frames only to a
	// promiscuous socket.
	if err := tp.SetPromiscuous(true); err != nil {
		tp.Close()
		return nil, fmt.Errorf("promiscuous mode on %s: %w", iface, err)
	}
	return &ringHandle{tp: tp}, nil
}

func (h *ringHandle) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	d, ci, err := h.tp.ZeroCopyReadPacketData()
	if errors.Is(err, afpacket.ErrTimeout) || errors.Is(err, afpacket.ErrPoll) {
		return nil, ci, errTimeout
	}
	return d, ci, err
}

func (h *ringHandle) SetBPF(p []bpf.RawInstruction) error { return h.tp.SetBPF(p) }

func (h *ringHandle) drops() int64 {
	_, v3, err := h.tp.SocketStats()
	if err != nil {
		return 0
	}
	d := v3.Drops()
	n := int64(d - h.lastDrops)
	h.lastDrops = d
	if n < 0 {
		return 0
	}
	return n
}

func (h *ringHandle) linkType() int { return linkEthernet }

// interrupt does nothing: reads return every poll timeout and the loop
// checks for cancellation, so the ring is never unmapped under a reader.
func (h *ringHandle) interrupt() {}

func (h *ringHandle) Close() { h.tp.Close() }
