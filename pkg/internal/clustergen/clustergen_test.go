package clustergen_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/discover"
	"github.com/sc8scan/sc8scan/pkg/internal/clustergen"
)

// TestGeneratedClusterDiscovers writes a small cluster, reads it back with
// discover as a scan would, and checks that the sizes asked for are the
// sizes found, with every mesh mode present.
func TestGeneratedClusterDiscovers(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	c, err := clustergen.Write(&buf, clustergen.Spec{Workloads: 90, Namespaces: 9, ServicePorts: 150})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := discover.FromDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Workloads != 90 || c.ServicePorts != 150 || c.Namespaces != 10 {
		t.Errorf("counts = %+v, want 90 workloads, 150 service ports, 10 namespaces", c)
	}
	if len(inv.Workloads) != c.Workloads || len(inv.Pods) != c.Pods || len(inv.Services) != c.Services || len(inv.Namespaces) != c.Namespaces {
		t.Errorf("discovered %d workloads, %d pods, %d services, %d namespaces; wrote %+v",
			len(inv.Workloads), len(inv.Pods), len(inv.Services), len(inv.Namespaces), c)
	}
	ports := 0
	for _, s := range inv.Services {
		ports += len(s.Ports)
	}
	if ports != c.ServicePorts {
		t.Errorf("discovered %d service ports, wrote %d", ports, c.ServicePorts)
	}
	kinds := map[string]int{}
	for _, w := range inv.Workloads {
		kinds[w.Mesh.Kind]++
	}
	for _, k := range []string{"sidecar", "ambient", "none"} {
		if kinds[k] == 0 {
			t.Errorf("no %s workload in %v", k, kinds)
		}
	}
	var again bytes.Buffer
	if _, err := clustergen.Write(&again, clustergen.Spec{Workloads: 90, Namespaces: 9, ServicePorts: 150}); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Errorf("the same spec wrote a different cluster (err %v)", err)
	}
}
