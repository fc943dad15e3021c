package fips

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// TestVerifyProvider runs the real child against the image's real Debian
// libcrypto. With the stand-in fips.so (which implements nothing) and a
// configuration that activates it, static parsing says validated (before
// the 140-2 sunset); loading it shows FIPS mode never activates.
func TestVerifyProvider(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real binaries")
	}
	testenv.LookPath(t, "gcc")
	lib := debianLibcrypto(t)
	dir, err := filepath.Abs("../../cmd/sc8fips-verify")
	if err != nil {
		t.Fatal(err)
	}
	buildMu.Lock()
	child, err := imagebuild.BuildGo(context.Background(), cacheDir(t), imagebuild.GoBuild{Dir: dir, CGO: true})
	buildMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	digest := cBin(t, "digest", "digest.c", "-lcrypto")
	prov := cBin(t, "fipsprov-3.0.9", "-shared", "-fPIC", `-DFIPSPROV_VERSION="3.0.9"`, "fipsprov.c")
	ref := layoutOf(t, nil,
		imagebuild.File{Path: "usr/bin/digest", Source: digest},
		imagebuild.File{Path: libdir + "libcrypto.so.3", Source: lib, Mode: 0o644},
		imagebuild.File{Path: libdir + "ossl-modules/fips.so", Source: prov, Mode: 0o644},
		imagebuild.File{Path: "usr/lib/ssl/openssl.cnf", Data: []byte(fipsCnf)},
		imagebuild.File{Path: "usr/lib/ssl/fipsmodule.cnf", Data: []byte(fipsModuleCnf)},
	)
	before := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	static := binaryAt(t, inspectOne(t, ref, WithTime(before)), "/usr/bin/digest")
	if static.Verdict != VerdictValidated {
		t.Fatalf("static verdict %s: %q", static.Verdict, static.Evidence)
	}
	im := inspectOne(t, ref, WithTime(before), WithVerifyProvider(child))
	b := binaryAt(t, im, "/usr/bin/digest")
	if b.Verdict != VerdictNotValidated || !hasEvidence(b, "did not enter FIPS mode") || !hasEvidence(b, "OpenSSL 3.") || im.Verdict != VerdictNotValidated {
		t.Errorf("verified: %s %q", b.Verdict, b.Evidence)
	}
	im = inspectOne(t, ref, WithTime(before), WithVerifyProvider(filepath.Join(t.TempDir(), "missing")))
	if b := binaryAt(t, im, "/usr/bin/digest"); b.Verdict != VerdictNotValidated || !hasEvidence(b, "could not run") {
		t.Errorf("missing child: %s %q", b.Verdict, b.Evidence)
	}
}
