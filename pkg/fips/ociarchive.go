package fips

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxManifestBytes caps an index, manifest or config blob read into memory.
const maxManifestBytes = 4 << 20

// ociArchive is a tar of an OCI layout, read in place: one pass records
// where each member's data starts, blobs are served as sections of the
// file.
type ociArchive struct {
	path    string
	members map[string]section
}

type section struct{ off, size int64 }

// countingReader tells how far tar has read, so a member's data offset is
// known right after its header.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func openOCIArchive(path string, o *options) (v1.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	a := &ociArchive{path: path, members: map[string]section{}}
	cr := &countingReader{r: f}
	tr := tar.NewReader(cr)
	for i := 0; ; i++ {
		if i >= maxArchiveEntries {
			return nil, fmt.Errorf("OCI archive %s has more than %d members", path, maxArchiveEntries)
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading OCI archive %s: %w", path, err)
		}
		if h.Typeflag == tar.TypeReg {
			a.members[strings.TrimPrefix(h.Name, "./")] = section{cr.n, h.Size}
		}
	}
	raw, err := a.read("index.json")
	if err != nil {
		return nil, err
	}
	return fromIndex(&archiveIndex{a: a, raw: raw}, o, 0)
}

func (a *ociArchive) open(name string) (io.ReadCloser, int64, error) {
	s, ok := a.members[name]
	if !ok {
		return nil, 0, fmt.Errorf("OCI archive %s has no %s", a.path, name)
	}
	f, err := os.Open(a.path)
	if err != nil {
		return nil, 0, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, s.off, s.size), f}, s.size, nil
}

func (a *ociArchive) read(name string) ([]byte, error) {
	rc, size, err := a.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if size > maxManifestBytes {
		return nil, fmt.Errorf("%s in %s is %d bytes, more than %d", name, a.path, size, maxManifestBytes)
	}
	return io.ReadAll(rc)
}

func blobName(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

// readBlob reads a small blob and checks its digest.
func (a *ociArchive) readBlob(h v1.Hash) ([]byte, error) {
	b, err := a.read(blobName(h))
	if err != nil {
		return nil, err
	}
	if h.Algorithm == "sha256" {
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != h.Hex {
			return nil, fmt.Errorf("blob %s in %s does not match its digest", h, a.path)
		}
	}
	return b, nil
}

type archiveIndex struct {
	a   *ociArchive
	raw []byte
}

func (x *archiveIndex) MediaType() (types.MediaType, error) {
	m, err := x.IndexManifest()
	if err != nil {
		return "", err
	}
	if m.MediaType == "" {
		return types.OCIImageIndex, nil
	}
	return m.MediaType, nil
}
func (x *archiveIndex) Digest() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(x.raw))
	return h, err
}
func (x *archiveIndex) Size() (int64, error)         { return int64(len(x.raw)), nil }
func (x *archiveIndex) RawManifest() ([]byte, error) { return x.raw, nil }
func (x *archiveIndex) IndexManifest() (*v1.IndexManifest, error) {
	return v1.ParseIndexManifest(bytes.NewReader(x.raw))
}
func (x *archiveIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	raw, err := x.a.readBlob(h)
	if err != nil {
		return nil, err
	}
	return &archiveIndex{a: x.a, raw: raw}, nil
}
func (x *archiveIndex) Image(h v1.Hash) (v1.Image, error) {
	raw, err := x.a.readBlob(h)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parsing manifest %s: %w", h, err)
	}
	return partial.CompressedToImage(&archiveImage{a: x.a, raw: raw, m: m})
}

type archiveImage struct {
	a   *ociArchive
	raw []byte
	m   *v1.Manifest
}

func (i *archiveImage) RawConfigFile() ([]byte, error) { return i.a.readBlob(i.m.Config.Digest) }
func (i *archiveImage) RawManifest() ([]byte, error)   { return i.raw, nil }
func (i *archiveImage) MediaType() (types.MediaType, error) {
	if i.m.MediaType == "" {
		return types.OCIManifestSchema1, nil
	}
	return i.m.MediaType, nil
}
func (i *archiveImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	for _, d := range i.m.Layers {
		if d.Digest == h {
			return &archiveLayer{a: i.a, d: d}, nil
		}
	}
	if i.m.Config.Digest == h {
		return &archiveLayer{a: i.a, d: i.m.Config}, nil
	}
	return nil, fmt.Errorf("manifest has no layer %s", h)
}

type archiveLayer struct {
	a *ociArchive
	d v1.Descriptor
}

func (l *archiveLayer) Digest() (v1.Hash, error)            { return l.d.Digest, nil }
func (l *archiveLayer) Size() (int64, error)                { return l.d.Size, nil }
func (l *archiveLayer) MediaType() (types.MediaType, error) { return l.d.MediaType, nil }
func (l *archiveLayer) Compressed() (io.ReadCloser, error) {
	rc, _, err := l.a.open(blobName(l.d.Digest))
	return rc, err
}
