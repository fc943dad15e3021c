package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/fips"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// judgeDay is the day certificate statuses are judged on: the date of the
// CMVP catalog's version, so the verdicts do not depend on the wall clock.
var judgeDay = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func build(t *testing.T, o Options) *Result {
	t.Helper()
	testenv.LookPath(t, "go")
	o.Root = "../.."
	start := time.Now()
	res, err := Build(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s (%d bytes) in %s", res.Digest, res.Size, time.Since(start).Round(time.Millisecond))
	return res
}

// TestBuild builds the image and checks what the FIPS inspector says of
// it, its config, its only layer and its docker archive; that a second
// build, binaries relinked, gives the same digest; and that Created dates
// the image and its files.
func TestBuild(t *testing.T) {
	bins := t.TempDir()
	res := build(t, Options{Out: t.TempDir(), CacheDir: bins})
	img := layoutImage(t, res)

	t.Run("fips", func(t *testing.T) { checkFIPS(t, res) })
	t.Run("config", func(t *testing.T) { checkConfig(t, res, img) })
	t.Run("layer", func(t *testing.T) { checkLayer(t, img, time.Unix(0, 0)) })
	t.Run("docker archive", func(t *testing.T) { checkArchive(t, res, img) })
	t.Run("reproducible", func(t *testing.T) {
		again := build(t, Options{Out: t.TempDir()})
		if diff := cmp.Diff(summary(t, res), summary(t, again)); diff != "" {
			t.Errorf("a second build differs (-first +second):\n%s", diff)
		}
	})
	t.Run("created", func(t *testing.T) { checkCreated(t, bins) })
}

// checkCreated builds with Created and Version set: they date the image
// and every entry of its layer, label the image and name its tag.
func checkCreated(t *testing.T, bins string) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	res := build(t, Options{Out: t.TempDir(), CacheDir: bins, Created: created, Version: "v9.8.7"})
	img := layoutImage(t, res)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !cf.Created.Equal(created) || len(cf.History) != 1 || !cf.History[0].Created.Equal(created) {
		t.Errorf("config created %s, history %+v; want %s", cf.Created, cf.History, created)
	}
	if got, want := cf.Config.Labels["org.opencontainers.image.version"], "v9.8.7"; got != want {
		t.Errorf("version label %q, want %q", got, want)
	}
	if got, want := res.Tag, "ghcr.io/sc8scan/sc8scan:v9.8.7"; got != want {
		t.Errorf("tag %q, want %q", got, want)
	}
	checkLayer(t, img, created)
}

// TestBuildBadTag fails before building anything.
func TestBuildBadTag(t *testing.T) {
	_, err := Build(context.Background(), Options{Root: "../..", Out: t.TempDir(), Tag: "Not A Tag", GOARCH: "amd64", CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "parsing tag") {
		t.Fatalf("Build with a bad tag: %v, want a tag error", err)
	}
}

func layoutImage(t *testing.T, res *Result) v1.Image {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(res.Layout)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Digest.String() != res.Digest {
		t.Fatalf("layout index lists %+v, want the one image %s", im.Manifests, res.Digest)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// checkFIPS runs the inspector `sc8scan images` runs on both outputs: the
// image and each binary must be what the CMVP catalog says of the Go
// Cryptographic Module v1.0.0 on judgeDay (today's catalog: certificate
// #5247, FIPS 140-3, active, so "validated").
func checkFIPS(t *testing.T, res *Result) {
	cat, err := cryptoref.CMVP()
	if err != nil {
		t.Fatal(err)
	}
	rows := cat.Lookup(cryptoref.KindGoFIPS140, "v1.0.0", "", judgeDay)
	if len(rows) == 0 {
		t.Fatalf("the CMVP catalog %s has no row for the Go Cryptographic Module v1.0.0", cat.Version)
	}
	row := rows[0]
	want := judged{Backend: fips.BackendGoFIPS140, Name: row.Name, Certificate: row.Certificate, Standard: row.Standard, Status: cat.StatusAt(row, judgeDay)}
	if want.Certificate != "" {
		want.Certificate = "#" + want.Certificate
	}
	var reason string
	switch want.Status {
	case cryptoref.CMVPActive:
		want.Verdict = fips.VerdictValidated
		reason = fmt.Sprintf("CMVP certificate %s (FIPS %s) is active on %s", want.Certificate, want.Standard, judgeDay.Format(time.DateOnly))
	case cryptoref.CMVPInProcess:
		want.Verdict = fips.VerdictNotValidated
		reason = "is on the CMVP Modules-In-Process list"
	default:
		t.Fatalf("the CMVP catalog %s says the Go Cryptographic Module v1.0.0 is %s on %s: the image must be validated or in process (DESIGN.md)", cat.Version, want.Status, judgeDay.Format(time.DateOnly))
	}

	rep, err := fips.InspectRefs(context.Background(), []string{"oci-layout:" + res.Layout, res.Archive}, fips.WithTime(judgeDay))
	if err != nil {
		t.Fatal(err)
	}
	// A docker archive has no manifest: the inspector names it by its ID.
	for i, digest := range []string{res.Digest, res.ImageID} {
		im := rep.Images[i]
		if len(im.Errors) > 0 || im.Digest != digest || im.Verdict != want.Verdict || im.Platform != res.Platform {
			t.Errorf("%s: digest %s, platform %s, verdict %s, errors %q; want %s, %s, %s and no errors", im.Ref, im.Digest, im.Platform, im.Verdict, im.Errors, digest, res.Platform, want.Verdict)
		}
		var paths []string
		for _, b := range im.Binaries {
			paths = append(paths, b.Path)
			got := judged{Backend: b.Backend, Verdict: b.Verdict}
			if len(b.Modules) == 1 {
				m := b.Modules[0]
				got.Name, got.Certificate, got.Standard, got.Status = m.Name, m.CMVPCertificate, m.Standard, m.Status
				if !strings.HasPrefix(m.Version, "v1.0.0") {
					t.Errorf("%s %s: module version %q, want v1.0.0", im.Ref, b.Path, m.Version)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %s (-want +got):\n%s\nevidence: %q", im.Ref, b.Path, diff, b.Evidence)
			}
			for _, s := range []string{reason, "fips140=on from the binary's DefaultGODEBUG", "GOFIPS140=v1.0.0"} {
				if !strings.Contains(strings.Join(b.Evidence, "\n"), s) {
					t.Errorf("%s %s: evidence %q lacks %q", im.Ref, b.Path, b.Evidence, s)
				}
			}
		}
		if diff := cmp.Diff([]string{"/sc8probe", "/sc8scan", "/sc8sensor"}, paths); diff != "" {
			t.Errorf("%s: binaries (-want +got):\n%s", im.Ref, diff)
		}
	}
}

// judged is what checkFIPS compares of one binary.
type judged struct {
	Backend, Verdict                    string
	Name, Certificate, Standard, Status string
}

func checkConfig(t *testing.T, res *Result, img v1.Image) {
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	want := v1.Config{
		User:       "65532:65532",
		Entrypoint: []string{"/sc8scan"},
		WorkingDir: "/",
		Env:        []string{"PATH=/"},
		Labels: map[string]string{
			"org.opencontainers.image.title":       "sc8scan",
			"org.opencontainers.image.description": "Encryption-in-transit scanner for Kubernetes (sc8scan, sc8probe, sc8sensor), built with the Go Cryptographic Module v1.0.0",
			"org.opencontainers.image.source":      "https://github.com/sc8scan/sc8scan",
			"org.opencontainers.image.version":     "dev",
		},
	}
	if diff := cmp.Diff(want, cf.Config); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if got := "linux/" + cf.Architecture; cf.OS != "linux" || got != res.Platform {
		t.Errorf("platform %s/%s, want %s", cf.OS, cf.Architecture, res.Platform)
	}
	if !cf.Created.Equal(time.Unix(0, 0)) {
		t.Errorf("created %s, want the Unix epoch", cf.Created)
	}
	if got, want := res.Tag, "ghcr.io/sc8scan/sc8scan:dev"; got != want {
		t.Errorf("tag %q, want %q", got, want)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON || len(m.Layers) != 1 || m.Layers[0].MediaType != types.OCILayer {
		t.Errorf("manifest %+v: want an OCI image of one gzip layer", m)
	}
}

// entry is what checkLayer compares of one tar entry.
type entry struct {
	Name     string
	Mode     os.FileMode
	UID, GID int
	ModTime  time.Time
}

// checkLayer reads the image's only layer: exactly the files listed, owned
// by root (the image runs as 65532, which may write only /tmp), dated
// mtime; no shell; static binaries; the nonroot user and group.
func checkLayer(t *testing.T, img v1.Image, mtime time.Time) {
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %d (%v), want one", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var got []entry
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, entry{h.Name, h.FileInfo().Mode(), h.Uid, h.Gid, h.ModTime.UTC()})
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = b
		}
	}
	mt := mtime.UTC()
	want := []entry{
		{"etc/", os.ModeDir | 0o755, 0, 0, mt},
		{"etc/group", 0o644, 0, 0, mt},
		{"etc/passwd", 0o644, 0, 0, mt},
		{"sc8probe", 0o555, 0, 0, mt},
		{"sc8scan", 0o555, 0, 0, mt},
		{"sc8sensor", 0o555, 0, 0, mt},
		{"tmp/", os.ModeDir | os.ModeSticky | 0o777, 0, 0, mt},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layer entries (-want +got):\n%s", diff)
	}
	for _, e := range got {
		if e.UID != 0 && e.UID != 65532 || e.GID != 0 && e.GID != 65532 {
			t.Errorf("%s owned by %d:%d, want 0 or 65532", e.Name, e.UID, e.GID)
		}
		switch path.Base(e.Name) {
		case "sh", "bash", "ash", "dash", "zsh", "busybox", "toybox":
			t.Errorf("%s: the image holds a shell", e.Name)
		}
	}
	for _, name := range []string{"sc8probe", "sc8scan", "sc8sensor"} {
		f, err := elf.NewFile(bytes.NewReader(files[name]))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s has a program interpreter: not static", name)
			}
		}
		if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
			t.Errorf("%s needs shared libraries %q (%v): not static", name, libs, err)
		}
	}
	for file, line := range map[string]string{
		"etc/passwd": "nonroot:x:65532:65532:nonroot:/:/sbin/nologin",
		"etc/group":  "nonroot:x:65532:",
	} {
		if !strings.Contains("\n"+string(files[file]), "\n"+line+"\n") {
			t.Errorf("%s is %q, want a line %q", file, files[file], line)
		}
	}
}

// checkArchive loads the docker archive back by its tag: the same config
// and layer blobs as the layout. Its manifest is the one a reader writes
// for a docker archive (which holds none), with Docker media types, so its
// manifest digest differs from the layout's; the image ID does not.
func checkArchive(t *testing.T, res *Result, img v1.Image) {
	tag, err := name.NewTag(res.Tag)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := tarball.ImageFromPath(res.Archive, &tag)
	if err != nil {
		t.Fatalf("loading %s as %s: %v", res.Archive, res.Tag, err)
	}
	other, _ := name.NewTag("ghcr.io/sc8scan/sc8scan:not-this-one")
	if _, err := tarball.ImageFromPath(res.Archive, &other); err == nil {
		t.Errorf("%s loads under a tag it does not carry", res.Archive)
	}
	descs, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(res.Archive) })
	if err != nil {
		t.Fatal(err)
	}
	if len(descs) != 1 || len(descs[0].RepoTags) != 1 || descs[0].RepoTags[0] != res.Tag {
		t.Errorf("manifest.json %+v, want one image tagged %s", descs, res.Tag)
	}
	id, err := loaded.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	if id.String() != res.ImageID {
		t.Errorf("archive image ID %s, want %s", id, res.ImageID)
	}
	want, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	want = want.DeepCopy()
	want.MediaType, want.Config.MediaType = types.DockerManifestSchema2, types.DockerConfigJSON
	for i := range want.Layers {
		want.Layers[i].MediaType = types.DockerLayer
	}
	got, err := loaded.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("archive manifest, against the layout's with Docker media types (-want +got):\n%s", diff)
	}
	wantCfg, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	gotCfg, err := loaded.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wantCfg, gotCfg) {
		t.Errorf("archive config differs from the layout's:\n%s\n%s", gotCfg, wantCfg)
	}
}

// summary is what two builds of the same tree must share: every digest
// and the bytes of the docker archive.
func summary(t *testing.T, res *Result) map[string]string {
	t.Helper()
	b, err := os.ReadFile(res.Archive)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return map[string]string{
		"digest":        res.Digest,
		"image ID":      res.ImageID,
		"size":          fmt.Sprint(res.Size),
		"archive bytes": "sha256:" + hex.EncodeToString(sum[:]),
	}
}
