package deploy_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/sc8scan/sc8scan/deploy"
	"github.com/sc8scan/sc8scan/pkg/discover"
	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// TestManifests decodes the base with the Kubernetes scheme and checks what
// DESIGN promises: probes outside the mesh with no token, the sensor with
// hostNetwork, and RBAC that never reads Secrets.
func TestManifests(t *testing.T) {
	dir := t.TempDir()
	err := fs.WalkDir(deploy.Base, "base", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) == "kustomization.yaml" {
			return err
		}
		b, err := deploy.Base.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := discover.FromDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range inv.Problems {
		t.Errorf("problem: %+v", p)
	}
	probe := inv.Workload(inventory.WorkloadRef{Namespace: "sc8scan", Kind: "Job", Name: "sc8probe"})
	if probe == nil || probe.Mesh.Kind != inventory.MeshNone {
		t.Errorf("probe Job must run outside the mesh: %+v", probe)
	}
	sensor := inv.Workload(inventory.WorkloadRef{Namespace: "sc8scan", Kind: "DaemonSet", Name: "sc8sensor"})
	if sensor == nil || sensor.Mesh.Kind != inventory.MeshNone {
		t.Errorf("sensor must run outside the mesh: %+v", sensor)
	}
	ns := inv.Namespace("sc8scan")
	if ns == nil || ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace must enforce restricted Pod Security: %+v", ns)
	}
	for _, o := range inv.ObjectsOfKind("ClusterRole") {
		if containsSecrets(o.Raw) {
			t.Errorf("%s grants access to secrets", o.Name)
		}
	}
}

func containsSecrets(raw []byte) bool {
	for i := 0; i+7 <= len(raw); i++ {
		if string(raw[i:i+7]) == "secrets" {
			return true
		}
	}
	return false
}
