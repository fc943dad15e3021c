// Package imagebuild builds real Go (and C) programs in chosen crypto
// modes and assembles them into small OCI images with go-containerregistry,
// written as OCI layouts, OCI archives or docker archives. Tests and the
// demo use it to give the FIPS inspector real inputs; it needs the Go
// toolchain (and gcc for C) but no container daemon and no registry.
package imagebuild

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// GoBuild is one build of a Go main package.
type GoBuild struct {
	// Dir is the main package's directory, inside a module whose
	// dependencies are in the module cache or reachable through GOPROXY.
	Dir string
	// GOFIPS140 ("", "v1.0.0", "latest", "inprocess", ...), GOEXPERIMENT
	// ("", "boringcrypto"), GOOS and GOARCH ("" for the host's) are passed
	// as is.
	GOFIPS140    string
	GOEXPERIMENT string
	GOOS         string
	GOARCH       string
	// CGO sets CGO_ENABLED=1; otherwise 0.
	CGO bool
	// LDFlags are passed to -ldflags ("-s -w" strips the symbol table).
	LDFlags string
	// Tags are passed to -tags.
	Tags string
}

func (b GoBuild) env() []string {
	cgo := "0"
	if b.CGO {
		cgo = "1"
	}
	env := []string{"CGO_ENABLED=" + cgo, "GOFIPS140=" + b.GOFIPS140, "GOEXPERIMENT=" + b.GOEXPERIMENT, "GOFLAGS=-buildvcs=false"}
	if b.GOOS != "" {
		env = append(env, "GOOS="+b.GOOS)
	}
	if b.GOARCH != "" {
		env = append(env, "GOARCH="+b.GOARCH)
	}
	return env
}

// BuildGo builds b and returns the binary's path inside cacheDir. An
// identical earlier build (same sources of every package it links from its
// own module, same versions of the other modules, same settings and
// toolchain) is reused, so a test run or a demo builds each variant once.
func BuildGo(ctx context.Context, cacheDir string, b GoBuild) (string, error) {
	goVersion, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("asking the go toolchain its version: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%q\n%q\n%q\n", goVersion, b.env(), b.LDFlags, b.Tags)
	if err := hashSources(ctx, h, b); err != nil {
		return "", err
	}
	key := hex.EncodeToString(h.Sum(nil))[:24]
	out := filepath.Join(cacheDir, "go-"+filepath.Base(b.Dir)+"-"+key)
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid()) // test binaries of several packages may build at once
	args := []string{"build", "-trimpath", "-o", tmp}
	if b.LDFlags != "" {
		args = append(args, "-ldflags="+b.LDFlags)
	}
	if b.Tags != "" {
		args = append(args, "-tags="+b.Tags)
	}
	args = append(args, ".")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = b.Dir
	cmd.Env = append(cleanEnv(), b.env()...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s (%s): %w\n%s", b.Dir, strings.Join(b.env(), " "), err, msg)
	}
	return out, os.Rename(tmp, out)
}

// cleanEnv is the environment without the settings a build sets itself.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "CGO_ENABLED", "GOFIPS140", "GOEXPERIMENT", "GOARCH", "GOFLAGS", "GOOS":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// listedPackage is what go list says of one package a build links.
type listedPackage struct {
	ImportPath string
	Dir        string
	Module     *struct {
		Path    string
		Version string
		GoMod   string
		Main    bool
		Replace *struct {
			Path    string
			Version string
		}
	}
	GoFiles, CgoFiles, CFiles, CXXFiles, HFiles, SFiles, SysoFiles, EmbedFiles []string
}

// hashSources writes to h what building b reads besides the toolchain: the
// go.mod of b's module and the files of every package the program links
// from it (or from a module replaced by a local directory), and the path
// and version of every other module, as go list reports them for b's
// settings.
func hashSources(ctx context.Context, h io.Writer, b GoBuild) error {
	args := []string{"list", "-deps", "-json=ImportPath,Dir,Module,GoFiles,CgoFiles,CFiles,CXXFiles,HFiles,SFiles,SysoFiles,EmbedFiles"}
	if b.Tags != "" {
		args = append(args, "-tags="+b.Tags)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, ".")...)
	cmd.Dir = b.Dir
	cmd.Env = append(cleanEnv(), b.env()...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("listing the packages %s links: %w\n%s", b.Dir, err, stderr.Bytes())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	mods := map[string]bool{}
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("reading go list output for %s: %w", b.Dir, err)
		}
		m := p.Module
		if m == nil { // the standard library: the toolchain version covers it
			continue
		}
		local := m.Main || m.Replace != nil && m.Replace.Version == ""
		if !mods[m.Path] {
			mods[m.Path] = true
			switch {
			case !local && m.Replace != nil:
				fmt.Fprintf(h, "module %s@%s => %s@%s\n", m.Path, m.Version, m.Replace.Path, m.Replace.Version)
			case !local:
				fmt.Fprintf(h, "module %s@%s\n", m.Path, m.Version)
			case m.GoMod != "":
				gomod, err := os.ReadFile(m.GoMod)
				if err != nil {
					return err
				}
				fmt.Fprintf(h, "module %s go.mod %d\n", m.Path, len(gomod))
				h.Write(gomod)
			}
		}
		if !local {
			continue
		}
		for _, files := range [][]string{p.GoFiles, p.CgoFiles, p.CFiles, p.CXXFiles, p.HFiles, p.SFiles, p.SysoFiles, p.EmbedFiles} {
			for _, f := range files {
				data, err := os.ReadFile(filepath.Join(p.Dir, f))
				if err != nil {
					return err
				}
				fmt.Fprintf(h, "%s/%s %d\n", p.ImportPath, f, len(data))
				h.Write(data)
			}
		}
	}
	return nil
}

// BuildC compiles C sources with gcc (args are gcc's, without -o) into
// cacheDir/name, reusing an identical earlier build.
func BuildC(ctx context.Context, cacheDir, name string, args ...string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%q\n", args)
	for _, a := range args {
		if strings.HasSuffix(a, ".c") {
			b, err := os.ReadFile(a)
			if err != nil {
				return "", err
			}
			h.Write(b)
		}
	}
	out := filepath.Join(cacheDir, "c-"+name+"-"+hex.EncodeToString(h.Sum(nil))[:24])
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	cmd := exec.CommandContext(ctx, "gcc", append([]string{"-o", tmp}, args...)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("gcc %s: %w\n%s", strings.Join(args, " "), err, msg)
	}
	return out, os.Rename(tmp, out)
}

// File is one entry of a layer.
type File struct {
	Path string // inside the image, "usr/bin/app" or "/usr/bin/app"
	Mode int64  // default 0755 for files from Source, 0644 for Data
	// One of:
	Data     []byte // contents
	Source   string // a host file to copy
	Symlink  string // a symbolic link's target
	Hardlink string // a hard link's target path (an earlier entry)
	Dir      bool   // a directory
	// Whiteout deletes Path from the layers below; Opaque hides the
	// contents of directory Path in the layers below.
	Whiteout bool
	Opaque   bool
	// ModTime is the entry's modification time, and that of the parent
	// directories it creates. Default: the Unix epoch.
	ModTime time.Time
}

var epoch = time.Unix(0, 0).UTC()

// LayerTar writes files as an uncompressed layer tar, parents first.
func LayerTar(files ...File) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	mkdirs := func(p string, mtime time.Time) error {
		parts := strings.Split(p, "/")
		for i := 1; i < len(parts); i++ {
			d := strings.Join(parts[:i], "/")
			if d == "" || dirs[d] {
				continue
			}
			dirs[d] = true
			if err := tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mtime}); err != nil {
				return err
			}
		}
		return nil
	}
	for _, f := range files {
		p := strings.TrimPrefix(f.Path, "/")
		mtime := f.ModTime
		if mtime.IsZero() {
			mtime = epoch
		}
		if err := mkdirs(p, mtime); err != nil {
			return nil, err
		}
		dir, base := filepath.Split(p)
		h := &tar.Header{Name: p, ModTime: mtime, Mode: f.Mode}
		switch {
		case f.Whiteout:
			h.Name, h.Typeflag, h.Mode = dir+".wh."+base, tar.TypeReg, 0o644
		case f.Opaque:
			h.Name, h.Typeflag, h.Mode = p+"/.wh..wh..opq", tar.TypeReg, 0o644
		case f.Dir:
			if dirs[p] {
				continue
			}
			h.Name, h.Typeflag = p+"/", tar.TypeDir
			dirs[p] = true
		case f.Symlink != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, f.Symlink
		case f.Hardlink != "":
			h.Typeflag, h.Linkname = tar.TypeLink, strings.TrimPrefix(f.Hardlink, "/")
		default:
			data := f.Data
			if f.Source != "" {
				b, err := os.ReadFile(f.Source)
				if err != nil {
					return nil, err
				}
				data = b
				if h.Mode == 0 {
					h.Mode = 0o755
				}
			}
			if h.Mode == 0 {
				h.Mode = 0o644
			}
			h.Typeflag, h.Size = tar.TypeReg, int64(len(data))
			if err := tw.WriteHeader(h); err != nil {
				return nil, err
			}
			if _, err := tw.Write(data); err != nil {
				return nil, err
			}
			continue
		}
		if h.Mode == 0 {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Layer builds a gzip-compressed layer from files.
func Layer(files ...File) (v1.Layer, error) {
	b, err := LayerTar(files...)
	if err != nil {
		return nil, err
	}
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithMediaType(types.OCILayer))
}

// ProgramArchive writes a one-layer image for platform holding the binary
// at src as path (mode 0755), with path as its entrypoint, as a docker
// archive tagged tag, ready for `ctr images import`.
func ProgramArchive(out, tag, platform, src, path string) error {
	layer, err := Layer(File{Path: strings.TrimPrefix(path, "/"), Source: src, Mode: 0o755})
	if err != nil {
		return fmt.Errorf("making the layer of %s: %w", tag, err)
	}
	img, err := Image(platform, nil, layer)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg := cf.Config
	cfg.Entrypoint = []string{"/" + strings.TrimPrefix(path, "/")}
	if img, err = mutate.Config(img, cfg); err != nil {
		return err
	}
	_, err = WriteDockerArchive(out, tag, img)
	return err
}

// Image stacks layers (the first is the lowest) into an OCI image for
// platform ("linux/amd64") with env as its config's environment.
func Image(platform string, env []string, layers ...v1.Layer) (v1.Image, error) {
	pl, err := v1.ParsePlatform(platform)
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.AppendLayers(img, layers...)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = pl.OS, pl.Architecture, pl.Variant
	cf.Config.Env = env
	cf.Created = v1.Time{Time: epoch}
	return mutate.ConfigFile(img, cf)
}

// WriteLayout writes images as an OCI layout at dir (replacing it) and
// returns the reference InspectRefs takes ("oci-layout:DIR"). With more
// than one image the index names each image's platform.
func WriteLayout(dir string, imgs ...v1.Image) (string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			return "", err
		}
		add := mutate.IndexAddendum{Add: img}
		if len(imgs) > 1 {
			add.Descriptor = v1.Descriptor{Platform: &v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}}
		}
		idx = mutate.AppendManifests(idx, add)
	}
	if _, err := layout.Write(dir, idx); err != nil {
		return "", fmt.Errorf("writing OCI layout %s: %w", dir, err)
	}
	return "oci-layout:" + dir, nil
}

// WriteDockerArchive writes img as a docker-archive tarball (docker save
// format) tagged tag, and returns its path.
func WriteDockerArchive(path, tag string, img v1.Image) (string, error) {
	ref, err := nameTag(tag)
	if err != nil {
		return "", err
	}
	if err := tarball.WriteToFile(path, ref, img); err != nil {
		return "", fmt.Errorf("writing docker archive %s: %w", path, err)
	}
	return path, nil
}

// WriteOCIArchive writes images as a tar of an OCI layout and returns its
// path.
func WriteOCIArchive(path string, imgs ...v1.Image) (string, error) {
	dir, err := os.MkdirTemp("", "imagebuild-layout-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	if _, err := WriteLayout(dir, imgs...); err != nil {
		return "", err
	}
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	tw := tar.NewWriter(f)
	var files []string
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			files = append(files, p)
		}
		return err
	})
	if err == nil {
		sort.Strings(files)
		for _, p := range files {
			b, rerr := os.ReadFile(p)
			if rerr != nil {
				err = rerr
				break
			}
			rel, _ := filepath.Rel(dir, p)
			if err = tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(b)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
				break
			}
			if _, err = tw.Write(b); err != nil {
				break
			}
		}
	}
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing OCI archive %s: %w", path, err)
	}
	return path, nil
}

// GoImage builds b and writes a one-layer image holding it at
// /usr/local/bin/<name of b.Dir>, plus extra files, to out: an OCI layout
// directory, or a docker archive when out ends in ".tar". It returns the
// reference InspectRefs takes. Builds are cached in cacheDir.
func GoImage(ctx context.Context, cacheDir, out string, b GoBuild, env []string, extra ...File) (string, error) {
	bin, err := BuildGo(ctx, cacheDir, b)
	if err != nil {
		return "", err
	}
	arch := b.GOARCH
	if arch == "" {
		a, err := exec.CommandContext(ctx, "go", "env", "GOARCH").Output()
		if err != nil {
			return "", err
		}
		arch = strings.TrimSpace(string(a))
	}
	files := append([]File{{Path: "usr/local/bin/" + filepath.Base(b.Dir), Source: bin}}, extra...)
	l, err := Layer(files...)
	if err != nil {
		return "", err
	}
	img, err := Image("linux/"+arch, env, l)
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(out, ".tar") {
		return WriteDockerArchive(out, "sc8scan.dev/fips/"+filepath.Base(b.Dir)+":latest", img)
	}
	return WriteLayout(out, img)
}

// TreeFiles lists a host directory tree as layer files (regular files,
// symbolic links and directories; other types are left out), paths
// relative to root.
func TreeFiles(root string) ([]File, error) {
	var files []File
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			files = append(files, File{Path: rel, Symlink: target})
		case info.IsDir():
			files = append(files, File{Path: rel, Dir: true})
		case info.Mode().IsRegular():
			files = append(files, File{Path: rel, Source: p, Mode: int64(info.Mode().Perm())})
		}
		return nil
	})
	return files, err
}
