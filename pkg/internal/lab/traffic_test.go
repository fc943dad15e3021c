package lab_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/capture"
	"github.com/sc8scan/sc8scan/pkg/discover"
	"github.com/sc8scan/sc8scan/pkg/internal/lab"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// TestRecordDemoCapture records the demo's traffic for real (a network
// namespace with the pod IPs on its loopback, tcpdump) and checks that every
// conversation became a flow mapped onto its demo path.
func TestRecordDemoCapture(t *testing.T) {
	if testing.Short() {
		t.Skip("records traffic")
	}
	testenv.Root(t)
	testenv.LookPath(t, "ip", "tcpdump")
	dir := t.TempDir()
	bin := filepath.Join(dir, "sc8lab")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/sc8lab").CombinedOutput(); err != nil {
		t.Fatalf("building sc8lab: %v\n%s", err, out)
	}
	pcap := filepath.Join(dir, "demo.pcap")
	var err error
	for try := 0; try < 3; try++ { // a loaded machine may make tcpdump drop packets
		if err = lab.RecordDemoCapture(context.Background(), bin, pcap); err == nil || !strings.Contains(err.Error(), "lost packets") {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	inv, err := discover.FromDir(context.Background(), "../../../testdata/demo", discover.WithCluster("demo-east"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := capture.ReadFile(context.Background(), pcap, capture.WithInventory(inv))
	if err != nil {
		t.Fatal(err)
	}
	want := len(lab.DemoConversations())
	if len(rep.Flows) != want {
		t.Fatalf("%d flows, want one per conversation (%d)", len(rep.Flows), want)
	}
	plain := 0
	for _, f := range rep.Flows {
		if f.PathID == "" {
			t.Errorf("flow %s -> %s not mapped to a demo path", f.Client, f.Server)
		}
		if f.Plaintext != nil {
			plain++
		} else if !f.Encrypted {
			t.Errorf("flow %s -> %s neither plaintext nor encrypted: %s (%d packets, %d bytes)", f.Client, f.Server, f.Classification, f.Packets, f.Bytes)
		}
	}
	if plain != 2 {
		t.Errorf("%d cleartext flows, want 2 (redis, node-exporter)", plain)
	}
}
