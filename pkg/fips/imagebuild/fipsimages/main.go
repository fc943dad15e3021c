// Command fipsimages writes the demo's FIPS images (real Go builds in
// several crypto modes, as OCI layouts) and prints one reference per line:
//
//	go run ./pkg/fips/imagebuild/fipsimages -out DIR [-cache DIR] [-progs testdata/fips/progs]
//
// With -tree ROOT -name NAME it writes instead one image holding the host
// directory tree ROOT, as out/NAME.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"

	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "fipsimages:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cache, _ := os.UserCacheDir()
	out := flag.String("out", "", "directory for the OCI layouts (required)")
	cacheDir := flag.String("cache", filepath.Join(cache, "sc8scan", "fips-demo"), "build cache")
	progs := flag.String("progs", "testdata/fips/progs", "the fips test programs")
	tree := flag.String("tree", "", "write one image of this host directory tree instead")
	name := flag.String("name", "tree", "the tree image's name")
	flag.Parse()
	if *out == "" {
		return fmt.Errorf("-out DIR is required")
	}
	if *tree != "" {
		files, err := imagebuild.TreeFiles(*tree)
		if err != nil {
			return err
		}
		l, err := imagebuild.Layer(files...)
		if err != nil {
			return err
		}
		img, err := imagebuild.Image("linux/"+runtime.GOARCH, nil, l)
		if err != nil {
			return err
		}
		ref, err := imagebuild.WriteLayout(filepath.Join(*out, *name), img)
		if err != nil {
			return err
		}
		fmt.Println(ref)
		return nil
	}
	built, err := imagebuild.DemoImages(ctx, *progs, *cacheDir, *out)
	if err != nil {
		return err
	}
	for _, b := range built {
		fmt.Println(b.Ref)
	}
	return nil
}
