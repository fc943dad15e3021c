package fips

import (
	"archive/tar"
	"bytes"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// FuzzAnalyseELF feeds arbitrary bytes to the ELF analyser: it must
// return (an error at worst) without panicking, hanging or allocating
// without bound. The corpus is in testdata/fuzz/FuzzAnalyseELF.
func FuzzAnalyseELF(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	f.Add(append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00\x01\x00\x00\x00"), make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := analyseELF(data)
		if facts == nil {
			t.Fatal("nil facts")
		}
		if err == nil && facts.Type == "" {
			t.Fatal("parsed without a type")
		}
		// judging whatever was read must not panic either
		j := testJudge(t, "", nil)
		if facts.Go != nil {
			j.judgeFile("/x", &node{typ: typeFile, elf: facts, mode: 0o755})
		} else {
			j.judgeNative("/x", facts)
		}
	})
}

// FuzzLayer feeds arbitrary bytes as a layer blob (gzip, or a bare tar)
// through the streaming reader, whiteouts, link resolution and the
// OpenSSL configuration parser. The corpus is in testdata/fuzz/FuzzLayer.
func FuzzLayer(f *testing.F) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "etc/a", Typeflag: tar.TypeSymlink, Linkname: "b"})
	tw.WriteHeader(&tar.Header{Name: "etc/b", Typeflag: tar.TypeSymlink, Linkname: "/etc/a"})
	tw.WriteHeader(&tar.Header{Name: "etc/.wh.c", Typeflag: tar.TypeReg})
	cnf := []byte("openssl_conf = i\n.include /etc/ssl/openssl.cnf\n[i]\nproviders = p\n[p]\nfips = f\n[f]\nactivate = 1\n")
	tw.WriteHeader(&tar.Header{Name: "etc/ssl/openssl.cnf", Typeflag: tar.TypeReg, Size: int64(len(cnf)), Mode: 0o644})
	tw.Write(cnf)
	tw.Close()
	f.Add(buf.Bytes())
	f.Add(gz(f, buf.Bytes()))
	f.Fuzz(func(t *testing.T, data []byte) {
		l := DefaultLimits()
		l.MaxLayerBytes, l.MaxEntries, l.MaxFileBytes = 1<<20, 1000, 1<<20
		fs := newRootfs(l)
		_ = fs.readLayer(0, static.NewLayer(data, types.OCILayer))
		for _, p := range []string{"/etc/a", "/etc/ssl/openssl.cnf", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3"} {
			fs.lookup(p)
		}
		fs.opensslSetupOf(map[string]string{})
		fs.detectDistro()
	})
}

// FuzzAnalyseJar feeds arbitrary bytes as a jar named like Bouncy Castle
// FIPS, and java.security text to the provider reader.
func FuzzAnalyseJar(f *testing.F) {
	f.Add([]byte("PK\x03\x04"), []byte("security.provider.1=SUN\n"))
	f.Fuzz(func(t *testing.T, jar, security []byte) {
		analyseJar("/app/bc-fips-2.0.0.jar", jar)
		javaProviders(security)
		javaProperties(security)
	})
}
