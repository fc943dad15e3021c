package fips_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sc8scan/sc8scan/pkg/fips"
	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
)

// An image with a Bouncy Castle FIPS 2.0.0 jar registered first in
// java.security, judged on 2026-11-27.
func ExampleInspectRefs() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	var jar bytes.Buffer
	zw := zip.NewWriter(&jar)
	w, _ := zw.Create("META-INF/MANIFEST.MF")
	w.Write([]byte("Manifest-Version: 1.0\nBundle-SymbolicName: bc-fips\nBundle-Version: 2.0.0\n"))
	zw.Close()
	l, _ := imagebuild.Layer(
		imagebuild.File{Path: "etc/os-release", Data: []byte("ID=debian\nVERSION_ID=\"12\"\n")},
		imagebuild.File{Path: "app/lib/bc-fips-2.0.0.jar", Data: jar.Bytes()},
		imagebuild.File{Path: "etc/java/security/java.security", Data: []byte("security.provider.1=org.bouncycastle.jcajce.provider.BouncyCastleFipsProvider\n")},
	)
	img, _ := imagebuild.Image("linux/amd64", nil, l)
	ref, _ := imagebuild.WriteLayout(filepath.Join(dir, "layout"), img)

	rep, err := fips.InspectRefs(context.Background(), []string{ref},
		fips.WithPlatform("linux/amd64"), fips.WithTime(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		fmt.Println(err)
		return
	}
	im := rep.Images[0]
	fmt.Println(im.Distro, im.Verdict)
	for _, b := range im.Binaries {
		m := b.Modules[0]
		fmt.Println(b.Path, b.Backend, m.CMVPCertificate, m.Status, b.Verdict)
	}
	// Output:
	// debian12 validated
	// /app/lib/bc-fips-2.0.0.jar bc-fips #4743 active validated
}
