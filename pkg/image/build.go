package image

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
)

const (
	// Repository is where the image is published; the default tag is
	// Repository:VERSION.
	Repository = "ghcr.io/sc8scan/sc8scan"
	// GOFIPS140 is the Go Cryptographic Module version every binary is
	// built with.
	GOFIPS140 = "v1.0.0"
	// User is the image's user and group: 65532, named "nonroot" in
	// /etc/passwd and /etc/group.
	User = "65532:65532"

	source = "https://github.com/sc8scan/sc8scan"
	passwd = "root:x:0:0:root:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/:/sbin/nologin\n"
	group  = "root:x:0:\nnonroot:x:65532:\n"
)

// commands are the main packages built into the image, each under cmd/ of
// the repository and at /NAME in the image.
func commands() []string { return []string{"sc8probe", "sc8scan", "sc8sensor"} }

// Options say what Build builds and where it writes it.
type Options struct {
	// Root is the repository root, holding go.mod and cmd/. Default ".".
	Root string
	// Out is the directory written: Out/oci (an OCI image layout) and
	// Out/sc8scan.tar (a docker archive). Default "out/image".
	Out string
	// Version is the image's org.opencontainers.image.version label and
	// the default tag's tag. Default "dev".
	Version string
	// Tag names the image in the docker archive. Default
	// Repository + ":" + Version.
	Tag string
	// GOARCH is the architecture built; the image is linux/GOARCH.
	// Default: what `go env GOARCH` says.
	GOARCH string
	// Created is the image's creation time and every file's modification
	// time. Default: the Unix epoch.
	Created time.Time
	// CacheDir keeps the built binaries; an identical earlier build there
	// (same sources, settings and toolchain) is reused. Default: a
	// temporary directory removed before Build returns, so each Build links
	// the binaries afresh (their packages come from the Go build cache) and
	// leaves nothing behind but its outputs.
	CacheDir string
	// Logger reports each step. Default: discarded.
	Logger *slog.Logger
}

// Result is an image Build wrote.
type Result struct {
	// Digest is the digest of the image manifest, which names the image
	// in the OCI layout and in a registry it is pushed to unchanged.
	Digest string
	// ImageID is the digest of the image config: the ID docker and
	// containerd give the image imported from the docker archive, whose
	// format has no manifest of its own.
	ImageID string
	// Tag names the image in the docker archive.
	Tag string
	// Layout is the OCI layout directory (`sc8scan images
	// oci-layout:LAYOUT` reads it); Archive is the docker archive.
	Layout  string
	Archive string
	// Platform is "linux/" + GOARCH.
	Platform string
	// Size is the image's size as a registry stores it: manifest, config
	// and compressed layer, in bytes.
	Size int64
}

// Build compiles sc8scan, sc8probe and sc8sensor from o.Root with
// CGO_ENABLED=0, GOFIPS140=v1.0.0, -trimpath and -buildvcs=false, and
// writes one image holding them at /sc8scan, /sc8probe and /sc8sensor
// (mode 0555), /etc/passwd and /etc/group naming uid and gid 65532
// "nonroot", and an empty /tmp (1777). Every entry is owned by root and
// dated o.Created; the config runs /sc8scan as 65532:65532 in / with
// PATH=/ as its whole environment. Nothing in it depends on when or where
// it was built, so the same tree and toolchain give the same digest.
func Build(ctx context.Context, o Options) (*Result, error) {
	o, err := o.withDefaults(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := name.NewTag(o.Tag); err != nil {
		return nil, fmt.Errorf("parsing tag %q: %w", o.Tag, err)
	}
	if o.CacheDir == "" {
		dir, err := os.MkdirTemp("", "sc8scan-image-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		o.CacheDir = dir
	}
	files := []imagebuild.File{
		{Path: "etc", Dir: true, Mode: 0o755},
		{Path: "etc/group", Data: []byte(group), Mode: 0o644},
		{Path: "etc/passwd", Data: []byte(passwd), Mode: 0o644},
		{Path: "tmp", Dir: true, Mode: 0o1777},
	}
	for _, c := range commands() {
		start := time.Now()
		bin, err := imagebuild.BuildGo(ctx, o.CacheDir, imagebuild.GoBuild{
			Dir:       filepath.Join(o.Root, "cmd", c),
			GOFIPS140: GOFIPS140,
			GOOS:      "linux",
			GOARCH:    o.GOARCH,
		})
		if err != nil {
			return nil, fmt.Errorf("building %s: %w", c, err)
		}
		o.Logger.Info("built", "command", c, "binary", bin, "took", time.Since(start).Round(time.Millisecond))
		files = append(files, imagebuild.File{Path: c, Source: bin, Mode: 0o555})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for i := range files {
		files[i].ModTime = o.Created
	}
	img, err := assemble(o, files)
	if err != nil {
		return nil, err
	}
	return write(o, img)
}

func (o Options) withDefaults(ctx context.Context) (Options, error) {
	if o.Root == "" {
		o.Root = "."
	}
	root, err := filepath.Abs(o.Root)
	if err != nil {
		return o, err
	}
	o.Root = root
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return o, fmt.Errorf("reading the repository root: %w", err)
	}
	if o.Out == "" {
		o.Out = filepath.Join("out", "image")
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.Tag == "" {
		o.Tag = Repository + ":" + o.Version
	}
	if o.GOARCH == "" {
		cmd := exec.CommandContext(ctx, "go", "env", "GOARCH")
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			return o, fmt.Errorf("asking the go toolchain its GOARCH: %w", err)
		}
		o.GOARCH = strings.TrimSpace(string(out))
	}
	if o.Created.IsZero() {
		o.Created = time.Unix(0, 0)
	}
	o.Created = o.Created.UTC()
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o, nil
}

// assemble stacks files into one layer and writes the config.
func assemble(o Options, files []imagebuild.File) (v1.Image, error) {
	start := time.Now()
	layer, err := imagebuild.Layer(files...)
	if err != nil {
		return nil, fmt.Errorf("writing the layer: %w", err)
	}
	img, err := imagebuild.Image("linux/"+o.GOARCH, []string{"PATH=/"}, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	created := v1.Time{Time: o.Created}
	cf.Created = created
	cf.Config.User = User
	cf.Config.Entrypoint = []string{"/sc8scan"}
	cf.Config.WorkingDir = "/"
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.title":       "sc8scan",
		"org.opencontainers.image.description": "Encryption-in-transit scanner for Kubernetes (sc8scan, sc8probe, sc8sensor), built with the Go Cryptographic Module " + GOFIPS140,
		"org.opencontainers.image.source":      source,
		"org.opencontainers.image.version":     o.Version,
	}
	cf.History = []v1.History{{
		Created:   created,
		CreatedBy: "CGO_ENABLED=0 GOFIPS140=" + GOFIPS140 + " go build -trimpath -buildvcs=false ./cmd/sc8scan ./cmd/sc8probe ./cmd/sc8sensor",
	}}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	o.Logger.Info("assembled", "platform", cf.OS+"/"+cf.Architecture, "took", time.Since(start).Round(time.Millisecond))
	return img, nil
}

// write writes img as an OCI layout and a docker archive under o.Out.
func write(o Options, img v1.Image) (*Result, error) {
	start := time.Now()
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	res := &Result{Tag: o.Tag, Platform: "linux/" + o.GOARCH, Layout: filepath.Join(o.Out, "oci"), Archive: filepath.Join(o.Out, "sc8scan.tar")}
	if _, err := imagebuild.WriteLayout(res.Layout, img); err != nil {
		return nil, err
	}
	if _, err := imagebuild.WriteDockerArchive(res.Archive, o.Tag, img); err != nil {
		return nil, err
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	id, err := img.ConfigName()
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	size, err := img.Size()
	if err != nil {
		return nil, err
	}
	size += m.Config.Size
	for _, l := range m.Layers {
		size += l.Size
	}
	res.Digest, res.ImageID, res.Size = digest.String(), id.String(), size
	o.Logger.Info("wrote", "layout", res.Layout, "archive", res.Archive, "digest", res.Digest, "took", time.Since(start).Round(time.Millisecond))
	return res, nil
}
