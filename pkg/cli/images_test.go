package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
	"github.com/sc8scan/sc8scan/pkg/internal/schematest"
)

func runImagesCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errw bytes.Buffer
	err := Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, Err: &errw}, append([]string{"images"}, args...))
	return out.String(), err
}

// testImages writes two real images: the running test binary (a real Go
// binary built without GOFIPS140) in a docker archive, and nothing but an
// os-release in an OCI layout.
func testImages(t *testing.T) (string, string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	l, err := imagebuild.Layer(imagebuild.File{Path: "usr/bin/app", Source: self}, imagebuild.File{Path: "etc/os-release", Data: []byte("ID=debian\nVERSION_ID=\"12\"\n")})
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagebuild.Image("linux/amd64", nil, l)
	if err != nil {
		t.Fatal(err)
	}
	goRef, err := imagebuild.WriteDockerArchive(filepath.Join(dir, "app.tar"), "sc8scan.dev/test/app:1", img)
	if err != nil {
		t.Fatal(err)
	}
	l2, _ := imagebuild.Layer(imagebuild.File{Path: "etc/os-release", Data: []byte("ID=debian\nVERSION_ID=\"12\"\n")})
	img2, _ := imagebuild.Image("linux/amd64", nil, l2)
	emptyRef, err := imagebuild.WriteLayout(filepath.Join(dir, "empty"), img2)
	if err != nil {
		t.Fatal(err)
	}
	return goRef, emptyRef
}

func TestImagesOutputs(t *testing.T) {
	goRef, emptyRef := testImages(t)
	out, err := runImagesCmd(t, "--output", "json", "--platform", "linux/amd64", "--date", "2026-11-27", goRef, emptyRef)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, evidence.ImageReportSchema, []byte(out))
	var rep evidence.ImageReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	type row struct{ Ref, Verdict, Distro, Backend string }
	var got []row
	for _, im := range rep.Images {
		r := row{Ref: im.Ref, Verdict: im.Verdict, Distro: im.Distro}
		if len(im.Binaries) > 0 {
			r.Backend = im.Binaries[0].Backend
		}
		got = append(got, r)
	}
	want := []row{{goRef, "not-validated", "debian12", "go-std"}, {emptyRef, "no-crypto", "debian12", ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if rep.Kind != evidence.KindImageReport || rep.APIVersion != evidence.APIVersion {
		t.Errorf("header %+v", rep.Header)
	}

	out, err = runImagesCmd(t, "--output", "inventory-csv", "--date", "2026-11-27", goRef, emptyRef)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v", err)
	}
	if len(rows) != 3 || rows[0][0] != "Unique Asset Identifier" || !strings.Contains(rows[1][0], "@sha256:") ||
		rows[1][5] != "Go standard library crypto" || rows[1][9] != "not-validated" || rows[2][9] != "no-crypto" {
		t.Errorf("inventory CSV:\n%s", out)
	}

	out, err = runImagesCmd(t, goRef)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "BINARY VERDICT") || !strings.Contains(out, "/usr/bin/app") || !strings.Contains(out, "go-std") {
		t.Errorf("table:\n%s", out)
	}
}

func TestImagesErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "IMAGE arguments or --from"},
		{[]string{"--output", "xml", "x"}, "--output"},
		{[]string{"--date", "yesterday", "x"}, "--date"},
		{[]string{"--platform", "amd64", "x"}, "platform"},
		{[]string{filepath.Join(t.TempDir(), "missing.tar")}, "no image could be read"},
		{[]string{"--from", t.TempDir()}, "reading manifests"},
		{[]string{"--verify-provider", "--verify-provider-bin", filepath.Join(t.TempDir(), "none"), "x"}, "sc8fips-verify"},
	}
	for _, tt := range tests {
		_, err := runImagesCmd(t, tt.args...)
		var ee *ExitErr
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.want)
		} else if !asExit(err, &ee) || ee.Code != ExitError {
			t.Errorf("%v: exit code not 1: %v", tt.args, err)
		}
	}
}

func asExit(err error, ee **ExitErr) bool {
	e, ok := err.(*ExitErr)
	*ee = e
	return ok
}

// TestImagesFrom reads a manifest dump whose containers reference the
// images, one with a pod GODEBUG: each distinct environment is judged.
func TestImagesFrom(t *testing.T) {
	goRef, emptyRef := testImages(t)
	dir := t.TempDir()
	manifest := `apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: shop}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: app
        image: ` + goRef + `
        env:
        - {name: GODEBUG, value: fips140=off}
      - name: side
        image: ` + emptyRef + `
`
	if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runImagesCmd(t, "--from", dir, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep evidence.ImageReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, im := range rep.Images {
		got = append(got, im.Ref+" "+strings.Join(im.Env, ",")+" "+im.Verdict)
	}
	want := []string{goRef + " GODEBUG=fips140=off not-validated", emptyRef + "  no-crypto"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
