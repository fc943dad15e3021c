package capture

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// ReadFile classifies every flow in a pcap or pcapng file, gzip-compressed
// or not. It returns an error only when the file cannot be read at all; a
// truncated or corrupt file yields the flows read so far, with the problem
// in Errors and counted in Stats.
func ReadFile(ctx context.Context, path string, opts ...Option) (*evidence.FlowReport, error) {
	cfg := newConfig(opts)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening capture: %w", err)
	}
	defer f.Close()
	r, err := Read(ctx, f, opts...)
	if err != nil {
		return nil, fmt.Errorf("reading capture %s: %w", path, err)
	}
	r.Input = path
	r.Header = evidence.NewHeader(evidence.KindFlowReport, cfg.scannerName)
	return r, nil
}

// Read is ReadFile on an open stream.
func Read(ctx context.Context, in io.Reader, opts ...Option) (*evidence.FlowReport, error) {
	cfg := newConfig(opts)
	br := bufio.NewReaderSize(in, 256<<10)
	var rd io.Reader = br
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("reading file header: %w", err)
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("opening gzip stream: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 256<<10)
		rd = br
		if magic, err = br.Peek(4); err != nil {
			return nil, fmt.Errorf("reading file header: %w", err)
		}
	}
	var next func() (data []byte, ts int64, wire, link int, err error)
	if magic[0] == 0x0a && magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a {
		ng, err := pcapgo.NewNgReader(rd, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, fmt.Errorf("reading pcapng header: %w", err)
		}
		next = func() ([]byte, int64, int, int, error) {
			data, ci, err := ng.ZeroCopyReadPacketData()
			if err != nil {
				return nil, 0, 0, 0, err
			}
			link := -1
			if ifc, err := ng.Interface(ci.InterfaceIndex); err == nil {
				link = int(ifc.LinkType)
			}
			return data, ci.Timestamp.UnixNano(), ci.Length, link, nil
		}
	} else {
		pf, err := newPcapFile(rd)
		if err != nil {
			return nil, fmt.Errorf("reading pcap header: %w", err)
		}
		next = func() ([]byte, int64, int, int, error) {
			data, ts, wire, err := pf.next()
			return data, ts, wire, pf.link, err
		}
	}
	e := newEngine(cfg)
	rep := &evidence.FlowReport{Header: evidence.NewHeader(evidence.KindFlowReport, cfg.scannerName)}
	unsupported := map[int]bool{}
	var p packet
	for i := 0; ; i++ {
		if i&0xfff == 0 && ctx.Err() != nil {
			rep.Errors = append(rep.Errors, "stopped: "+ctx.Err().Error())
			break
		}
		data, ts, wire, lt, err := next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				e.stats.Truncated++
				rep.Errors = append(rep.Errors, fmt.Sprintf("file truncated after %d packets", e.stats.Packets))
			} else {
				e.stats.Malformed++
				rep.Errors = append(rep.Errors, fmt.Sprintf("unreadable record after %d packets: %v", e.stats.Packets, err))
			}
			break
		}
		e.stats.Packets++
		if len(data) < wire {
			e.stats.Truncated++
		}
		if !supportedLink(lt) {
			if !unsupported[lt] {
				unsupported[lt] = true
				rep.Errors = append(rep.Errors, fmt.Sprintf("link type %d is not supported; its packets are skipped", lt))
			}
			e.stats.Malformed++
			continue
		}
		p = packet{}
		switch decodeLink(lt, data, &p, 0) {
		case decodedOK:
			e.handle(&p, ts, wire)
		case decodedMalformed:
			e.stats.Malformed++
		case decodedTruncated:
			e.stats.Malformed++
		}
	}
	e.flush(rep)
	cfg.log.Debug("read capture", "packets", rep.Stats.Packets, "flows", rep.Stats.Flows,
		"truncated", rep.Stats.Truncated, "malformed", rep.Stats.Malformed, "evicted", rep.Stats.Evicted, "errors", len(rep.Errors))
	return rep, nil
}
