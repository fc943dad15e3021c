//go:build linux && !cgo

package capture

import (
	"fmt"
	"github.com/gopacket/gopacket/pcapgo"
)

// socketHandle reads a plain AF_PACKET socket, one packet per recvmsg.
type socketHandle struct {
	*pcapgo.EthernetHandle
}

func openLive(iface string, cfg *config) (liveHandle, error) {
	h, err := pcapgo.NewEthernetHandle(iface)
	if err != nil {
		return nil, err
	}
	if err := h.SetCaptureLength(cfg.snaplen); err != nil {
		h.Close()
		return nil, err
	}
	// A bridge passes the frames it forwards between its ports up to its
	// own device only when promiscuous: without it a capture on a node's
	// CNI bridge sees none of the pod-to-pod traffic. The membership is
	// the socket's and ends with it.
	if err := h.SetPromiscuous(true); err != nil {
		h.Close()
		return nil, fmt.Errorf("promiscuous mode on %s: %w", iface, err)
	}
	return socketHandle{h}, nil
}

func (h socketHandle) drops() int64 {
	s, err := h.Stats()
	if err != nil {
		return 0
	}
	return int64(s.Drops)
}

func (h socketHandle) linkType() int { return linkEthernet }

func (h socketHandle) interrupt() { _ = h.EthernetHandle.Close() }

func (h socketHandle) Close() { _ = h.EthernetHandle.Close() }
