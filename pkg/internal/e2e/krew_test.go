package e2e

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
	"sigs.k8s.io/yaml"
)

// TestKrewPlugin builds the krew release of one platform twice with
// hack/krew.sh, checks the manifest names the archive with its SHA-256 and
// the same bytes both times, and runs the plugin as kubectl does.
func TestKrewPlugin(t *testing.T) {
	if testing.Short() && !testenv.CI() {
		t.Skip("skipping: builds release archives")
	}
	testenv.LookPath(t, "go", "tar", "gzip", "sha256sum")
	root := repoRoot(t)
	var sums []string
	var out string
	for i := range 2 {
		out = filepath.Join(t.TempDir(), "krew")
		cmd := exec.Command(filepath.Join(root, "hack/krew.sh"))
		cmd.Env = append(os.Environ(), "PLATFORMS=linux/amd64", "VERSION=v1.2.3", "OUT="+out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hack/krew.sh (build %d): %v\n%s", i, err, b)
		}
		var m struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Spec       struct {
				Version   string `json:"version"`
				Platforms []struct {
					Selector struct {
						MatchLabels map[string]string `json:"matchLabels"`
					} `json:"selector"`
					URI, SHA256, Bin string
				} `json:"platforms"`
			} `json:"spec"`
		}
		b, err := os.ReadFile(filepath.Join(out, "sc8scan.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || m.Kind != "Plugin" || m.Spec.Version != "v1.2.3" || len(m.Spec.Platforms) != 1 {
			t.Fatalf("manifest %+v", m)
		}
		p := m.Spec.Platforms[0]
		name := "sc8scan_v1.2.3_linux_amd64.tar.gz"
		if p.Selector.MatchLabels["os"] != "linux" || p.Selector.MatchLabels["arch"] != "amd64" || p.Bin != "kubectl-sc8scan" || !strings.HasSuffix(p.URI, "/v1.2.3/"+name) {
			t.Errorf("platform %+v", p)
		}
		arch, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(arch)
		if got := hex.EncodeToString(sum[:]); got != p.SHA256 {
			t.Errorf("archive SHA-256 %s, manifest says %s", got, p.SHA256)
		}
		sums = append(sums, p.SHA256)
	}
	if sums[0] != sums[1] {
		t.Errorf("two builds gave two archives: %s and %s", sums[0], sums[1])
	}
	// Unpack the plugin and run it through kubectl's plugin lookup.
	bin := t.TempDir()
	f, err := os.Open(filepath.Join(out, "sc8scan_v1.2.3_linux_amd64.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.ModTime.Unix() != 0 {
			t.Errorf("%s: uid %d, mtime %s (want 0 and the epoch)", h.Name, h.Uid, h.ModTime)
		}
		w, err := os.OpenFile(filepath.Join(bin, filepath.Base(h.Name)), os.O_CREATE|os.O_WRONLY, os.FileMode(h.Mode))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, tr); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
	kubectl := testenv.LookPath(t, "kubectl")[0]
	cmd := exec.Command(kubectl, "sc8scan", "version")
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "sc8scan") || !strings.Contains(string(b), "fips140") {
		t.Errorf("kubectl sc8scan version: %v\n%s", err, b)
	}
}
