package kubenode

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
)

// GoImage builds the Go main package in mainDir (CGO_ENABLED=0, stripped)
// and writes a one-layer linux image whose entrypoint is the binary, at
// /NAME for the directory's base name, to out as a docker archive tagged
// tag, ready for Node.ImportImage. Binaries are cached in cacheDir as
// imagebuild.BuildGo does.
func GoImage(ctx context.Context, cacheDir, mainDir, tag, out string) error {
	abs, err := filepath.Abs(mainDir)
	if err != nil {
		return err
	}
	bin, err := imagebuild.BuildGo(ctx, cacheDir, imagebuild.GoBuild{Dir: abs, GOOS: "linux", LDFlags: "-s -w"})
	if err != nil {
		return err
	}
	entry := "/" + filepath.Base(abs)
	layer, err := imagebuild.Layer(imagebuild.File{Path: entry, Source: bin, Mode: 0o755})
	if err != nil {
		return fmt.Errorf("making the layer of %s: %w", tag, err)
	}
	img, err := imagebuild.Image("linux/"+runtime.GOARCH, nil, layer)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg := cf.Config
	cfg.Entrypoint = []string{entry}
	if img, err = mutate.Config(img, cfg); err != nil {
		return err
	}
	_, err = imagebuild.WriteDockerArchive(out, tag, img)
	return err
}
