package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/internal/golden"
)

func runGen(args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	err := Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, append([]string{"gen"}, args...))
	return out.String(), errb.String(), err
}

// TestGenGolden holds the manifests of an in-cluster run of the demo dump:
// what scan --in-cluster applies, object for object (the e2e test applies
// this same rendering to a real cluster).
func TestGenGolden(t *testing.T) {
	for name, args := range map[string][]string{
		"gen-demo.yaml":         {"--from", "../../testdata/demo", "--run-id", "golden1", "--image", "docker.io/local/sc8scan:test"},
		"gen-demo-sensor.yaml":  {"--from", "../../testdata/demo", "--run-id", "golden1", "--image", "docker.io/local/sc8scan:test", "--capture-for", "60s", "--targets-per-job", "5"},
		"gen-demo-sidecar.yaml": {"--from", "../../testdata/demo", "--run-id", "golden1", "--image", "docker.io/local/sc8scan:test", "--mesh-vantage", "sidecar"},
	} {
		out, errs, err := runGen(args...)
		if err != nil {
			t.Fatalf("gen %q: %v (%s)", args, err, errs)
		}
		golden.Assert(t, name, []byte(out))
	}
}

func TestGenUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "give --from DIR or --kubeconfig FILE"},
		{[]string{"--from", "a", "--kubeconfig", "b"}, "give --from DIR or --kubeconfig FILE"},
		{[]string{"--from", "../../testdata/demo", "--image-pull-policy", "Sometimes"}, "--image-pull-policy"},
		{[]string{"--from", "../../testdata/demo", "--mesh-vantage", "linkerd"}, "mesh vantage"},
		{[]string{"--from", "../../testdata/demo", "--capture-for", "20m"}, "does not fit in the run's deadline"},
	} {
		_, _, err := runGen(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("gen %q: %v, want an error saying %q", c.args, err, c.want)
		}
	}
}

func TestScanInClusterUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "../../testdata/demo", "--in-cluster"}, "--in-cluster needs --kubeconfig"},
		{[]string{"--from", "../../testdata/demo", "--capture-for", "60s"}, "--capture-for need --in-cluster"},
		{[]string{"--kubeconfig", "x", "--in-cluster", "--no-probe"}, "drop --no-probe"},
		{[]string{"--kubeconfig", "x", "--in-cluster", "--target", "a/b:1=127.0.0.1:1"}, "drop --target"},
	} {
		var out, errb bytes.Buffer
		err := Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, append([]string{"scan"}, c.args...))
		if err == nil || !strings.Contains(err.Error(), c.want) || ExitCode(err, &bytes.Buffer{}) != ExitError {
			t.Errorf("scan %q: %v, want exit 1 saying %q", c.args, err, c.want)
		}
	}
}
