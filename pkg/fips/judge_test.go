package fips

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/evidence"
)

func testJudge(t *testing.T, distro string, files map[string]*node) *judge {
	t.Helper()
	cat, err := cryptoref.CMVP()
	if err != nil {
		t.Fatal(err)
	}
	fs := newRootfs(DefaultLimits())
	for p, n := range files {
		fs.nodes[p] = n
	}
	return &judge{fs: fs, cat: cat, now: testDay, env: map[string]string{}, envFrom: map[string]string{}, distro: distro, ossl: fs.opensslSetupOf(nil)}
}

// goFactsOf builds the facts of a Go binary from build settings and
// linked function names, for toolchains that cannot run here.
func goFactsOf(version string, settings map[string]string, names ...string) *elfFacts {
	g := &goFacts{Version: version, Settings: settings, Names: newGoNames(), NamesFrom: "pclntab"}
	for _, n := range names {
		g.Names.add(n)
	}
	return &elfFacts{Go: g, Symbols: map[string]bool{}, Exec: true}
}

// TestGoToolchainsNotHere covers the Go cases whose toolchains (older Go,
// Microsoft Go, Red Hat go-toolset) are not on this machine: their build
// settings and function names are those the research notes record.
func TestGoToolchainsNotHere(t *testing.T) {
	tests := []struct {
		name string
		f    *elfFacts
		want summary
	}{
		{"9 boringcrypto built by Go 1.22 (#4407, 140-2)",
			goFactsOf("go1.22.5 X:boringcrypto", map[string]string{"GOEXPERIMENT": "boringcrypto", "CGO_ENABLED": "1"},
				"crypto/internal/boring/sig.BoringCrypto.abi0", "crypto/internal/boring._cgo_abc_Cfunc__goboringcrypto_SHA256_Init", "crypto/sha256.Sum256"),
			summary{"boringcrypto", "not-validated", []string{"BoringCrypto | fips-20210429 | #4407 | historical"}}},
		{"9 boringcrypto built by Go 1.18 (#3678)",
			goFactsOf("go1.18.10b7", map[string]string{}, "crypto/internal/boring/sig.BoringCrypto.abi0", "crypto/sha256.Sum256"),
			summary{"boringcrypto", "not-validated", []string{"BoringCrypto | fips-20190808 | #3678 | historical"}}},
		{"1 standard Go 1.22",
			goFactsOf("go1.22.5", map[string]string{"CGO_ENABLED": "0"}, "crypto/internal/boring/sig.StandardCrypto.abi0", "crypto/sha256.Sum256", "crypto/tls.(*Conn).Handshake"),
			summary{"go-std", "not-validated", []string{"Go standard library crypto | go1.22.5 | none"}}},
		{"14 Red Hat strictfipsruntime with CGO_ENABLED=0",
			goFactsOf("go1.25.3 (Red Hat 1.25.3-1.el9_6)", map[string]string{"CGO_ENABLED": "0", "GOEXPERIMENT": "strictfipsruntime", "-tags": "strictfipsruntime"},
				"crypto/internal/boring/sig.StandardCrypto.abi0", "crypto/sha256.Sum256"),
			summary{"go-std", "not-validated", []string{"Go standard library crypto | go1.25.3 (Red Hat 1.25.3-1.el9_6) | none"}}},
		{"14 Red Hat built -tags no_openssl",
			goFactsOf("go1.25.3 (Red Hat 1.25.3-1.el9_6)", map[string]string{"CGO_ENABLED": "1", "-tags": "no_openssl,strictfipsruntime"},
				"crypto/sha256.Sum256"),
			summary{"go-std", "not-validated", []string{"Go standard library crypto | go1.25.3 (Red Hat 1.25.3-1.el9_6) | none"}}},
		{"11 Microsoft Go systemcrypto, distroless (no libcrypto)",
			goFactsOf("go1.26.1 X:systemcrypto", map[string]string{"CGO_ENABLED": "1", "microsoft_systemcrypto": "1", "microsoft_toolset_version": "1.26.1-1-microsoft"},
				"vendor/github.com/golang-fips/openssl/v2.dlopen", "vendor/github.com/golang-fips/openssl/v2.SHA256", "crypto/sha256.Sum256"),
			summary{"go-openssl", "not-validated", []string{"OpenSSL libcrypto | none"}}},
		{"10 garbled or packed: no function names",
			&elfFacts{Go: &goFacts{Version: "go1.26.8", Settings: map[string]string{"GOFIPS140": "v1.0.0-c2097c7c"}, Names: newGoNames()}, Symbols: map[string]bool{}},
			summary{"unknown", "unknown", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := testJudge(t, "", nil)
			b := &evidence.Binary{Path: "/app", Format: "elf", Modules: []evidence.Module{}}
			j.judgeGo(b, tt.f)
			if diff := cmp.Diff(tt.want, summarise(*b)); diff != "" {
				t.Errorf("(-want +got):\n%s\nevidence: %q", diff, b.Evidence)
			}
		})
	}
}

// TestNativeLibrariesNotHere covers the non-Go cases whose libraries are
// not on this machine, from the version strings and symbols the research
// notes record.
func TestNativeLibrariesNotHere(t *testing.T) {
	chk := map[string]*node{
		"/usr": {typ: typeDir}, "/usr/lib64": {typ: typeDir},
		"/usr/lib64/libsoftokn3.chk": {typ: typeFile}, "/usr/lib64/libfreeblpriv3.chk": {typ: typeFile},
	}
	tests := []struct {
		name   string
		distro string
		f      *elfFacts
		want   summary
	}{
		{"23 Envoy with BoringSSL-FIPS", "", &elfFacts{BoringSSL: true, Symbols: map[string]bool{"BORINGSSL_self_test": true, "FIPS_mode": true}, Exec: true},
			summary{"boringssl", "unknown", []string{"BoringSSL (FIPS build) | none"}}},
		{"23 stock Envoy (BoringSSL)", "", &elfFacts{BoringSSL: true, Symbols: map[string]bool{}, Exec: true},
			summary{"boringssl", "not-validated", []string{"BoringSSL | none"}}},
		{"24 aws-lc-rs fips feature, AWS-LC-FIPS 2.0", "", &elfFacts{AWSLC: "AWS-LC FIPS 2.0.13", Symbols: map[string]bool{}},
			summary{"aws-lc", "validated", []string{"AWS-LC Cryptographic Module (dynamic) | 2.0.13 | #5429 | active"}}},
		{"24 AWS-LC without FIPS", "", &elfFacts{AWSLC: "AWS-LC 1.34.2", Symbols: map[string]bool{}},
			summary{"aws-lc", "not-validated", []string{"AWS-LC | none"}}},
		{"19 Node.js with bundled OpenSSL", "", &elfFacts{OpenSSLVersion: "3.0.19", OpenSSLText: "OpenSSL 3.0.19 27 Jan 2026", Interp: "/lib64/ld-linux-x86-64.so.2", Symbols: map[string]bool{}, Exec: true},
			summary{"openssl-static", "not-validated", []string{"OpenSSL (bundled) | 3.0.19 | none"}}},
		{"wolfSSL FIPS build", "", &elfFacts{WolfSSL: true, Symbols: map[string]bool{"wolfCrypt_GetStatus_fips": true}},
			summary{"wolfssl", "unknown", []string{"wolfCrypt (FIPS build) | none"}}},
		{"GnuTLS on Debian", "debian12", &elfFacts{Needed: []string{"libgnutls.so.30", "libc.so.6"}, Symbols: map[string]bool{}},
			summary{"gnutls", "not-validated", []string{"gnutls | none"}}},
		{"NSS on RHEL with its .chk files", "rhel9", &elfFacts{Needed: []string{"libnss3.so", "libc.so.6"}, Symbols: map[string]bool{}},
			summary{"nss", "unknown", []string{"nss | none"}}},
		{"NSS on RHEL without its .chk files", "rhel9", &elfFacts{Needed: []string{"libnss3.so", "libc.so.6"}, Symbols: map[string]bool{}},
			summary{"nss", "not-validated", []string{"nss | none"}}},
		{"libgcrypt on RHEL without its .hmac", "rhel9", &elfFacts{Needed: []string{"libgcrypt.so.20"}, Symbols: map[string]bool{}},
			summary{"libgcrypt", "not-validated", []string{"libgcrypt | none"}}},
		{"no crypto", "", &elfFacts{Needed: []string{"libc.so.6"}, Symbols: map[string]bool{}}, summary{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := testJudge(t, tt.distro, map[string]map[string]*node{"NSS on RHEL with its .chk files": chk}[tt.name])
			b := j.judgeNative("/usr/bin/x", tt.f)
			var got summary
			if b != nil {
				got = summarise(*b)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWeakest(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, VerdictNoCrypto},
		{[]string{VerdictNoCrypto, VerdictValidated}, VerdictValidated},
		{[]string{VerdictValidated, VerdictUnknown}, VerdictUnknown},
		{[]string{VerdictUnknown, VerdictNotValidated, VerdictValidated}, VerdictNotValidated},
	}
	for _, tt := range tests {
		if got := Weakest(tt.in...); got != tt.want {
			t.Errorf("Weakest(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDistro(t *testing.T) {
	tests := []struct{ osRelease, want string }{
		{"NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\n", "rhel9"},
		{"ID=ubuntu\nVERSION_ID=\"22.04\"\n", "ubuntu22.04"},
		{"ID=debian\nVERSION_ID=\"12\"\n", "debian12"},
		{"ID=wolfi\nVERSION_ID=20230201\n", "chainguard"},
		{"garbage", ""},
	}
	for _, tt := range tests {
		fs := newRootfs(DefaultLimits())
		fs.nodes["/etc"] = &node{typ: typeDir}
		fs.nodes["/etc/os-release"] = &node{typ: typeSymlink, link: "../usr/lib/os-release"}
		fs.nodes["/usr"] = &node{typ: typeDir}
		fs.nodes["/usr/lib"] = &node{typ: typeDir}
		fs.nodes["/usr/lib/os-release"] = &node{typ: typeFile, text: []byte(tt.osRelease)}
		if got := fs.detectDistro(); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.osRelease, got, tt.want)
		}
	}
}
