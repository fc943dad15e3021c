package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"golang.org/x/net/bpf"
)

// liveHandle is a packet socket on one interface.
type liveHandle interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	SetBPF([]bpf.RawInstruction) error
	// drops returns the packets the kernel dropped since the last call.
	drops() int64
	// linkType is the link type of the frames read.
	linkType() int
	// interrupt makes a blocked read return; a handle whose reads time out
	// on their own does nothing.
	interrupt()
	Close()
}

// errTimeout is returned by a handle's read when no packet came in its
// poll interval; the loop then checks for cancellation.
var errTimeout = errors.New("read timeout")

// Live classifies the flows on a live interface until ctx is done, calling
// the WithReport callback every WithPeriod and once at the end, and returns
// the final report. With WithReport, each report holds the flows finished
// since the previous report plus the flows still active as they stand (an
// active flow reappears, updated, until it finishes), so memory stays
// bounded by the live flows however long the capture runs; without it, the
// final report holds every flow. It needs CAP_NET_RAW. On Linux with cgo it reads an
// AF_PACKET TPACKET_V3 ring; without cgo, a plain AF_PACKET socket.
func Live(ctx context.Context, iface string, opts ...Option) (*evidence.FlowReport, error) {
	cfg := newConfig(opts)
	h, err := openLive(iface, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", iface, err)
	}
	// Packets queued before the filter was attached did not pass it;
	// they are recognised by their kernel timestamp and skipped.
	var filteredFrom time.Time
	if cfg.bpf != "" {
		prog, err := compileBPF(ctx, iface, cfg.bpf)
		if err != nil {
			h.Close()
			return nil, err
		}
		if err := h.SetBPF(prog); err != nil {
			h.Close()
			return nil, fmt.Errorf("attaching filter: %w", err)
		}
		filteredFrom = time.Now()
	}
	e := newEngine(cfg)
	var mu sync.Mutex
	newReport := func() *evidence.FlowReport {
		return &evidence.FlowReport{Header: evidence.NewHeader(evidence.KindFlowReport, cfg.scannerName), Input: "interface:" + iface}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(cfg.period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				h.interrupt()
				return
			case <-stop:
				return
			case <-t.C:
				mu.Lock()
				e.stats.Dropped += h.drops()
				if cfg.onReport != nil {
					r := newReport()
					e.snapshot(r, true)
					cfg.onReport(r, false)
				}
				mu.Unlock()
			}
		}
	}()
	lt := h.linkType()
	// A packet socket on a loopback interface sees each packet twice, as
	// sent and as received, back to back: the second copy is skipped.
	loopback := false
	if ifc, err := net.InterfaceByName(iface); err == nil && ifc.Flags&net.FlagLoopback != 0 {
		loopback = true
	}
	var prev []byte
	var p packet
	var readErr error
	for ctx.Err() == nil {
		data, ci, err := h.ZeroCopyReadPacketData()
		if err != nil {
			if errors.Is(err, errTimeout) {
				continue
			}
			if ctx.Err() == nil {
				readErr = err
			}
			break
		}
		if !filteredFrom.IsZero() && !ci.Timestamp.IsZero() && ci.Timestamp.Before(filteredFrom) {
			continue
		}
		if loopback {
			if bytes.Equal(data, prev) {
				prev = prev[:0]
				continue
			}
			prev = append(prev[:0], data...)
		}
		mu.Lock()
		e.stats.Packets++
		if ci.CaptureLength < ci.Length {
			e.stats.Truncated++
		}
		p = packet{}
		switch decodeLink(lt, data, &p, 0) {
		case decodedOK:
			ts := ci.Timestamp
			if ts.IsZero() {
				ts = time.Now()
			}
			e.handle(&p, ts.UnixNano(), ci.Length)
		case decodedMalformed, decodedTruncated:
			e.stats.Malformed++
		}
		mu.Unlock()
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	e.stats.Dropped += h.drops()
	h.Close()
	r := newReport()
	e.flush(r)
	cfg.log.Debug("live capture stopped", "interface", iface, "packets", r.Stats.Packets, "flows", r.Stats.Flows, "dropped", r.Stats.Dropped)
	if readErr != nil {
		r.Errors = append(r.Errors, "reading packets: "+readErr.Error())
	}
	if cfg.onReport != nil {
		cfg.onReport(r, true)
	}
	return r, nil
}

// compileBPF turns a tcpdump filter expression into classic BPF with
// tcpdump -ddd (libpcap's compiler), for the link type of iface.
func compileBPF(ctx context.Context, iface, expr string) ([]bpf.RawInstruction, error) {
	path, err := exec.LookPath("tcpdump")
	if err != nil {
		for _, p := range []string{"/usr/sbin/tcpdump", "/usr/bin/tcpdump", "/sbin/tcpdump"} {
			if _, serr := exec.LookPath(p); serr == nil {
				path, err = p, nil
				break
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("compiling filter: tcpdump is needed to compile --bpf expressions: %w", err)
	}
	out, err := exec.CommandContext(ctx, path, "-ddd", "-i", iface, expr).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("compiling filter %q: %s", expr, strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, fmt.Errorf("compiling filter %q: %w", expr, err)
	}
	return parseDDD(string(out))
}

// parseDDD reads tcpdump -ddd output: a count, then "code jt jf k" lines.
func parseDDD(s string) ([]bpf.RawInstruction, error) {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) == 0 {
		return nil, errors.New("compiling filter: empty program")
	}
	n, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || n != len(lines)-1 || n > 4096 {
		return nil, fmt.Errorf("compiling filter: unexpected tcpdump output %q", lines[0])
	}
	prog := make([]bpf.RawInstruction, 0, n)
	for _, l := range lines[1:] {
		var op, jt, jf, k uint64
		if _, err := fmt.Sscanf(strings.TrimSpace(l), "%d %d %d %d", &op, &jt, &jf, &k); err != nil {
			return nil, fmt.Errorf("compiling filter: bad instruction %q", l)
		}
		prog = append(prog, bpf.RawInstruction{Op: uint16(op), Jt: uint8(jt), Jf: uint8(jf), K: uint32(k)})
	}
	return prog, nil
}
