package imagebuild

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
)

// Variant is one Go build of a demo image: a name and the build.
type Variant struct {
	Name  string
	Build GoBuild // Dir relative to the programs directory
	Env   []string
}

// DemoVariants are the crypto modes the demo and the benchmark show, each
// a real build of a program in testdata/fips/progs. Variants needing cgo
// are left out when gcc is missing.
func DemoVariants() []Variant {
	return []Variant{
		{Name: "go-std", Build: GoBuild{Dir: "crypto"}},
		{Name: "go-fips140-v1.0.0", Build: GoBuild{Dir: "crypto", GOFIPS140: "v1.0.0"}},
		{Name: "go-fips140-v1.0.0-stripped", Build: GoBuild{Dir: "crypto", GOFIPS140: "v1.0.0", LDFlags: "-s -w"}},
		{Name: "go-fips140-v1.0.0-godebug-off", Build: GoBuild{Dir: "crypto", GOFIPS140: "v1.0.0"}, Env: []string{"GODEBUG=fips140=off"}},
		{Name: "go-fips140-latest", Build: GoBuild{Dir: "crypto", GOFIPS140: "latest"}},
		{Name: "go-fips140-inprocess", Build: GoBuild{Dir: "crypto", GOFIPS140: "inprocess"}},
		{Name: "go-boringcrypto", Build: GoBuild{Dir: "crypto", GOEXPERIMENT: "boringcrypto", CGO: true}},
		{Name: "go-boringcrypto-nocgo", Build: GoBuild{Dir: "crypto", GOEXPERIMENT: "boringcrypto"}},
		{Name: "go-nocrypto-fips140", Build: GoBuild{Dir: "nocrypto", GOFIPS140: "v1.0.0"}},
	}
}

// Built is one demo image written to disk.
type Built struct {
	Name string
	Ref  string // what InspectRefs and `sc8scan images` take
}

// DemoImages builds every DemoVariants program found under progsDir
// (testdata/fips/progs of this repository), caching binaries in cacheDir,
// and writes each as an OCI layout under outDir/<name>. It needs only the
// Go toolchain (and gcc for the cgo variants, skipped without it) and the
// module cache; no network beyond the module proxy, no daemon.
func DemoImages(ctx context.Context, progsDir, cacheDir, outDir string) ([]Built, error) {
	_, gccErr := exec.LookPath("gcc")
	var out []Built
	for _, v := range DemoVariants() {
		if v.Build.CGO && gccErr != nil {
			continue
		}
		b := v.Build
		abs, err := filepath.Abs(filepath.Join(progsDir, b.Dir))
		if err != nil {
			return nil, err
		}
		b.Dir = abs
		ref, err := GoImage(ctx, cacheDir, filepath.Join(outDir, v.Name), b, v.Env)
		if err != nil {
			return nil, fmt.Errorf("demo image %s: %w", v.Name, err)
		}
		out = append(out, Built{Name: v.Name, Ref: ref})
	}
	return out, nil
}
