package discover_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/cli"
	"github.com/sc8scan/sc8scan/pkg/internal/kubetest"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// scanMatrix runs `sc8scan scan args... --output json` and decodes the
// matrix; a FAIL or coverage exit code is a result, not an error.
func scanMatrix(t *testing.T, args ...string) *matrix.Matrix {
	t.Helper()
	var out, errb bytes.Buffer
	err := cli.Run(context.Background(), cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errb},
		append([]string{"scan", "--no-probe", "--output", "json", "--quiet"}, args...))
	var ee *cli.ExitErr
	if err != nil && !(errors.As(err, &ee) && (ee.Code == cli.ExitFail || ee.Code == cli.ExitCoverage)) {
		t.Fatalf("sc8scan scan %v: %v\n%s", args, err, errb.String())
	}
	var m matrix.Matrix
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("decoding the matrix of scan %v: %v", args, err)
	}
	return &m
}

// testCLI scans the demo cluster through a kubeconfig and through its
// manifests: the same rows with the same verdicts, and the live cluster's
// only extra rows lead to the API server's own Service.
func testCLI(t *testing.T, s *kubetest.Server) {
	kc := s.WriteKubeconfig(t, kubetest.Admin, "demo-east")
	live := scanMatrix(t, "--kubeconfig", kc)
	manifest := scanMatrix(t, "--from", demoDir, "--cluster", "demo-east")
	if len(manifest.Rows) == 0 {
		t.Fatal("the manifest scan has no rows")
	}
	status := func(m *matrix.Matrix, apiserver bool) map[string]string {
		out := map[string]string{}
		for _, r := range m.Rows {
			if (r.Destination.Namespace == "default" && r.Destination.Service == "kubernetes") == apiserver {
				out[r.ID] = string(r.Status)
				for _, c := range r.Classes {
					out[r.ID+"/"+c.ID] = fmt.Sprintf("%s (%d members)", c.Status, c.Members)
				}
			}
		}
		return out
	}
	got, want := status(live, false), status(manifest, false)
	if len(got) != len(want) {
		t.Errorf("live scan has %d rows and classes besides the API server's Service, manifest scan %d", len(got), len(want))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("row verdicts (-manifests +cluster):\n%s", d)
	}
	apiRows := 0
	for _, r := range live.Rows {
		if r.Destination.Namespace == "default" && r.Destination.Service == "kubernetes" {
			apiRows++
		}
	}
	if apiRows == 0 || apiRows+len(manifest.Rows) != len(live.Rows) {
		t.Errorf("live scan: %d rows to default/kubernetes, %d in all, manifest %d", apiRows, len(live.Rows), len(manifest.Rows))
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "give --from DIR"},
		{[]string{"--from", demoDir, "--kubeconfig", kc}, "not both"},
		{[]string{"--from", demoDir, "--context", "x"}, "--context needs --kubeconfig"},
		{[]string{"--kubeconfig", kc, "--context", "nope"}, `no context "nope"`},
	} {
		var out, errb bytes.Buffer
		err := cli.Run(context.Background(), cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, append([]string{"scan", "--quiet"}, tc.args...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("scan %v: error %v, want it to say %q", tc.args, err, tc.want)
		}
	}
}
