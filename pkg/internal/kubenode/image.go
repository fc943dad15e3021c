package kubenode

import (
	"context"
	"path/filepath"
	"runtime"

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
	return imagebuild.ProgramArchive(out, tag, "linux/"+runtime.GOARCH, bin, "/"+filepath.Base(abs))
}
