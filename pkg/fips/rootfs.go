package fips

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

type nodeType uint8

const (
	typeFile nodeType = iota
	typeDir
	typeSymlink
	typeHardlink
	typeOther
)

// node is one path of the flattened root filesystem. Only metadata and
// what the analysers extracted are kept, never whole file contents.
type node struct {
	typ   nodeType
	mode  int64
	size  int64
	link  string // symlink target, or hard-link target path
	layer int
	elf   *elfFacts
	text  []byte // a configuration file read whole (bounded)
	jar   *jarFacts
	err   string // why the file could not be analysed
}

// rootfs is the in-memory view of an image's flattened filesystem.
type rootfs struct {
	ctx      context.Context
	byDiffID bool // read layers uncompressed and check their diff IDs
	work     chan func()
	nodes    map[string]*node
	limits   Limits
	entries  int
	bytes    int64
	warnings []string
	// the paths whited out, and directories made opaque, by layers
	// already read (the upper ones)
	whiteouts map[string]bool
	opaque    map[string]bool
}

func newRootfs(l Limits) *rootfs {
	return &rootfs{nodes: map[string]*node{"/": {typ: typeDir}}, limits: l, whiteouts: map[string]bool{}, opaque: map[string]bool{}}
}

// errLimit marks an error caused by a limit.
var errLimit = errors.New("limit exceeded")

// readLayers flattens the image's layers newest first: a path seen in an
// upper layer, whited out, or under an opaque directory of an upper layer
// hides the lower layers' copies. Each layer is streamed once.
func (fs *rootfs) readLayers(layers []v1.Layer) []error {
	if len(layers) > fs.limits.MaxLayers {
		return []error{fmt.Errorf("image has %d layers, more than the limit of %d: %w", len(layers), fs.limits.MaxLayers, errLimit)}
	}
	// ELF and jar analysis runs beside decompression: one worker, at most
	// analysisQueue files waiting, so memory stays bounded.
	fs.work = make(chan func(), analysisQueue)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for job := range fs.work {
			job()
		}
	}()
	defer func() {
		close(fs.work)
		<-done
		fs.work = nil
	}()
	// A layer that cannot be read (over a limit, corrupt) does not stop
	// the others: its files read so far are genuine and stay (layers are
	// read from the top, so nothing above it is affected), the layers below
	// are still read, and the caller is told which layers are missing so it
	// can say the result is incomplete.
	var missing []error
	for i := len(layers) - 1; i >= 0; i-- {
		if err := fs.ctx.Err(); err != nil {
			return append(missing, fmt.Errorf("reading layers: %w", err))
		}
		if err := fs.readLayer(i, layers[i]); err != nil {
			missing = append(missing, layerError(i, len(layers), layers[i], fs.byDiffID, err))
		}
	}
	return missing
}

// layerError names the layer an error came from: its position and digest.
func layerError(i, n int, l v1.Layer, byDiffID bool, err error) error {
	d, derr := l.Digest()
	if byDiffID {
		d, derr = l.DiffID()
	}
	name := fmt.Sprintf("layer %d of %d", i+1, n)
	if derr == nil {
		if strings.Contains(err.Error(), d.String()) {
			return fmt.Errorf("%s not read: %w", name, err)
		}
		name += " (" + d.String() + ")"
	}
	return fmt.Errorf("%s not read: %w", name, err)
}

// analysisQueue is how many read files may wait for analysis.
const analysisQueue = 2

type limitedReader struct {
	r     io.Reader
	left  int64
	what  string
	limit int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, fmt.Errorf("%s is larger than the limit of %d bytes: %w", l.what, l.limit, errLimit)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func (fs *rootfs) readLayer(i int, l v1.Layer) error {
	if fs.byDiffID {
		return fs.readUncompressedLayer(i, l)
	}
	d, err := l.Digest()
	if err != nil {
		return fmt.Errorf("reading layer %d digest: %w", i, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return fmt.Errorf("opening layer %s: %w", d, err)
	}
	defer rc.Close()
	var h hash.Hash
	if d.Algorithm == "sha256" {
		h = sha256.New()
	}
	var src io.Reader = &limitedReader{r: rc, left: fs.limits.MaxCompressedLayerBytes + 1, what: "compressed layer " + d.String(), limit: fs.limits.MaxCompressedLayerBytes}
	if h != nil {
		src = io.TeeReader(src, h)
	}
	br := bufio.NewReaderSize(src, 64<<10)
	magic, _ := br.Peek(4)
	var tarStream io.Reader
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("layer %s: %w", d, err)
		}
		defer zr.Close()
		tarStream = zr
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(256<<20), zstd.WithDecoderMaxWindow(128<<20))
		if err != nil {
			return fmt.Errorf("layer %s: %w", d, err)
		}
		defer zr.Close()
		tarStream = zr
	default:
		tarStream = br
	}
	return fs.readStream(i, d.String(), tarStream, func() error {
		if h == nil {
			return nil
		}
		// drain what tar left unread (padding, trailing blocks) so the
		// digest covers the whole blob
		if _, err := io.Copy(io.Discard, br); err != nil {
			return fmt.Errorf("reading layer %s: %w", d, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != d.Hex {
			return fmt.Errorf("layer %s does not match its digest (read sha256:%s)", d, got)
		}
		return nil
	})
}

// readUncompressedLayer reads a layer as its uncompressed tar and checks
// the tar against the layer's diff ID.
func (fs *rootfs) readUncompressedLayer(i int, l v1.Layer) error {
	d, err := l.DiffID()
	if err != nil {
		return fmt.Errorf("reading layer %d diff ID: %w", i, err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		return fmt.Errorf("opening layer %s: %w", d, err)
	}
	defer rc.Close()
	h := sha256.New()
	src := io.TeeReader(rc, h)
	return fs.readStream(i, d.String(), src, func() error {
		if n, err := io.CopyN(io.Discard, src, fs.limits.MaxLayerBytes); err != nil && err != io.EOF {
			return fmt.Errorf("reading layer %s: %w", d, err)
		} else if n == fs.limits.MaxLayerBytes {
			return fmt.Errorf("layer %s has more than %d bytes after its tar: %w", d, n, errLimit)
		}
		if got := hex.EncodeToString(h.Sum(nil)); d.Algorithm == "sha256" && got != d.Hex {
			return fmt.Errorf("layer %s does not match its diff ID (read sha256:%s)", d, got)
		}
		return nil
	})
}

// readStream reads one layer's tar stream under the size limits, then
// runs check (the digest comparison).
func (fs *rootfs) readStream(i int, name string, tarStream io.Reader, check func() error) error {
	left := fs.limits.MaxImageBytes - fs.bytes
	limit, what := fs.limits.MaxLayerBytes, "layer "+name+" decompressed"
	if left < limit {
		limit, what = left, "the image decompressed"
	}
	lr := &limitedReader{r: tarStream, left: limit + 1, what: what, limit: limit}
	before := lr.left
	err := fs.readTar(i, name, tar.NewReader(lr))
	fs.bytes += before - lr.left
	if err != nil {
		return err
	}
	return check()
}

// cleanEntry turns a tar name into an absolute path, refusing names that
// climb out of the root.
func cleanEntry(name string) (string, error) {
	if strings.Contains(name, "\\") {
		return "", fmt.Errorf("tar entry %q has a backslash", name)
	}
	for _, c := range strings.Split(name, "/") {
		if c == ".." {
			return "", fmt.Errorf("tar entry %q climbs out of the root", name)
		}
	}
	return path.Clean("/" + name), nil
}

func (fs *rootfs) hidden(p string) bool {
	if fs.whiteouts[p] {
		return true
	}
	for dir := path.Dir(p); ; dir = path.Dir(dir) {
		if fs.whiteouts[dir] || fs.opaque[dir] {
			return true
		}
		if n, ok := fs.nodes[dir]; ok && n.typ != typeDir {
			return true
		}
		if dir == "/" {
			return false
		}
	}
}

// readTar applies one layer. A layer that fails part-way is rolled back:
// its nodes are removed and its entries no longer count against
// MaxEntries, so the layers below it can still be read within the same
// bounds, and a half-applied layer (files without the whiteouts that come
// later in its tar) never stands for the image.
func (fs *rootfs) readTar(layer int, digest string, tr *tar.Reader) error {
	entries := fs.entries
	var added []string
	err := fs.applyTar(layer, digest, tr, &added)
	if err != nil {
		for _, p := range added {
			if n := fs.nodes[p]; n != nil && n.layer == layer {
				delete(fs.nodes, p)
			}
		}
		fs.entries = entries
	}
	return err
}

func (fs *rootfs) applyTar(layer int, digest string, tr *tar.Reader, added *[]string) error {
	newWhiteouts, newOpaque := map[string]bool{}, map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading layer %s: %w", digest, err)
		}
		fs.entries++
		if fs.entries%1024 == 0 && fs.ctx != nil && fs.ctx.Err() != nil {
			return fs.ctx.Err()
		}
		if fs.entries > fs.limits.MaxEntries {
			return fmt.Errorf("image has more than %d tar entries: %w", fs.limits.MaxEntries, errLimit)
		}
		p, err := cleanEntry(h.Name)
		if err != nil {
			fs.warn(fmt.Sprintf("layer %s: %v; skipped", digest, err))
			continue
		}
		if p == "/" {
			continue
		}
		dir, base := path.Split(p)
		dir = path.Clean(dir)
		if base == ".wh..wh..opq" {
			newOpaque[dir] = true
			continue
		}
		if strings.HasPrefix(base, ".wh.") {
			newWhiteouts[path.Join(dir, strings.TrimPrefix(base, ".wh."))] = true
			continue
		}
		// a path an upper layer set is final; within one layer the last
		// entry wins, as when the layer is applied
		if old, seen := fs.nodes[p]; seen && old.layer != layer || !seen && fs.hidden(p) {
			continue
		}
		n := &node{mode: h.Mode, size: h.Size, layer: layer}
		switch h.Typeflag {
		case tar.TypeDir:
			n.typ = typeDir
		case tar.TypeSymlink:
			n.typ, n.link = typeSymlink, h.Linkname
		case tar.TypeLink:
			lp, err := cleanEntry(h.Linkname)
			if err != nil {
				fs.warn(fmt.Sprintf("layer %s: hard link %s: %v; skipped", digest, p, err))
				continue
			}
			n.typ, n.link = typeHardlink, lp
		case tar.TypeReg, tar.TypeRegA:
			n.typ = typeFile
			if err := fs.analyse(p, n, tr); err != nil {
				return fmt.Errorf("reading %s in layer %s: %w", p, digest, err)
			}
		default:
			n.typ = typeOther
		}
		fs.nodes[p] = n
		*added = append(*added, p)
		// tars may leave parent directories out: they exist implicitly
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			if _, ok := fs.nodes[d]; ok {
				break
			}
			fs.nodes[d] = &node{typ: typeDir, mode: 0o755, layer: layer}
			*added = append(*added, d)
		}
	}
	for p := range newWhiteouts {
		fs.whiteouts[p] = true
	}
	for p := range newOpaque {
		fs.opaque[p] = true
	}
	return nil
}

func (fs *rootfs) warn(s string) {
	if len(fs.warnings) < 100 {
		fs.warnings = append(fs.warnings, s)
	} else if len(fs.warnings) == 100 {
		fs.warnings = append(fs.warnings, "more warnings left out")
	}
}

// analyse reads what the analysers need from one regular file: ELF files
// whole (up to MaxFileBytes), configuration files and jars by name.
// Errors returned are stream errors (the layer is unreadable); a file
// that cannot be analysed only records why.
func (fs *rootfs) analyse(p string, n *node, r io.Reader) error {
	kind := interesting(p)
	if n.size < 4 && kind == "" {
		return nil
	}
	var head [4]byte
	k, err := io.ReadFull(r, head[:min(4, int(n.size))])
	if err != nil {
		return err
	}
	isELF := k == 4 && string(head[:]) == "\x7fELF"
	if !isELF && kind == "" {
		return nil
	}
	limit := fs.limits.MaxConfigBytes
	if isELF || kind == "jar" {
		limit = fs.limits.MaxFileBytes
	}
	if n.size > limit {
		n.err = fmt.Sprintf("file is %d bytes, larger than the limit of %d; not analysed", n.size, limit)
		if isELF {
			n.elf = &elfFacts{}
		}
		return nil
	}
	buf := make([]byte, n.size)
	copy(buf, head[:k])
	if _, err := io.ReadFull(r, buf[k:]); err != nil {
		return err
	}
	switch {
	case isELF:
		fs.run(func() {
			f, err := analyseELF(buf)
			if err != nil {
				n.err = err.Error()
			}
			n.elf = f
		})
	case kind == "jar":
		fs.run(func() { n.jar = analyseJar(p, buf) })
	default:
		n.text = buf
	}
	return nil
}

// run analyses on the worker when readLayers started one, inline
// otherwise. The node's analysis fields are only read after readLayers
// returns.
func (fs *rootfs) run(job func()) {
	if fs.work != nil {
		fs.work <- job
		return
	}
	job()
}

// interesting says which non-ELF files are read: "text" for the
// configuration the verdict depends on, "jar" for Java archives.
func interesting(p string) string {
	base := path.Base(p)
	switch {
	case strings.HasSuffix(base, ".jar"):
		return "jar"
	case strings.HasSuffix(base, ".cnf"), base == "os-release", base == "redhat-release",
		base == "java.security", base == "fips_enabled", strings.HasSuffix(base, ".config") && strings.Contains(p, "crypto-policies"):
		return "text"
	}
	return ""
}

// lookup resolves p inside the image root, following symbolic and hard
// links (absolute targets from the image root, never the host's), at most
// MaxSymlinkDepth of them.
func (fs *rootfs) lookup(p string) (string, *node, error) {
	depth := 0
	return fs.resolve(path.Clean("/"+p), &depth)
}

func (fs *rootfs) resolve(p string, depth *int) (string, *node, error) {
	cur := "/"
	rest := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c == "" || c == "." {
			continue
		}
		if c == ".." {
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, c)
		n, ok := fs.nodes[next]
		if !ok {
			return next, nil, fmt.Errorf("%s: no such file in the image", p)
		}
		for n.typ == typeSymlink || n.typ == typeHardlink {
			*depth++
			if *depth > fs.limits.MaxSymlinkDepth {
				return next, nil, fmt.Errorf("%s: more than %d levels of links", p, fs.limits.MaxSymlinkDepth)
			}
			target := n.link
			if n.typ == typeSymlink && !strings.HasPrefix(target, "/") {
				target = path.Join(cur, target)
			}
			rp, rn, err := fs.resolve(target, depth)
			if err != nil {
				return rp, nil, err
			}
			next, n = rp, rn
		}
		if i < len(rest)-1 && n.typ != typeDir {
			return next, nil, fmt.Errorf("%s: %s is not a directory", p, next)
		}
		cur = next
	}
	return cur, fs.nodes[cur], nil
}
