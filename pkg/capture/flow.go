package capture

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/capture/tlsparse"
	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// flowKey names a connection regardless of direction: the lower endpoint
// comes first.
type flowKey struct {
	a, b   netip.Addr
	ap, bp uint16
	proto  uint8
}

func keyOf(p *packet) (flowKey, bool) {
	c := p.src.Compare(p.dst)
	if c < 0 || c == 0 && p.sport <= p.dport {
		return flowKey{p.src, p.dst, p.sport, p.dport, p.proto}, false
	}
	return flowKey{p.dst, p.src, p.dport, p.sport, p.proto}, true
}

// flow is one connection being followed. dirs[0] is what the client sent.
type flow struct {
	client, server netip.AddrPort
	proto          uint8
	first, last    int64 // unix nanoseconds, capture time
	packets, bytes int64

	dirs [2]stream
	// clientISN is the sequence number of the client's SYN.
	clientISN  uint32
	synSeen    bool
	payload    bool // some packet carried payload
	guessed    bool // roles guessed from ports: no SYN seen
	fins       uint8
	rst        bool
	closedAt   int64
	collecting bool
	dirty      bool
	overBudget bool
	spi        uint32
	res        analysis
	// tp reads each direction's TLS records as they arrive, from offset
	// tpStart of its buffer.
	tp      [2]tlsparse.Parser
	tpStart [2]int
	cache   *memo
}

// stream keeps the first bytes one side of a TCP connection sent, in order.
type stream struct {
	init bool
	next uint32 // sequence number of the byte after buf
	buf  []byte
	pend []segment
	full bool
	// gap is true when data was lost before the cap and never filled.
	gap bool
}

type segment struct {
	seq  uint32
	data []byte
}

const maxPending = 32

// add places payload (starting at seq) into the stream; it reports whether
// the contiguous prefix grew.
func (s *stream) add(seq uint32, payload []byte, limit int, e *engine) bool {
	if s.full || len(payload) == 0 {
		return false
	}
	if !s.init {
		s.init = true
		s.next = seq
	}
	grew := s.place(seq, payload, limit, e)
	for grew && len(s.pend) > 0 {
		progressed := false
		for i := 0; i < len(s.pend); i++ {
			sg := s.pend[i]
			if d := int32(sg.seq - s.next); d <= 0 {
				s.pend = append(s.pend[:i], s.pend[i+1:]...)
				e.buffered -= int64(len(sg.data))
				s.place(sg.seq, sg.data, limit, e)
				progressed = true
				i--
			}
		}
		if !progressed {
			break
		}
	}
	return grew
}

func (s *stream) place(seq uint32, payload []byte, limit int, e *engine) bool {
	d := int32(seq - s.next)
	if d > 0 {
		// Out of order: keep a bounded copy until the gap fills.
		if int(d) >= limit-len(s.buf) || len(s.pend) >= maxPending {
			s.gap = true
			return false
		}
		if e.buffered+int64(len(payload)) > e.cfg.totalBytes {
			e.stats.Dropped++
			return false
		}
		s.pend = append(s.pend, segment{seq, append([]byte(nil), payload...)})
		e.buffered += int64(len(payload))
		return false
	}
	skip := int(-d)
	if skip >= len(payload) {
		return false // retransmission of bytes already held
	}
	payload = payload[skip:]
	room := limit - len(s.buf)
	if len(payload) >= room {
		payload = payload[:room]
		s.full = true
	}
	if e.buffered+int64(len(payload)) > e.cfg.totalBytes {
		e.stats.Dropped++
		s.full = true
		return false
	}
	if s.buf == nil {
		s.buf = e.buffer()
	}
	s.buf = append(s.buf, payload...)
	e.buffered += int64(len(payload))
	s.next += uint32(len(payload))
	return true
}

// release frees what a flow holds to classify itself.
func (f *flow) release(e *engine) {
	f.dirs[0].release(e)
	f.dirs[1].release(e)
	f.tp[0].Reset()
	f.tp[1].Reset()
}

func (s *stream) release(e *engine) {
	e.buffered -= int64(len(s.buf))
	for _, sg := range s.pend {
		e.buffered -= int64(len(sg.data))
	}
	if s.buf != nil && cap(s.buf) <= maxPooledBuffer && e.pooled+cap(s.buf) <= maxPooledBytes {
		e.buffers = append(e.buffers, s.buf[:0])
		e.pooled += cap(s.buf)
	}
	s.buf, s.pend = nil, nil
}

// Released stream buffers and flows are kept for the next flows: up to
// maxPooled flows, and buffers of up to maxPooledBuffer bytes each and
// maxPooledBytes in all. A capture of short connections then allocates
// almost nothing per flow.
const (
	maxPooled       = 1024
	maxPooledBuffer = 64 << 10
	maxPooledBytes  = 8 << 20
	firstBuffer     = 4 << 10
)

func (e *engine) buffer() []byte {
	if n := len(e.buffers); n > 0 {
		b := e.buffers[n-1]
		e.buffers = e.buffers[:n-1]
		e.pooled -= cap(b)
		return b
	}
	return make([]byte, 0, firstBuffer)
}

// engine holds the flow table and the finished flows.
type engine struct {
	cfg       *config
	flows     map[flowKey]*flow
	done      flowList
	stats     evidence.FlowStats
	buffered  int64
	now       int64
	lastSweep int64
	mapper    *mapper
	memo      *memo
	buffers   [][]byte
	pooled    int // bytes of capacity in buffers
	free      []*flow
}

func newEngine(cfg *config) *engine {
	e := &engine{cfg: cfg, flows: make(map[flowKey]*flow, 1024), memo: newMemo()}
	if cfg.inv != nil {
		e.mapper = newMapper(cfg.inv)
	}
	return e
}

const sweepEvery = int64(10 * time.Second)

// handle takes one decoded packet at capture time ts (unix nanoseconds) with
// wire length n.
func (e *engine) handle(p *packet, ts int64, n int) {
	if ts > e.now {
		e.now = ts
	}
	if e.now-e.lastSweep > min(sweepEvery, int64(e.cfg.idleTimeout)) {
		e.sweep(false)
		e.lastSweep = e.now
	}
	key, _ := keyOf(p)
	f := e.flows[key]
	syn := p.proto == protoTCP && p.flags&tcpSYN != 0 && p.flags&tcpACK == 0
	if f != nil && syn && f.proto == protoTCP {
		fromClient := p.src == f.client.Addr() && p.sport == f.client.Port()
		if f.rst || f.fins != 0 || !fromClient || f.synSeen && f.clientISN != p.seq || !f.synSeen && f.payload {
			// A new SYN on a used 4-tuple starts a new connection.
			e.finish(key, f)
			f = nil
		}
	}
	if f == nil {
		if len(e.flows) >= e.cfg.maxFlows {
			e.evictOne()
		}
		f = e.newFlow(p, ts)
		e.flows[key] = f
	}
	f.last = ts
	f.packets++
	f.bytes += int64(n)
	if len(p.payload) > 0 {
		f.payload = true
	}
	dir := 0
	if p.src != f.client.Addr() || p.sport != f.client.Port() {
		dir = 1
	}
	switch p.proto {
	case protoTCP:
		e.tcp(f, p, dir)
	case protoUDP:
		e.udp(f, p, dir)
	case protoESP:
		f.spi = p.spi
	}
}

func (e *engine) newFlow(p *packet, ts int64) *flow {
	e.stats.Flows++
	var f *flow
	if n := len(e.free); n > 0 {
		f = e.free[n-1]
		e.free = e.free[:n-1]
		*f = flow{}
	} else {
		f = new(flow)
	}
	f.proto, f.first, f.collecting, f.cache = p.proto, ts, true, e.memo
	src := netip.AddrPortFrom(p.src, p.sport)
	dst := netip.AddrPortFrom(p.dst, p.dport)
	switch {
	case p.proto == protoTCP && p.flags&tcpSYN != 0 && p.flags&tcpACK == 0:
		f.client, f.server = src, dst
	case p.proto == protoTCP && p.flags&tcpSYN != 0:
		f.client, f.server = dst, src
	default:
		f.guessed = true
		if e.serverSide(src, dst) {
			f.client, f.server = dst, src
		} else {
			f.client, f.server = src, dst
		}
	}
	return f
}

// serverSide guesses, for a flow whose start was not seen, whether the
// packet's source is the server: an address the inventory knows as a
// Service or endpoint port wins, else the lower port (well-known ports beat
// ephemeral ones).
func (e *engine) serverSide(src, dst netip.AddrPort) bool {
	if e.mapper != nil {
		s, d := e.mapper.isServer(src), e.mapper.isServer(dst)
		if s != d {
			return s
		}
	}
	return src.Port() < dst.Port()
}

func (e *engine) tcp(f *flow, p *packet, dir int) {
	s := &f.dirs[dir]
	if p.flags&tcpSYN != 0 {
		if dir == 0 && p.flags&tcpACK == 0 {
			f.synSeen = true
			f.clientISN = p.seq
		}
		if !s.init || len(s.buf) == 0 {
			s.init = true
			s.next = p.seq + 1
		}
		p.seq++ // data on a SYN (TCP Fast Open) starts after it
	}
	if p.flags&tcpRST != 0 {
		f.rst = true
		f.closedAt = e.now
	}
	if p.flags&tcpFIN != 0 {
		f.fins |= 1 << dir
		if f.fins == 3 {
			f.closedAt = e.now
		}
	}
	if f.collecting && len(p.payload) > 0 {
		if s.add(p.seq, p.payload, e.cfg.streamBytes, e) {
			f.dirty = true
		}
		if p.cut {
			s.full = true
		}
		if f.dirty {
			e.analyze(f)
		}
	}
}

// UDP flows keep their first datagrams per direction, each behind a
// two-byte length: enough for a QUIC ClientHello split over Initials.
const (
	maxDatagrams     = 4
	maxDatagramBytes = 8 << 10
)

func (e *engine) udp(f *flow, p *packet, dir int) {
	s := &f.dirs[dir]
	if !f.collecting || len(p.payload) == 0 || s.full {
		return
	}
	n := min(len(p.payload), 1500*2)
	if len(s.buf)+2+n > maxDatagramBytes || e.buffered+int64(n) > e.cfg.totalBytes {
		s.full = true
		return
	}
	if s.buf == nil {
		s.buf = e.buffer()
	}
	s.buf = binary.BigEndian.AppendUint16(s.buf, uint16(n))
	s.buf = append(s.buf, p.payload[:n]...)
	e.buffered += int64(2 + n)
	if len(datagrams(s.buf)) >= maxDatagrams {
		s.full = true
	}
	f.dirty = true
	e.analyze(f)
}

// datagrams splits a UDP direction's buffer into its datagrams.
func datagrams(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 2 {
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			break
		}
		out = append(out, b[2:2+n])
		b = b[2+n:]
	}
	return out
}

// analyze re-reads what the flow holds; once nothing more can be learnt it
// stops collecting and frees the buffers.
func (e *engine) analyze(f *flow) {
	f.dirty = false
	f.res = classify(f, false)
	if f.res.swap && f.guessed {
		f.client, f.server = f.server, f.client
		f.dirs[0], f.dirs[1] = f.dirs[1], f.dirs[0]
		f.tp[0].Reset()
		f.tp[1].Reset()
		f.tpStart = [2]int{}
		f.guessed = false
		f.res = classify(f, false)
	}
	full := f.dirs[0].full && f.dirs[1].full
	if f.res.done || full {
		f.collecting = false
		f.release(e)
	}
}

// sweep finishes closed and idle flows; all finishes every flow. Idle
// flows count as evicted.
func (e *engine) sweep(all bool) {
	for k, f := range e.flows {
		closed := (f.rst || f.fins == 3) && e.now-f.closedAt > int64(e.cfg.closeLinger)
		idle := e.now-f.last > int64(e.cfg.idleTimeout)
		if all || closed || idle {
			if idle && !closed && !all {
				e.stats.Evicted++ // idle: finished without FIN or RST
			}
			e.finish(k, f)
		}
	}
}

// evictOne finishes the least recently active flow to make room.
func (e *engine) evictOne() {
	var oldK flowKey
	var old *flow
	n := 0
	for k, f := range e.flows {
		if old == nil || f.last < old.last {
			oldK, old = k, f
		}
		if n++; n >= 64 {
			break // sample: an exact LRU is not worth a full scan per packet
		}
	}
	if old != nil {
		e.stats.Evicted++
		e.finish(oldK, old)
	}
}

func (e *engine) finish(k flowKey, f *flow) {
	if f.dirty {
		e.analyze(f)
	}
	if f.collecting {
		f.res = classify(f, true)
	}
	f.release(e)
	delete(e.flows, k)
	e.done.add(e.report(f))
	if len(e.free) < maxPooled {
		e.free = append(e.free, f)
	}
}

// report turns a finished flow into its wire form.
func (e *engine) report(f *flow) evidence.Flow {
	out := evidence.Flow{
		Client:         f.client.String(),
		Server:         f.server.String(),
		Transport:      transportName(f.proto),
		FirstSeen:      time.Unix(0, f.first).UTC(),
		LastSeen:       time.Unix(0, f.last).UTC(),
		Packets:        f.packets,
		Bytes:          f.bytes,
		Encrypted:      f.res.encrypted,
		Classification: f.res.class,
		TLS:            f.res.tls,
		Mesh:           f.res.mesh,
	}
	if f.proto == protoESP {
		out.Client, out.Server = f.client.Addr().String(), f.server.Addr().String()
	}
	if f.res.plaintext != "" {
		out.Plaintext = &evidence.FlowPlaintext{Protocol: f.res.plaintext}
	}
	if e.mapper != nil {
		e.mapper.mapFlow(&out, f.client, f.server)
	}
	return out
}

func transportName(p uint8) string {
	switch p {
	case protoTCP:
		return "tcp"
	case protoUDP:
		return "udp"
	case protoESP:
		return "esp"
	}
	return "ip"
}

// flush finishes every flow and returns the report sorted by first packet.
func (e *engine) flush(r *evidence.FlowReport) {
	e.sweep(true)
	r.Flows = sortFlows(e.done.all())
	r.Stats = e.stats
}

// snapshot returns the finished flows plus the active ones as they stand,
// without finishing anything. With drain, the finished flows are handed
// over and forgotten, so a long-running capture holds only live flows.
func (e *engine) snapshot(r *evidence.FlowReport, drain bool) {
	flows := e.done.all()
	if drain {
		e.done = flowList{}
	}
	for _, f := range e.flows {
		flows = append(flows, e.report(f))
	}
	r.Flows = sortFlows(flows)
	r.Stats = e.stats
}

// flowList holds finished flows in chunks, so that keeping many costs no
// copying as it grows: they are copied once, by all.
type flowList struct {
	chunks [][]evidence.Flow
	n      int
}

const flowChunk = 1024

func (l *flowList) add(f evidence.Flow) {
	if len(l.chunks) == 0 || len(l.chunks[len(l.chunks)-1]) == flowChunk {
		l.chunks = append(l.chunks, make([]evidence.Flow, 0, flowChunk))
	}
	c := &l.chunks[len(l.chunks)-1]
	*c = append(*c, f)
	l.n++
}

// all returns the flows in one new slice, never nil.
func (l *flowList) all() []evidence.Flow {
	out := make([]evidence.Flow, 0, l.n)
	for _, c := range l.chunks {
		out = append(out, c...)
	}
	return out
}

// sortFlows orders flows by first packet, then client and server, and
// returns them. The flows are large: their order is sorted as small keys,
// then each flow moves once.
func sortFlows(fs []evidence.Flow) []evidence.Flow {
	type key struct {
		first int64
		i     int32
	}
	keys := make([]key, len(fs))
	sorted := true
	for i := range fs {
		keys[i] = key{fs[i].FirstSeen.UnixNano(), int32(i)}
		if i > 0 && keys[i].first <= keys[i-1].first {
			sorted = false // equal times need the addresses compared
		}
	}
	if sorted {
		return fs
	}
	slices.SortStableFunc(keys, func(a, b key) int {
		if a.first != b.first {
			return cmp.Compare(a.first, b.first)
		}
		x, y := &fs[a.i], &fs[b.i]
		if c := strings.Compare(x.Client, y.Client); c != 0 {
			return c
		}
		return strings.Compare(x.Server, y.Server)
	})
	out := make([]evidence.Flow, len(fs))
	for i, k := range keys {
		out[i] = fs[k.i]
	}
	return out
}
