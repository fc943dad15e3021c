package fips

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/compression"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
)

// layeredImage stacks three layers with whiteouts over real binaries:
//
//	layer 1: /bin/std (standard crypto), /bin/gone (standard crypto),
//	         /opt/old/std (standard crypto), /bin/fips (standard crypto)
//	layer 2: whiteout /bin/gone, opaque /opt/old, /bin/fips replaced by
//	         the GOFIPS140=v1.0.0 build
//	layer 3: /opt/old/nocrypto (added back under the opaque directory)
func layeredImage(t *testing.T) v1.Image {
	t.Helper()
	std := goBin(t, imagebuild.GoBuild{Dir: "crypto"})
	fips := goBin(t, imagebuild.GoBuild{Dir: "crypto", GOFIPS140: "v1.0.0"})
	none := goBin(t, imagebuild.GoBuild{Dir: "nocrypto"})
	mk := func(files ...imagebuild.File) v1.Layer {
		l, err := imagebuild.Layer(files...)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	img, err := imagebuild.Image("linux/amd64", []string{"PATH=/bin"},
		mk(imagebuild.File{Path: "bin/std", Source: std}, imagebuild.File{Path: "bin/gone", Source: std},
			imagebuild.File{Path: "opt/old/std", Source: std}, imagebuild.File{Path: "bin/fips", Source: std}),
		mk(imagebuild.File{Path: "bin/gone", Whiteout: true}, imagebuild.File{Path: "opt/old", Opaque: true},
			imagebuild.File{Path: "bin/fips", Source: fips}),
		mk(imagebuild.File{Path: "opt/old/nocrypto", Source: none}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

type binSummary struct{ Path, Backend, Verdict string }

// TestImageFormats reads the same layered image as an OCI layout, an OCI
// archive, a docker archive and from a registry on loopback, and checks
// that whiteouts and opaque directories were applied.
func TestImageFormats(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real binaries")
	}
	img := layeredImage(t)
	dir := t.TempDir()
	layoutRef, err := imagebuild.WriteLayout(filepath.Join(dir, "layout"), img)
	if err != nil {
		t.Fatal(err)
	}
	ociTar, err := imagebuild.WriteOCIArchive(filepath.Join(dir, "oci.tar"), img)
	if err != nil {
		t.Fatal(err)
	}
	dockerTar, err := imagebuild.WriteDockerArchive(filepath.Join(dir, "docker.tar"), "sc8scan.dev/fips/layered:1", img)
	if err != nil {
		t.Fatal(err)
	}
	reg := httptest.NewServer(registry.New())
	defer reg.Close()
	regRef := strings.TrimPrefix(reg.URL, "http://") + "/fips/layered:1"
	tag, err := name.NewTag(regRef)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	want := []binSummary{
		{"/bin/fips", "go-fips140", "validated"},
		{"/bin/std", "go-std", "not-validated"},
		{"/opt/old/nocrypto", "none", "no-crypto"},
	}
	digest, _ := img.Digest()
	refs := []string{layoutRef, ociTar, dockerTar, regRef}
	rep, err := InspectRefs(context.Background(), refs, WithTime(testDay), WithPlatform("linux/amd64"))
	if err != nil {
		t.Fatal(err)
	}
	for i, im := range rep.Images {
		if im.Ref != refs[i] {
			t.Errorf("image %d is %s, want %s", i, im.Ref, refs[i])
		}
		var got []binSummary
		for _, b := range im.Binaries {
			got = append(got, binSummary{b.Path, b.Backend, b.Verdict})
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s\nerrors: %v", refs[i], diff, im.Errors)
		}
		if im.Verdict != VerdictNotValidated || im.Layers != 3 || im.Platform != "linux/amd64" {
			t.Errorf("%s: verdict %s layers %d platform %s", refs[i], im.Verdict, im.Layers, im.Platform)
		}
		if im.Digest != digest.String() && !strings.HasSuffix(refs[i], "docker.tar") {
			t.Errorf("%s: digest %s, want %s", refs[i], im.Digest, digest)
		}
	}
}

// TestMultiPlatform is case 8 cross-compiled: a boringcrypto build for
// arm64 (cgo off when cross-compiling) links standard crypto. The index
// holds amd64 and arm64 images; the platform picks one.
func TestMultiPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real binaries")
	}
	amd := goBin(t, imagebuild.GoBuild{Dir: "crypto", GOEXPERIMENT: "boringcrypto", CGO: true})
	arm := goBin(t, imagebuild.GoBuild{Dir: "crypto", GOEXPERIMENT: "boringcrypto", GOARCH: "arm64"})
	mk := func(platform, bin string) v1.Image {
		l, err := imagebuild.Layer(imagebuild.File{Path: "app", Source: bin})
		if err != nil {
			t.Fatal(err)
		}
		img, err := imagebuild.Image(platform, nil, l)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	ref, err := imagebuild.WriteLayout(filepath.Join(t.TempDir(), "multi"), mk("linux/amd64", amd), mk("linux/arm64", arm))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ platform, backend, verdict, machine string }{
		{"linux/amd64", "boringcrypto", "validated", "linux/amd64"},
		{"linux/arm64", "go-std", "not-validated", "linux/arm64"},
	}
	for _, tt := range tests {
		im := inspectOne(t, ref, WithPlatform(tt.platform))
		b := binaryAt(t, im, "/app")
		if b.Backend != tt.backend || b.Verdict != tt.verdict || im.Platform != tt.machine {
			t.Errorf("%s: %s %s on %s, want %s %s: %q", tt.platform, b.Backend, b.Verdict, im.Platform, tt.backend, tt.verdict, b.Evidence)
		}
	}
	im := inspectOne(t, ref, WithPlatform("linux/s390x"))
	if im.Verdict != VerdictUnknown || len(im.Errors) == 0 || !strings.Contains(im.Errors[0], "linux/amd64, linux/arm64") {
		t.Errorf("missing platform: verdict %s errors %v", im.Verdict, im.Errors)
	}
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// staticLayer is a layer from raw (compressed) bytes, digest computed
// over them, so hostile streams reach the reader as they are.
func rawImage(t testing.TB, blobs ...[]byte) v1.Image {
	t.Helper()
	var layers []v1.Layer
	for _, b := range blobs {
		layers = append(layers, static.NewLayer(b, types.OCILayer))
	}
	img, err := imagebuild.Image("linux/amd64", nil, layers...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func tarOf(t testing.TB, entries ...*tar.Header) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range entries {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg && h.Size > 0 {
			tw.Write(bytes.Repeat([]byte{'x'}, int(h.Size)))
		}
	}
	tw.Close()
	return buf.Bytes()
}

// TestBadInput feeds hostile layers and files: each gives a bounded,
// clear error for its image or file, and the next image is still read.
func TestBadInput(t *testing.T) {
	elfHeader := func(shnum uint16) []byte {
		b := make([]byte, 64)
		copy(b, "\x7fELF\x02\x01\x01")
		b[16], b[18] = 2, 0x3e // ET_EXEC, x86-64
		b[20] = 1
		b[60], b[61] = byte(shnum), byte(shnum>>8)
		return b
	}
	small := DefaultLimits()
	small.MaxLayerBytes = 8 << 20
	tests := []struct {
		name    string
		img     v1.Image
		limits  Limits
		errHas  string // in Errors; empty when the image must read cleanly
		warnHas string
		binHas  string // evidence of the one binary expected
	}{
		{"corrupt gzip", rawImage(t, append([]byte{0x1f, 0x8b, 8, 0}, bytes.Repeat([]byte{0xff}, 100)...)), DefaultLimits(), "layer sha256:", "", ""},
		{"corrupt tar", rawImage(t, gz(t, bytes.Repeat([]byte("not a tar header "), 64))), DefaultLimits(), "layer sha256:", "", ""},
		{"gzip bomb", rawImage(t, gzipBomb(64)), small, "larger than the limit of 8388608 bytes", "", ""},
		{"dot-dot path", rawImage(t, gz(t, tarOf(t, &tar.Header{Name: "../../etc/evil", Typeflag: tar.TypeReg, Size: 4, Mode: 0o755}, &tar.Header{Name: "ok", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644}))), DefaultLimits(), "", "climbs out of the root", ""},
		{"hostile ELF section count", rawImage(t, gz(t, tarOfData(t, "bin/evil", 0o755, elfHeader(60000)))), DefaultLimits(), "", "", "claims 60000 sections"},
		{"truncated ELF", rawImage(t, gz(t, tarOfData(t, "bin/short", 0o755, []byte("\x7fELF\x02\x01\x01")))), DefaultLimits(), "", "", "truncated"},
		{"non-ELF executable", rawImage(t, gz(t, tarOfData(t, "bin/script", 0o755, []byte("#!/bin/sh\necho hi\n")))), DefaultLimits(), "", "", ""},
		{"too many entries", rawImage(t, gz(t, tarOf(t, &tar.Header{Name: "a", Typeflag: tar.TypeDir, Mode: 0o755}, &tar.Header{Name: "b", Typeflag: tar.TypeDir, Mode: 0o755}, &tar.Header{Name: "c", Typeflag: tar.TypeDir, Mode: 0o755}))), func() Limits { l := DefaultLimits(); l.MaxEntries = 2; return l }(), "more than 2 tar entries", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im, err := InspectImage(context.Background(), tt.name, tt.img, WithLimits(tt.limits), WithTime(testDay))
			if err != nil {
				t.Fatal(err)
			}
			errs := strings.Join(im.Errors, "\n")
			if tt.errHas == "" && errs != "" || !strings.Contains(errs, tt.errHas) {
				t.Errorf("errors %q, want %q", errs, tt.errHas)
			}
			if tt.errHas != "" && im.Verdict != VerdictUnknown {
				t.Errorf("verdict %s for an unreadable image", im.Verdict)
			}
			if !strings.Contains(strings.Join(im.Warnings, "\n"), tt.warnHas) {
				t.Errorf("warnings %q, want %q", im.Warnings, tt.warnHas)
			}
			if tt.binHas != "" {
				if len(im.Binaries) != 1 || im.Binaries[0].Verdict != VerdictUnknown || !hasEvidence(im.Binaries[0], tt.binHas) {
					t.Errorf("binaries %+v, want one unknown mentioning %q", im.Binaries, tt.binHas)
				}
			} else if len(im.Binaries) != 0 {
				t.Errorf("binaries %+v, want none", im.Binaries)
			}
		})
	}
}

func tarOfData(t testing.TB, name string, mode int64, data []byte) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: int64(len(data)), Mode: mode})
	tw.Write(data)
	tw.Close()
	return buf.Bytes()
}

// TestTamperedLayer changes a layer blob of an OCI layout: the digest
// check refuses it, and the next reference is still inspected.
func TestTamperedLayer(t *testing.T) {
	l, err := imagebuild.Layer(imagebuild.File{Path: "etc/os-release", Data: []byte("ID=debian\nVERSION_ID=\"12\"\n")})
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagebuild.Image("linux/amd64", nil, l)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	ref, err := imagebuild.WriteLayout(dir, img)
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(t.TempDir(), "good")
	goodRef, err := imagebuild.WriteLayout(good, img)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := l.Digest()
	blob := filepath.Join(dir, "blobs", "sha256", d.Hex)
	// rewrite the blob with different content of valid gzip
	if err := os.WriteFile(blob, gz(t, tarOfData(t, "etc/os-release", 0o644, []byte("ID=evil\n"))), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := InspectRefs(context.Background(), []string{ref, goodRef, filepath.Join(t.TempDir(), "missing.tar")}, WithTime(testDay))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{rep.Images[0].Verdict, rep.Images[1].Verdict, rep.Images[2].Verdict, rep.Images[1].Distro}
	if diff := cmp.Diff([]string{"unknown", "no-crypto", "unknown", "debian12"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(rep.Images[0].Errors) == 0 || !strings.Contains(rep.Images[0].Errors[0], "does not match its digest") {
		t.Errorf("tampered layer: %v", rep.Images[0].Errors)
	}
}

// TestOptions checks that invalid options are the only error InspectRefs
// returns.
func TestOptions(t *testing.T) {
	for _, o := range []Option{WithPlatform("amd64"), WithEnv("NOEQUALS"), WithLimits(Limits{})} {
		if _, err := InspectRefs(context.Background(), nil, o); err == nil {
			t.Error("invalid option accepted")
		}
	}
	rep, err := InspectRefs(context.Background(), []string{"not a reference!!"})
	if err != nil || len(rep.Images) != 1 || rep.Images[0].Verdict != VerdictUnknown {
		t.Errorf("bad reference: %v %+v", err, rep)
	}
}

// TestTwoGigabyteLayer streams a layer that decompresses to 2 GiB (a
// multi-member gzip of a few MB) under the default limits: it is refused
// with a clear error, without holding it in memory.
func TestTwoGigabyteLayer(t *testing.T) {
	if testing.Short() {
		t.Skip("decompresses 2 GiB")
	}
	const size = 2 << 30
	var blob bytes.Buffer
	blob.Write(gz(t, tarHeaderOnly(t, "big", size)))
	chunk := gz(t, make([]byte, 1<<20))
	for i := 0; i < size>>20; i++ {
		blob.Write(chunk)
	}
	im, err := InspectImage(context.Background(), "big", rawImage(t, blob.Bytes()), WithTime(testDay))
	if err != nil {
		t.Fatal(err)
	}
	if im.Verdict != VerdictUnknown || len(im.Errors) != 1 || !strings.Contains(im.Errors[0], "larger than the limit of 2147483647 bytes") || !strings.Contains(im.Errors[0], "layer 1 of 1") {
		t.Errorf("verdict %s errors %q", im.Verdict, im.Errors)
	}
}

// tarHeaderOnly is the 512-byte header of one regular file of size bytes.
func tarHeaderOnly(t testing.TB, name string, size int64) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: size, Mode: 0o644}); err != nil {
		t.Fatal(err)
	}
	tw.Flush()
	return buf.Bytes()[:512]
}

// TestZstdLayer reads a zstd-compressed layer, digest checked.
func TestZstdLayer(t *testing.T) {
	data, err := imagebuild.LayerTar(imagebuild.File{Path: "etc/os-release", Data: []byte("ID=ubuntu\nVERSION_ID=\"22.04\"\n")})
	if err != nil {
		t.Fatal(err)
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithCompression(compression.ZStd), tarball.WithMediaType(types.OCILayerZStd))
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagebuild.Image("linux/amd64", nil, l)
	if err != nil {
		t.Fatal(err)
	}
	im, err := InspectImage(context.Background(), "zstd", img, WithTime(testDay))
	if err != nil {
		t.Fatal(err)
	}
	if im.Distro != "ubuntu22.04" || len(im.Errors) != 0 || len(im.Warnings) != 0 || im.Verdict != VerdictNoCrypto {
		t.Errorf("zstd layer: %+v", im)
	}
}

// TestDuplicateEntries: within one layer the last entry for a path wins,
// as when the layer is applied; across layers the upper one does.
func TestDuplicateEntries(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, v := range []string{"ID=debian\nVERSION_ID=11\n", "ID=debian\nVERSION_ID=12\n"} {
		tw.WriteHeader(&tar.Header{Name: "etc/os-release", Typeflag: tar.TypeReg, Size: int64(len(v)), Mode: 0o644})
		tw.Write([]byte(v))
	}
	tw.Close()
	lower := gz(t, tarOfData(t, "etc/os-release", 0o644, []byte("ID=ubuntu\nVERSION_ID=\"22.04\"\n")))
	tests := []struct {
		blobs [][]byte
		want  string
	}{
		{[][]byte{gz(t, buf.Bytes())}, "debian12"},
		{[][]byte{gz(t, buf.Bytes()), lower}, "ubuntu22.04"},
		{[][]byte{lower, gz(t, buf.Bytes())}, "debian12"},
	}
	for i, tt := range tests {
		im, err := InspectImage(context.Background(), "dup", rawImage(t, tt.blobs...), WithTime(testDay))
		if err != nil {
			t.Fatal(err)
		}
		if im.Distro != tt.want {
			t.Errorf("%d: distro %q, want %q (errors %v)", i, im.Distro, tt.want, im.Errors)
		}
	}
}

// dockerSave writes a docker archive the way `docker save` does, layers
// stored uncompressed, with diffIDs as the config states them.
func dockerSave(t *testing.T, layer []byte, diffID string) string {
	t.Helper()
	config := `{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["` + diffID + `"]}}`
	manifest := `[{"Config":"config.json","RepoTags":["sc8scan.dev/saved:1"],"Layers":["layer.tar"]}]`
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{{"config.json", []byte(config)}, {"layer.tar", layer}, {"manifest.json", []byte(manifest)}} {
		tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Size: int64(len(f.data)), Mode: 0o644})
		tw.Write(f.data)
	}
	tw.Close()
	p := filepath.Join(t.TempDir(), "saved.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDockerSave reads uncompressed docker-archive layers checked against
// their diff IDs, without recompressing them.
func TestDockerSave(t *testing.T) {
	layer := tarOfData(t, "etc/os-release", 0o644, []byte("ID=debian\nVERSION_ID=12\n"))
	h, _, _ := v1.SHA256(bytes.NewReader(layer))
	good := dockerSave(t, layer, h.String())
	bad := dockerSave(t, layer, "sha256:"+strings.Repeat("0", 64))
	rep, err := InspectRefs(context.Background(), []string{good, bad}, WithTime(testDay))
	if err != nil {
		t.Fatal(err)
	}
	g, b := rep.Images[0], rep.Images[1]
	if g.Distro != "debian12" || g.Verdict != VerdictNoCrypto || len(g.Errors) != 0 || !strings.HasPrefix(g.Digest, "sha256:") {
		t.Errorf("good archive: %+v", g)
	}
	if b.Verdict != VerdictUnknown || len(b.Errors) != 1 || !strings.Contains(b.Errors[0], "does not match its diff ID") {
		t.Errorf("tampered archive: %+v", b)
	}
}

// TestHostileArchives: OCI and docker archives whose indexes point at
// nothing, or that are not archives at all, give an error for that image.
func TestHostileArchives(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, members map[string]string) string {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, k := range []string{"oci-layout", "index.json", "manifest.json"} {
			if v, ok := members[k]; ok {
				tw.WriteHeader(&tar.Header{Name: k, Typeflag: tar.TypeReg, Size: int64(len(v)), Mode: 0o644})
				tw.Write([]byte(v))
			}
		}
		tw.Close()
		p := filepath.Join(dir, name)
		os.WriteFile(p, buf.Bytes(), 0o644)
		return p
	}
	missing := `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:` + strings.Repeat("a", 64) + `","size":10}]}`
	notTar := filepath.Join(dir, "random.tar")
	os.WriteFile(notTar, bytes.Repeat([]byte{0x42}, 4096), 0o644)
	refs := []string{
		write("dangling.tar", map[string]string{"oci-layout": `{"imageLayoutVersion":"1.0.0"}`, "index.json": missing}),
		write("empty-index.tar", map[string]string{"oci-layout": `{"imageLayoutVersion":"1.0.0"}`, "index.json": `{"schemaVersion":2,"manifests":[]}`}),
		write("bad-docker.tar", map[string]string{"manifest.json": `[{"Config":"nope.json","Layers":["nope.tar"]}]`}),
		write("neither.tar", map[string]string{}),
		notTar,
	}
	rep, err := InspectRefs(context.Background(), refs, WithTime(testDay))
	if err != nil {
		t.Fatal(err)
	}
	for i, im := range rep.Images {
		if im.Verdict != VerdictUnknown || len(im.Errors) == 0 {
			t.Errorf("%s: verdict %s errors %v", refs[i], im.Verdict, im.Errors)
		}
	}
}

// TestRefusedLayerOthersJudged: a layer refused by a limit, or corrupt,
// between two readable layers does not hide their binaries: both are judged
// and listed, the image's verdict is unknown (the refused layer could have
// added, replaced or whited out files), and the error names the layer, its
// digest and the limit.
func TestRefusedLayerOthersJudged(t *testing.T) {
	std := goBin(t, imagebuild.GoBuild{Dir: "crypto"})
	fips := goBin(t, imagebuild.GoBuild{Dir: "crypto", GOFIPS140: "v1.0.0"})
	mk := func(files ...imagebuild.File) v1.Layer {
		l, err := imagebuild.Layer(files...)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	var many []*tar.Header
	for i := 0; i < 40; i++ {
		many = append(many, &tar.Header{Name: fmt.Sprintf("d%02d", i), Typeflag: tar.TypeDir, Mode: 0o755})
	}
	limits := DefaultLimits()
	limits.MaxLayerBytes = 64 << 20
	limits.MaxEntries = 30
	for _, tt := range []struct {
		name   string
		middle []byte
		errHas string
	}{
		{"gzip bomb", gzipBomb(256), "decompressed is larger than the limit of 67108864 bytes"},
		{"corrupt gzip", append([]byte{0x1f, 0x8b, 8, 0}, bytes.Repeat([]byte{0xff}, 100)...), "layer 2 of 3"},
		{"corrupt tar", gz(t, bytes.Repeat([]byte("not a tar header "), 64)), "layer 2 of 3"},
		{"over the entry cap", gz(t, tarOf(t, many...)), "more than 30 tar entries"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			middle := static.NewLayer(tt.middle, types.OCILayer)
			d, _ := middle.Digest()
			img, err := imagebuild.Image("linux/amd64", nil,
				mk(imagebuild.File{Path: "bin/fips", Source: fips}), middle, mk(imagebuild.File{Path: "bin/std", Source: std}))
			if err != nil {
				t.Fatal(err)
			}
			im, err := InspectImage(context.Background(), tt.name, img, WithLimits(limits), WithTime(testDay))
			if err != nil {
				t.Fatal(err)
			}
			var got []binSummary
			for _, b := range im.Binaries {
				got = append(got, binSummary{b.Path, b.Backend, b.Verdict})
			}
			want := []binSummary{{"/bin/fips", BackendGoFIPS140, VerdictValidated}, {"/bin/std", BackendGoStd, VerdictNotValidated}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("binaries (-want +got):\n%s", diff)
			}
			if im.Verdict != VerdictUnknown {
				t.Errorf("verdict %s, want unknown", im.Verdict)
			}
			errs := strings.Join(im.Errors, "\n")
			if len(im.Errors) != 2 || !strings.Contains(im.Errors[0], "layer 2 of 3") || !strings.Contains(im.Errors[0], d.String()) ||
				!strings.Contains(im.Errors[0], tt.errHas) || !strings.Contains(im.Errors[1], "whiteout") {
				t.Errorf("errors should name layer 2 of 3, %s and %q, then why the verdict is unknown:\n%s", d, tt.errHas, errs)
			}
		})
	}
}

// gzipBomb is a gzipped tar of one file of mib MiB of zeros: about a
// thousandth of that compressed.
func gzipBomb(mib int) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Size: int64(mib) << 20, Mode: 0o644})
	zero := make([]byte, 1<<20)
	for i := 0; i < mib; i++ {
		tw.Write(zero)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}
