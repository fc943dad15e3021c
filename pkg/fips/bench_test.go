package fips

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
)

// BenchmarkInspect inspects an image of the host's shared libraries (and
// the test binary itself) and reports MB/s of decompressed image data.
// hack/bench-fips.sh compares the command with peer tools.
func BenchmarkInspect(b *testing.B) {
	var files []imagebuild.File
	var size int64
	libs, _ := filepath.Glob("/usr/lib/x86_64-linux-gnu/*.so*")
	self, _ := os.Executable()
	for _, p := range append(libs, self) {
		st, err := os.Lstat(p)
		if err != nil || !st.Mode().IsRegular() || size > 256<<20 {
			continue
		}
		size += st.Size()
		files = append(files, imagebuild.File{Path: "usr/lib/" + strings.ReplaceAll(filepath.Base(p), "/", "_"), Source: p})
	}
	if len(files) == 0 {
		b.Skip("no host libraries")
	}
	ref := layoutOf(b, nil, files...)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := InspectRefs(context.Background(), []string{ref}, WithTime(testDay))
		if err != nil || rep.Images[0].Digest == "" {
			b.Fatal(err, rep.Images[0].Errors)
		}
	}
}
