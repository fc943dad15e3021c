package fips

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
	"github.com/sc8scan/sc8scan/pkg/internal/schematest"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// The day the tests judge certificates on: after the 140-2 sunset, before
// any 140-3 sunset the tests rely on.
var testDay = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

const progs = "../../testdata/fips/progs"
const csrc = "../../testdata/fips/c"

// cacheDir keeps built binaries across test runs; builds are keyed by
// their sources, settings and toolchain.
func cacheDir(t testing.TB) string {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	d = filepath.Join(d, "sc8scan", "fips-testbin")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

var buildMu sync.Mutex

// goBin builds a program under testdata/fips/progs once per test run (and
// once per source change across runs).
func goBin(t testing.TB, b imagebuild.GoBuild) string {
	t.Helper()
	testenv.LookPath(t, "go")
	if b.CGO {
		testenv.LookPath(t, "gcc")
	}
	abs, err := filepath.Abs(filepath.Join(progs, b.Dir))
	if err != nil {
		t.Fatal(err)
	}
	b.Dir = abs
	buildMu.Lock()
	defer buildMu.Unlock()
	p, err := imagebuild.BuildGo(context.Background(), cacheDir(t), b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// cBin compiles C sources under testdata/fips/c with gcc.
func cBin(t testing.TB, name string, args ...string) string {
	t.Helper()
	testenv.LookPath(t, "gcc")
	for i, a := range args {
		if strings.HasSuffix(a, ".c") {
			args[i] = filepath.Join(csrc, a)
		}
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	p, err := imagebuild.BuildC(context.Background(), cacheDir(t), name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// debianLibcrypto is the host's Debian libcrypto (libssl-dev / libssl3).
func debianLibcrypto(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/lib/x86_64-linux-gnu/libcrypto.so.3", "/usr/lib/aarch64-linux-gnu/libcrypto.so.3"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	testenv.Missing(t, "Debian's libcrypto.so.3 (libssl3)")
	return ""
}

// layout writes an image with one layer of files and returns its ref.
func layoutOf(t testing.TB, env []string, files ...imagebuild.File) string {
	t.Helper()
	l, err := imagebuild.Layer(files...)
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagebuild.Image("linux/amd64", env, l)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := imagebuild.WriteLayout(filepath.Join(t.TempDir(), "layout"), img)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func inspectOne(t testing.TB, ref string, opts ...Option) evidence.Image {
	t.Helper()
	opts = append([]Option{WithTime(testDay), WithPlatform("linux/amd64")}, opts...)
	rep, err := InspectRefs(context.Background(), []string{ref}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Images) != 1 {
		t.Fatalf("%d images for one ref", len(rep.Images))
	}
	doc, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, evidence.ImageReportSchema, doc)
	return rep.Images[0]
}

func binaryAt(t testing.TB, im evidence.Image, p string) evidence.Binary {
	t.Helper()
	for _, b := range im.Binaries {
		if b.Path == p {
			return b
		}
	}
	t.Fatalf("no binary %s in %s; have %v (errors %v)", p, im.Ref, paths(im), im.Errors)
	return evidence.Binary{}
}

func paths(im evidence.Image) []string {
	var out []string
	for _, b := range im.Binaries {
		out = append(out, b.Path)
	}
	return out
}

// summary is what the case tables compare.
type summary struct {
	Backend, Verdict string
	Modules          []string // "name version cert status"
}

func summarise(b evidence.Binary) summary {
	s := summary{Backend: b.Backend, Verdict: b.Verdict}
	for _, m := range b.Modules {
		var parts []string
		for _, f := range []string{m.Name, m.Version, m.CMVPCertificate, m.Status} {
			if f != "" {
				parts = append(parts, f)
			}
		}
		s.Modules = append(s.Modules, strings.Join(parts, " | "))
	}
	return s
}

func hasEvidence(b evidence.Binary, sub string) bool {
	for _, e := range b.Evidence {
		if strings.Contains(e, sub) {
			return true
		}
	}
	return false
}
