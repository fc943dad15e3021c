package policy_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/discover"
	"github.com/sc8scan/sc8scan/pkg/internal/clustergen"
	"github.com/sc8scan/sc8scan/pkg/policy/policytest"
)

// TestClassesAgreeWithEveryPath is the grouping's proof on the demo
// cluster and a generated mixed cluster: for every path, the prediction
// the per-path engine makes equals that of the class the source was put
// in. A class that merged two clients the policy tells apart fails here.
func TestClassesAgreeWithEveryPath(t *testing.T) {
	gen := t.TempDir()
	f, err := os.Create(filepath.Join(gen, "cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clustergen.Write(f, clustergen.Spec{Workloads: 60, Namespaces: 8, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, dir := range []string{filepath.Join("..", "..", "testdata", "demo"), filepath.Join("..", "..", "testdata", "policy"), gen} {
		inv, err := discover.FromDir(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		paths, classes, problems := policytest.AgreeWithEveryPath(inv)
		for _, p := range problems {
			t.Errorf("%s: %s", dir, p)
		}
		if paths == 0 || classes >= paths {
			t.Errorf("%s: %d paths in %d classes, want fewer classes than paths", dir, paths, classes)
		}
		t.Logf("%s: %d paths in %d classes", dir, paths, classes)
	}
}
