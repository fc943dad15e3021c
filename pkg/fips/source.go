package fips

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// LayoutPrefix marks an OCI image layout directory reference.
const LayoutPrefix = "oci-layout:"

// maxIndexDepth bounds nested image indexes.
const maxIndexDepth = 4

// openRef turns one reference into an image and the platform it was
// selected for ("" when the reference named a single image).
func openRef(ctx context.Context, ref string, o *options) (v1.Image, error) {
	if dir, ok := strings.CutPrefix(ref, LayoutPrefix); ok {
		return openLayout(dir, o)
	}
	if st, err := os.Stat(ref); err == nil {
		if st.IsDir() {
			if _, err := os.Stat(filepath.Join(ref, "oci-layout")); err == nil {
				return openLayout(ref, o)
			}
			return nil, fmt.Errorf("%s is a directory without an oci-layout file", ref)
		}
		return openTarball(ref, o)
	} else if looksLikePath(ref) {
		return nil, fmt.Errorf("opening %s: %w", ref, err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("parsing image reference %q: %w", ref, err)
	}
	img, err := remote.Image(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(o.keychain), remote.WithPlatform(*o.platform))
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", r, err)
	}
	return img, nil
}

func looksLikePath(ref string) bool {
	return strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../") ||
		strings.HasSuffix(ref, ".tar") || strings.HasSuffix(ref, ".tar.gz") || strings.HasSuffix(ref, ".tgz")
}

func openLayout(dir string, o *options) (v1.Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout %s: %w", dir, err)
	}
	return fromIndex(idx, o, 0)
}

// fromIndex picks the image for the requested platform. An index holding
// exactly one image, without a platform, gives that image.
func fromIndex(idx v1.ImageIndex, o *options, depth int) (v1.Image, error) {
	if depth > maxIndexDepth {
		return nil, fmt.Errorf("image indexes nested deeper than %d", maxIndexDepth)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading image index: %w", err)
	}
	var seen []string
	var only *v1.Descriptor
	imgs := 0
	for i := range im.Manifests {
		d := im.Manifests[i]
		switch {
		case d.MediaType.IsIndex():
			inner, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("reading nested index %s: %w", d.Digest, err)
			}
			if img, err := fromIndex(inner, o, depth+1); err == nil {
				return img, nil
			}
		case d.MediaType.IsImage():
			imgs++
			only = &im.Manifests[i]
			if d.Platform == nil {
				continue
			}
			seen = append(seen, d.Platform.String())
			if d.Platform.Satisfies(*o.platform) {
				return idx.Image(d.Digest)
			}
		}
	}
	if imgs == 1 && only.Platform == nil {
		return idx.Image(only.Digest)
	}
	if len(seen) > 0 {
		return nil, fmt.Errorf("no image for platform %s in the index (it has %s)", o.platformText, strings.Join(seen, ", "))
	}
	return nil, errors.New("the index holds no image")
}

// openTarball reads a docker-archive (docker save) or an OCI archive (a
// tar of an OCI layout).
func openTarball(path string, o *options) (v1.Image, error) {
	kind, err := tarKind(path)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "docker":
		img, err := tarball.ImageFromPath(path, nil)
		if err != nil {
			return nil, fmt.Errorf("reading docker archive %s: %w", path, err)
		}
		return dockerArchive{img}, nil
	case "oci":
		return openOCIArchive(path, o)
	}
	return nil, fmt.Errorf("%s is neither a docker archive (manifest.json) nor an OCI archive (oci-layout, index.json)", path)
}

// maxArchiveEntries bounds the scan for the archive's top-level files.
const maxArchiveEntries = 100_000

func tarKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	var layoutFile, index bool
	for i := 0; i < maxArchiveEntries; i++ {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("reading %s as a tar archive: %w", path, err)
		}
		switch strings.TrimPrefix(h.Name, "./") {
		case "manifest.json":
			if h.Size > maxManifestBytes {
				return "", fmt.Errorf("%s: manifest.json is %d bytes, more than %d", path, h.Size, maxManifestBytes)
			}
			return "docker", nil
		case "oci-layout":
			layoutFile = true
		case "index.json":
			index = true
		}
		if layoutFile && index {
			return "oci", nil
		}
	}
	return "", nil
}

// dockerArchive marks an image read from a docker archive, whose layers
// are often stored uncompressed: go-containerregistry would gzip each one
// (twice) to compute compressed digests, so its layers are read
// uncompressed and checked against the config's diff IDs, and the image is
// named by its ID (the config digest), as docker names it.
type dockerArchive struct{ v1.Image }
