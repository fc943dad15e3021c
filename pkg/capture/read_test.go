package capture

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
)

func TestReadFileBadInput(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(pcapDir, "tls12.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	corrupt := append([]byte(nil), good...)
	// The caplen of the third record (after the 24-byte header and two
	// records) becomes absurd: the file cannot be framed past it.
	off := 24
	for i := 0; i < 2; i++ {
		off += 16 + int(uint32(corrupt[off+8])|uint32(corrupt[off+9])<<8|uint32(corrupt[off+10])<<16|uint32(corrupt[off+11])<<24)
	}
	copy(corrupt[off+8:off+12], []byte{0xff, 0xff, 0xff, 0x7f})
	// Garbage in the IP header of the first packet: counted, skipped.
	badIP := append([]byte(nil), good...)
	badIP[24+16+14] = 0x99

	// A link type nothing here decodes (IEEE 802.11): reported, not guessed.
	wifi := append([]byte(nil), good...)
	copy(wifi[20:24], []byte{105, 0, 0, 0})

	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name      string
		path      string
		wantErr   bool
		wantFlows int
		wantStats evidence.FlowStats
		wantProbs int
	}{
		{name: "missing file", path: filepath.Join(dir, "nope.pcap"), wantErr: true},
		{name: "empty file", path: write("empty.pcap", nil), wantErr: true},
		{name: "not a capture", path: write("text.pcap", []byte("hello, this is not a capture file at all")), wantErr: true},
		{name: "header only", path: write("header.pcap", good[:24]), wantStats: evidence.FlowStats{}},
		{name: "corrupt record header", path: write("corrupt.pcap", corrupt), wantFlows: 1,
			wantStats: evidence.FlowStats{Packets: 2, Flows: 1, Malformed: 1}, wantProbs: 1},
		{name: "corrupt IP header", path: write("badip.pcap", badIP), wantFlows: 5,
			wantStats: evidence.FlowStats{Packets: 85, Flows: 5, Malformed: 1}},
		{name: "unsupported link type", path: write("wifi.pcap", wifi),
			wantStats: evidence.FlowStats{Packets: 85, Malformed: 85}, wantProbs: 1},
		{name: "cut mid-record", path: write("cut.pcap", good[:len(good)-10]), wantFlows: 5,
			wantStats: evidence.FlowStats{Packets: 84, Flows: 5, Truncated: 1}, wantProbs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ReadFile(context.Background(), tt.path)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %t", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(r.Flows) != tt.wantFlows {
				t.Errorf("flows = %d, want %d", len(r.Flows), tt.wantFlows)
			}
			if diff := cmp.Diff(tt.wantStats, r.Stats); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
			if len(r.Errors) != tt.wantProbs {
				t.Errorf("errors = %q, want %d", r.Errors, tt.wantProbs)
			}
			for _, f := range r.Flows {
				if f.Encrypted && f.TLS == nil && f.Classification != ClassQUIC && f.Classification != ClassWireGuard && f.Classification != ClassIPsec {
					t.Errorf("%s>%s encrypted without evidence", f.Client, f.Server)
				}
			}
		})
	}
}

// TestBoundedMemory: caps on flows and bytes are honoured and counted, and
// a flow cut short by them is never called plaintext or encrypted without
// evidence.
func TestBoundedMemory(t *testing.T) {
	ctx := context.Background()
	r, err := ReadFile(ctx, filepath.Join(pcapDir, "tls12.pcap"), WithMaxFlows(1))
	if err != nil {
		t.Fatal(err)
	}
	if r.Stats.Evicted == 0 {
		t.Errorf("no eviction counted with one flow slot and five overlapping flows")
	}
	// The flows of this capture are a few milliseconds long: a 1ms idle
	// timeout finishes some of them early, counted as evicted, and each is
	// still reported once.
	r, err = ReadFile(ctx, filepath.Join(pcapDir, "reuse.pcap"), WithIdleTimeout(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if r.Stats.Evicted == 0 {
		t.Errorf("idle flows not counted as evicted: %+v", r.Stats)
	}
	r, err = ReadFile(ctx, filepath.Join(pcapDir, "tls12.pcap"), WithStreamBytes(40))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Flows {
		if f.Plaintext != nil || f.Encrypted {
			t.Errorf("%s>%s with 40-byte streams: %s encrypted=%t", f.Client, f.Server, f.Classification, f.Encrypted)
		}
	}
	r, err = ReadFile(ctx, filepath.Join(pcapDir, "tls12.pcap"), WithTotalBytes(600))
	if err != nil {
		t.Fatal(err)
	}
	if r.Stats.Dropped == 0 {
		t.Errorf("payload beyond the total buffer cap was not counted as dropped")
	}
}

// TestInventoryMapping maps the VXLAN capture's inner flows onto a small
// inventory: the client pod's workload, the server pod behind a Service,
// and the path between them; and the same Service seen by its ClusterIP.
func TestInventoryMapping(t *testing.T) {
	web := inventory.WorkloadRef{Namespace: "shop", Kind: "Deployment", Name: "web"}
	api := inventory.WorkloadRef{Namespace: "shop", Kind: "Deployment", Name: "api"}
	svc := inventory.Service{
		ServiceRef: inventory.ServiceRef{Namespace: "shop", Name: "api"},
		Type:       "ClusterIP", ClusterIP: "198.19.0.2",
		Ports:    []inventory.ServicePort{{Name: "https", Port: 443, TargetPort: 9443, Protocol: "TCP"}},
		Backends: []inventory.WorkloadRef{api},
	}
	inv := &inventory.Inventory{
		Cluster:   "test",
		Workloads: []inventory.Workload{{WorkloadRef: web}, {WorkloadRef: api}},
		Pods: []inventory.Pod{
			{Namespace: "shop", Name: "web-1", IP: "198.19.0.1", Owner: web},
			{Namespace: "shop", Name: "api-1", IP: "198.19.0.2", Owner: api},
		},
		Services: []inventory.Service{svc},
	}
	path := inventory.NewPath(inv.Cluster, web, svc.ServiceRef, svc.Ports[0])
	// The pod IP doubles as ClusterIP here only to give the pod-IP branch
	// (port 9443, the target port) and the ClusterIP branch (port 443) one
	// capture; drop the ClusterIP to test the pod-IP branch alone.
	inv.Services[0].ClusterIP = ""
	r, err := ReadFile(context.Background(), filepath.Join(pcapDir, "vxlan.pcap"), WithInventory(inv))
	if err != nil {
		t.Fatal(err)
	}
	type mapped struct {
		Server      string
		Source      *evidence.FlowEndpoint
		Destination *evidence.FlowEndpoint
		PathID      string
	}
	var got []mapped
	for _, f := range r.Flows {
		got = append(got, mapped{f.Server, f.Source, f.Destination, f.PathID})
	}
	src := &evidence.FlowEndpoint{Namespace: "shop", Pod: "web-1", Workload: "Deployment/web"}
	want := []mapped{
		{"198.19.0.2:9443", src, &evidence.FlowEndpoint{Namespace: "shop", Pod: "api-1", Workload: "Deployment/api", Service: "api", Port: 443}, path.ID},
		{"198.19.0.2:8080", src, &evidence.FlowEndpoint{Namespace: "shop", Pod: "api-1", Workload: "Deployment/api"}, ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mapping (-want +got):\n%s", diff)
	}

	// A sensor's report, classified without the inventory, maps the same
	// afterwards.
	bare, err := ReadFile(context.Background(), filepath.Join(pcapDir, "vxlan.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	MapFlows(bare, inv)
	if diff := cmp.Diff(r.Flows, bare.Flows); diff != "" {
		t.Errorf("MapFlows (-with inventory +mapped after):\n%s", diff)
	}

	// A ClusterIP on the service port maps to the same Service and path.
	m := newMapper(&inventory.Inventory{
		Cluster:   "test",
		Pods:      inv.Pods,
		Services:  []inventory.Service{{ServiceRef: svc.ServiceRef, ClusterIP: "198.18.10.1", Ports: svc.Ports, Backends: svc.Backends}},
		Workloads: inv.Workloads,
	})
	var f evidence.Flow
	m.mapFlow(&f, mustAddrPort("198.19.0.1:40000"), mustAddrPort("198.18.10.1:443"))
	if f.PathID != path.ID || f.Destination == nil || f.Destination.Service != "api" {
		t.Errorf("ClusterIP flow: path %q destination %+v, want path %q to service api", f.PathID, f.Destination, path.ID)
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"tls12.pcap", "smallmtu-any.pcap", "vxlan.pcap"} {
		b, err := os.ReadFile(filepath.Join(pcapDir, name))
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 2048 {
			b = b[:2048]
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Read(context.Background(), bytes.NewReader(b), WithMaxFlows(64))
		if err != nil {
			return
		}
		for _, fl := range r.Flows {
			if fl.Encrypted && fl.Classification == ClassUnknown {
				t.Fatalf("unknown flow marked encrypted")
			}
		}
	})
}

func mustAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// TestBufferAccounting replays captures through the engine and checks that
// every buffered byte is released once the flows are finished.
func TestBufferAccounting(t *testing.T) {
	for _, name := range []string{"tls12.pcap", "smallmtu-any.pcap", "proxy-grpc-smtp.pcap", "redis-dns.pcap", "vxlan.pcap"} {
		f, err := os.Open(filepath.Join(pcapDir, name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		e := newEngine(newConfig(nil))
		peak := int64(0)
		for {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				break
			}
			var p packet
			if decodeLink(int(r.LinkType()), data, &p, 0) == decodedOK {
				e.handle(&p, ci.Timestamp.UnixNano(), ci.Length)
			}
			peak = max(peak, e.buffered)
		}
		f.Close()
		var rep evidence.FlowReport
		e.flush(&rep)
		if e.buffered != 0 || len(e.flows) != 0 {
			t.Errorf("%s: %d bytes still buffered, %d flows in the table after flush", name, e.buffered, len(e.flows))
		}
		if peak > 256<<10 {
			t.Errorf("%s: peak buffered %d bytes", name, peak)
		}
	}
}

// TestRolesFromInventory: for a flow whose SYN was not captured, a port the
// inventory knows as a Service endpoint decides which side is the server,
// even when it is the higher port.
func TestRolesFromInventory(t *testing.T) {
	svc := inventory.Service{
		ServiceRef: inventory.ServiceRef{Namespace: "a", Name: "grpc"},
		Ports:      []inventory.ServicePort{{Port: 50051, TargetPort: 50051, Protocol: "TCP"}},
		Endpoints:  []inventory.Endpoint{{IP: "198.18.0.2", Port: 50051}},
	}
	e := newEngine(newConfig([]Option{WithInventory(&inventory.Inventory{Services: []inventory.Service{svc}})}))
	// A data segment from the server (198.18.0.2:50051) to a client on a
	// lower port, mid-stream.
	p := packet{src: netip.MustParseAddr("198.18.0.2"), dst: netip.MustParseAddr("198.18.0.1"), sport: 50051, dport: 40000,
		proto: protoTCP, flags: tcpACK, seq: 1000, payload: []byte{23, 3, 3, 0, 2, 1, 2}}
	e.handle(&p, 1, 60)
	var r evidence.FlowReport
	e.flush(&r)
	if len(r.Flows) != 1 || r.Flows[0].Server != "198.18.0.2:50051" {
		t.Errorf("flows = %+v, want the server at 198.18.0.2:50051", r.Flows)
	}
	// Without an inventory the lower port is the server.
	e = newEngine(newConfig(nil))
	e.handle(&p, 1, 60)
	e.flush(&r)
	if len(r.Flows) != 1 || r.Flows[0].Server != "198.18.0.1:40000" {
		t.Errorf("flows = %+v, want the lower port as server", r.Flows)
	}
}
