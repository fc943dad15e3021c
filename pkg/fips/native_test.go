package fips

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
)

const libdir = "usr/lib/x86_64-linux-gnu/"

// fipsCnf activates the FIPS provider the way OpenSSL's documentation
// says: provider section, fipsmodule.cnf with activate and module-mac,
// default_properties fips=yes.
const fipsCnf = `openssl_conf = openssl_init
.include /usr/lib/ssl/fipsmodule.cnf

[openssl_init]
providers = provider_sect
alg_section = algorithm_sect

[provider_sect]
fips = fips_sect
base = base_sect

[base_sect]
activate = 1

[algorithm_sect]
default_properties = fips=yes
`

const fipsModuleCnf = `[fips_sect]
activate = 1
install-version = 1
conditional-errors = 1
security-checks = 1
module-mac = 41:9C:04:F2:B1:C4:B3:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88
install-mac = 41:9C:04:F2:B1:C4:B3:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88
install-status = INSTALL_SELF_TEST_KATS_RUN
`

func hostOpenSSLVersion(t *testing.T, lib string) string {
	t.Helper()
	b, err := os.ReadFile(lib)
	if err != nil {
		t.Fatal(err)
	}
	f, err := analyseELF(b)
	if err != nil || f.OpenSSLVersion == "" {
		t.Fatalf("no OpenSSL version in %s: %v", lib, err)
	}
	return f.OpenSSLVersion
}

// TestOpenSSLCases covers the C and OpenSSL cases of the research notes
// with a real C program linked against Debian's libcrypto, the real
// library and configuration files, and a stand-in fips.so (see
// testdata/fips/c/fipsprov.c: no validated provider can be built here).
func TestOpenSSLCases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real binaries")
	}
	lib := debianLibcrypto(t)
	libVer := hostOpenSSLVersion(t, lib)
	debianCnf, err := os.ReadFile("/etc/ssl/openssl.cnf")
	if err != nil {
		t.Skipf("no Debian openssl.cnf: %v", err)
	}
	digest := cBin(t, "digest", "digest.c", "-lcrypto")
	prov309 := cBin(t, "fipsprov-3.0.9", "-shared", "-fPIC", `-DFIPSPROV_VERSION="3.0.9"`, "fipsprov.c")
	prov322 := cBin(t, "fipsprov-3.0.22", "-shared", "-fPIC", `-DFIPSPROV_VERSION="3.0.22"`, "fipsprov.c")
	goOpenSSL := goBin(t, imagebuild.GoBuild{Dir: "goopenssl", CGO: true})
	cgoEVP := goBin(t, imagebuild.GoBuild{Dir: "cgoevp", CGO: true})

	libFiles := []imagebuild.File{{Path: libdir + "libcrypto.so.3", Source: lib, Mode: 0o644}}
	withCnf := func(cnf string) []imagebuild.File {
		return []imagebuild.File{
			{Path: "usr/lib/ssl/openssl.cnf", Symlink: "/etc/ssl/openssl.cnf"},
			{Path: "etc/ssl/openssl.cnf", Data: []byte(cnf)},
			{Path: "usr/lib/ssl/fipsmodule.cnf", Data: []byte(fipsModuleCnf)},
		}
	}
	provider := func(src string) imagebuild.File {
		return imagebuild.File{Path: libdir + "ossl-modules/fips.so", Source: src, Mode: 0o644}
	}
	join := func(parts ...[]imagebuild.File) []imagebuild.File {
		var out []imagebuild.File
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	libMod := "OpenSSL libcrypto | " + libVer + " | none"
	before := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		files   []imagebuild.File
		on      time.Time
		bin     string
		want    summary
		evident string
	}{
		{"C program, Debian OpenSSL, no provider",
			join([]imagebuild.File{{Path: "usr/bin/digest", Source: digest}}, libFiles, withCnf(string(debianCnf))), testDay, "/usr/bin/digest",
			summary{"openssl", "not-validated", []string{libMod}}, "no FIPS provider"},
		{"15 provider 3.0.9 activated, after the 140-2 sunset",
			join([]imagebuild.File{{Path: "usr/bin/digest", Source: digest}, provider(prov309)}, libFiles, withCnf(fipsCnf)), testDay, "/usr/bin/digest",
			summary{"openssl", "not-validated", []string{"OpenSSL FIPS Provider | 3.0.9 | #4282 | historical", libMod}}, "moved to the Historical list on 2026-09-21"},
		{"15 provider 3.0.9 activated, before the 140-2 sunset",
			join([]imagebuild.File{{Path: "usr/bin/digest", Source: digest}, provider(prov309)}, libFiles, withCnf(fipsCnf)), before, "/usr/bin/digest",
			summary{"openssl", "validated", []string{"OpenSSL FIPS Provider | 3.0.9 | #4282 | active", libMod}}, "activates the fips provider"},
		{"16 provider 3.0.22 is not validated",
			join([]imagebuild.File{{Path: "usr/bin/digest", Source: digest}, provider(prov322)}, libFiles, withCnf(fipsCnf)), before, "/usr/bin/digest",
			summary{"openssl", "not-validated", []string{"OpenSSL FIPS Provider | 3.0.22 | none", libMod}}, "an update stream of #4282"},
		{"17 provider present, never activated",
			join([]imagebuild.File{{Path: "usr/bin/digest", Source: digest}, provider(prov309)}, libFiles, withCnf(string(debianCnf))), before, "/usr/bin/digest",
			summary{"openssl", "not-validated", []string{"OpenSSL FIPS Provider | 3.0.9 | #4282 | active", libMod}}, "FIPS-capable only"},
		{"17 the provider module itself, not activated",
			join([]imagebuild.File{provider(prov309)}, libFiles, withCnf(string(debianCnf))), before, "/" + libdir + "ossl-modules/fips.so",
			summary{"openssl-fips-provider", "not-validated", []string{"OpenSSL FIPS Provider | 3.0.9 | #4282 | active"}}, "does not activate it"},
		{"libcrypto missing from the image",
			[]imagebuild.File{{Path: "usr/bin/digest", Source: digest}}, testDay, "/usr/bin/digest",
			summary{"openssl", "not-validated", []string{"OpenSSL libcrypto | none"}}, "DT_NEEDED libcrypto.so.3 is not in the image"},
		{"libcrypto behind relative symlinks",
			[]imagebuild.File{{Path: "usr/bin/digest", Source: digest}, {Path: "opt/ssl/lib/libcrypto.so.3.real", Source: lib}, {Path: "opt/ssl/lib/libcrypto.so.3", Symlink: "libcrypto.so.3.real"}, {Path: libdir + "libcrypto.so.3", Symlink: "../../../opt/ssl/lib/libcrypto.so.3"}}, testDay, "/usr/bin/digest",
			summary{"openssl", "not-validated", []string{libMod}}, "resolved to /opt/ssl/lib/libcrypto.so.3.real"},
		{"libcrypto in a symlink loop",
			[]imagebuild.File{{Path: "usr/bin/digest", Source: digest}, {Path: libdir + "libcrypto.so.3", Symlink: "loop-a"}, {Path: libdir + "loop-a", Symlink: "libcrypto.so.3"}}, testDay, "/usr/bin/digest",
			summary{"openssl", "not-validated", []string{"OpenSSL libcrypto | none"}}, "is not in the image"},
		{"Go calling OpenSSL directly through cgo, Debian OpenSSL",
			join([]imagebuild.File{{Path: "app", Source: cgoEVP}}, libFiles, withCnf(string(debianCnf))), testDay, "/app",
			summary{"openssl", "not-validated", []string{libMod}}, "DT_NEEDED libcrypto.so.3 resolved"},
		{"Go calling OpenSSL through cgo, activated 3.0.9 provider before the sunset",
			join([]imagebuild.File{{Path: "app", Source: cgoEVP}, provider(prov309)}, libFiles, withCnf(fipsCnf)), before, "/app",
			summary{"openssl", "validated", []string{"OpenSSL FIPS Provider | 3.0.9 | #4282 | active", libMod}}, "activates the fips provider"},
		{"11 Go OpenSSL backend, no libcrypto (distroless)",
			[]imagebuild.File{{Path: "app", Source: goOpenSSL}}, testDay, "/app",
			summary{"go-openssl", "not-validated", []string{"OpenSSL libcrypto | none"}}, "fails at start"},
		{"13 Go OpenSSL backend, Debian OpenSSL without provider",
			join([]imagebuild.File{{Path: "app", Source: goOpenSSL}}, libFiles, withCnf(string(debianCnf))), testDay, "/app",
			summary{"go-openssl", "not-validated", []string{libMod}}, "no FIPS provider"},
		{"20 a wheel's bundled libcrypto, next to a validated system OpenSSL",
			join([]imagebuild.File{{Path: "usr/bin/digest", Source: digest}, provider(prov309), {Path: "usr/lib/python3/site-packages/cryptography.libs/libcrypto-8a1f3c2d.so.3", Source: lib, Mode: 0o644}}, libFiles, withCnf(fipsCnf)), before,
			"/usr/lib/python3/site-packages/cryptography.libs/libcrypto-8a1f3c2d.so.3",
			summary{"openssl-static", "not-validated", []string{"OpenSSL (bundled) | " + libVer + " | none"}}, "bundled with a package"},
		{"20 the system OpenSSL in the same image",
			join([]imagebuild.File{{Path: "usr/bin/digest", Source: digest}, provider(prov309), {Path: "usr/lib/python3/site-packages/cryptography.libs/libcrypto-8a1f3c2d.so.3", Source: lib, Mode: 0o644}}, libFiles, withCnf(fipsCnf)), before,
			"/usr/bin/digest",
			summary{"openssl", "validated", []string{"OpenSSL FIPS Provider | 3.0.9 | #4282 | active", libMod}}, "activates the fips provider"},
		{"12 Go OpenSSL backend with an activated 3.0.9 provider before the sunset",
			join([]imagebuild.File{{Path: "app", Source: goOpenSSL}, provider(prov309)}, libFiles, withCnf(fipsCnf)), before, "/app",
			summary{"go-openssl", "validated", []string{"OpenSSL FIPS Provider | 3.0.9 | #4282 | active", libMod}}, "dlopen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im := inspectOne(t, layoutOf(t, nil, tt.files...), WithTime(tt.on))
			b := binaryAt(t, im, tt.bin)
			if diff := cmp.Diff(tt.want, summarise(b)); diff != "" {
				t.Errorf("(-want +got):\n%s\nevidence: %q", diff, b.Evidence)
			}
			if !hasEvidence(b, tt.evident) {
				t.Errorf("no evidence mentions %q: %q", tt.evident, b.Evidence)
			}
		})
	}
}

// TestStaticOpenSSL is case 18: OpenSSL linked statically (Debian's
// libcrypto.a) into a static executable.
func TestStaticOpenSSL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real binaries")
	}
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/libcrypto.a"); err != nil {
		t.Skip("no libcrypto.a (libssl-dev) for this architecture")
	}
	bin := cBin(t, "digest-static", "-static", "digest.c", "-lcrypto", "-lpthread", "-ldl")
	im := inspectOne(t, layoutOf(t, nil, imagebuild.File{Path: "usr/bin/digest", Source: bin}))
	b := binaryAt(t, im, "/usr/bin/digest")
	if b.Backend != BackendOpenSSLStatic || b.Verdict != VerdictNotValidated {
		t.Errorf("got %s %s, want openssl-static not-validated: %q", b.Backend, b.Verdict, b.Evidence)
	}
	if !hasEvidence(b, "ErrNotDynLinked") {
		t.Errorf("static executable not flagged: %q", b.Evidence)
	}
}

func jar(t *testing.T, manifest string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("META-INF/MANIFEST.MF")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(manifest))
	w, _ = zw.Create("org/bouncycastle/Placeholder.class")
	w.Write([]byte{0xca, 0xfe, 0xba, 0xbe})
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestJava is case 21: bc-fips registered first in java.security.
func TestJava(t *testing.T) {
	bcfips := func(v string) []byte {
		return jar(t, "Manifest-Version: 1.0\r\nBundle-SymbolicName: bc-fips\r\nBundle-Version: "+v+"\r\n\r\n")
	}
	first := "security.provider.1=org.bouncycastle.jcajce.provider.BouncyCastleFipsProvider C:DEFRND[SHA256];ENABLE{ALL};\nsecurity.provider.2=SUN\n"
	third := "security.provider.1=SUN\nsecurity.provider.2=SunRsaSign\nsecurity.provider.3=org.bouncycastle.jcajce.provider.BouncyCastleFipsProvider\n"
	sec := "usr/lib/jvm/java-17/conf/security/java.security"
	tests := []struct {
		name  string
		files []imagebuild.File
		jar   string
		want  summary
	}{
		{"bc-fips 2.0.0 registered first", []imagebuild.File{{Path: "app/lib/bc-fips-2.0.0.jar", Data: bcfips("2.0.0")}, {Path: sec, Data: []byte(first)}}, "/app/lib/bc-fips-2.0.0.jar",
			summary{"bc-fips", "validated", []string{"BC-FJA (Bouncy Castle FIPS Java API) | 2.0.0 | #4743 | active"}}},
		{"bc-fips 2.0.0 registered third", []imagebuild.File{{Path: "app/lib/bc-fips-2.0.0.jar", Data: bcfips("2.0.0")}, {Path: sec, Data: []byte(third)}}, "/app/lib/bc-fips-2.0.0.jar",
			summary{"bc-fips", "not-validated", []string{"BC-FJA (Bouncy Castle FIPS Java API) | 2.0.0 | #4743 | active"}}},
		{"bc-fips 2.0.0 not registered", []imagebuild.File{{Path: "app/lib/bc-fips-2.0.0.jar", Data: bcfips("2.0.0")}}, "/app/lib/bc-fips-2.0.0.jar",
			summary{"bc-fips", "not-validated", []string{"BC-FJA (Bouncy Castle FIPS Java API) | 2.0.0 | #4743 | active"}}},
		{"bc-fips 1.0.2.4 is historical", []imagebuild.File{{Path: "app/lib/bc-fips-1.0.2.4.jar", Data: bcfips("1.0.2.4")}, {Path: sec, Data: []byte(first)}}, "/app/lib/bc-fips-1.0.2.4.jar",
			summary{"bc-fips", "not-validated", []string{"BC-FJA (Bouncy Castle FIPS Java API) | 1.0.2.4 | #4616 | historical"}}},
		{"plain bcprov", []imagebuild.File{{Path: "app/lib/bcprov-jdk18on-1.78.jar", Data: jar(t, "Manifest-Version: 1.0\nBundle-SymbolicName: bcprov\nBundle-Version: 1.78\n")}}, "/app/lib/bcprov-jdk18on-1.78.jar",
			summary{"bouncycastle", "not-validated", []string{"Bouncy Castle (bcprov) | 1.78 | none"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im := inspectOne(t, layoutOf(t, nil, tt.files...))
			b := binaryAt(t, im, tt.jar)
			if diff := cmp.Diff(tt.want, summarise(b)); diff != "" {
				t.Errorf("(-want +got):\n%s\nevidence: %q", diff, b.Evidence)
			}
			if b.Format != "jar" || b.Language != "java" {
				t.Errorf("format %s language %s", b.Format, b.Language)
			}
		})
	}
}

// TestRHELProvider is case 12 with a C program: a RHEL 9 image whose
// OpenSSL FIPS provider (stand-in, version 3.0.7) loads only on a
// FIPS-mode node.
func TestRHELProvider(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real binaries")
	}
	lib := debianLibcrypto(t)
	digest := cBin(t, "digest", "digest.c", "-lcrypto")
	prov := cBin(t, "fipsprov-3.0.7", "-shared", "-fPIC", `-DFIPSPROV_VERSION="3.0.7"`, "fipsprov.c")
	rhelCnf := "openssl_conf = openssl_init\n.include = /etc/crypto-policies/back-ends/opensslcnf.config\n[openssl_init]\nproviders = provider_sect\n[provider_sect]\ndefault = default_sect\n[default_sect]\nactivate = 1\n"
	ref := layoutOf(t, nil,
		imagebuild.File{Path: "etc/os-release", Data: []byte("NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\n")},
		imagebuild.File{Path: "etc/pki/tls/openssl.cnf", Data: []byte(rhelCnf)},
		imagebuild.File{Path: "usr/lib64/libcrypto.so.3", Source: lib, Mode: 0o644},
		imagebuild.File{Path: "usr/lib64/ossl-modules/fips.so", Source: prov, Mode: 0o644},
		imagebuild.File{Path: "usr/bin/digest", Source: digest},
	)
	for _, tt := range []struct {
		hostFIPS bool
		verdict  string
	}{{false, "unknown"}, {true, "validated"}} {
		im := inspectOne(t, ref, WithHostFIPS(tt.hostFIPS))
		b := binaryAt(t, im, "/usr/bin/digest")
		got := summarise(b)
		if got.Verdict != tt.verdict || len(got.Modules) == 0 || got.Modules[0] != "Red Hat Enterprise Linux 9 - OpenSSL FIPS Provider | 3.0.7 | #4857 | active" || im.Distro != "rhel9" {
			t.Errorf("host FIPS %v: %+v on %s, evidence %q", tt.hostFIPS, got, im.Distro, b.Evidence)
		}
	}
}

// TestNode is case 19 with the machine's own Node.js, when it has one:
// official builds bundle OpenSSL statically, distribution builds link the
// system's. Neither is validated here.
func TestNode(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a large binary")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on this machine")
	}
	node, _ = filepath.EvalSymlinks(node)
	im := inspectOne(t, layoutOf(t, nil, imagebuild.File{Path: "usr/local/bin/node", Source: node}))
	b := binaryAt(t, im, "/usr/local/bin/node")
	if b.Verdict != VerdictNotValidated || (b.Backend != BackendOpenSSLStatic && b.Backend != BackendOpenSSL) {
		t.Errorf("node: %+v", summarise(b))
	}
}

// TestPclntabGone zeroes the pclntab of a real GOFIPS140=v1.0.0 binary:
// names come only from a byte search, which never yields "validated".
func TestPclntabGone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real binaries")
	}
	bin := goBin(t, imagebuild.GoBuild{Dir: "crypto", GOFIPS140: "v1.0.0", LDFlags: "-s -w"})
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Section(".gopclntab")
	if s == nil {
		t.Fatal("no .gopclntab")
	}
	clear(data[s.Offset : s.Offset+s.Size])
	im := inspectOne(t, layoutOf(t, nil, imagebuild.File{Path: "app", Data: data, Mode: 0o755}))
	b := binaryAt(t, im, "/app")
	if b.Verdict != VerdictUnknown || !hasEvidence(b, "byte search") {
		t.Errorf("%+v %q", summarise(b), b.Evidence)
	}
}

// TestJDK is case 22: a Java runtime's providers decide. The runtime's
// bin/java here is a real ELF executable standing in for the JDK's; the
// inspector reads only its place and the JDK's java.security.
func TestJDK(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real binaries")
	}
	java := cBin(t, "digest", "digest.c", "-lcrypto")
	home := "usr/lib/jvm/java-17-openjdk/"
	rhel := []imagebuild.File{{Path: "etc/os-release", Data: []byte("ID=\"rhel\"\nVERSION_ID=\"9.4\"\n")}}
	debian := []imagebuild.File{{Path: "etc/os-release", Data: []byte("ID=debian\nVERSION_ID=12\n")}}
	jdk := func(security string) []imagebuild.File {
		return []imagebuild.File{{Path: home + "bin/java", Source: java}, {Path: home + "conf/security/java.security", Data: []byte(security)}}
	}
	stock := "security.provider.1=SUN\nsecurity.provider.2=SunRsaSign\nsecurity.provider.3=SunEC\nsecurity.provider.4=SunJSSE\nsecurity.provider.5=SunJCE\n"
	rhelFIPS := stock + "security.useSystemPropertiesFile=true\nfips.provider.1=SunPKCS11 ${java.home}/conf/security/nss.fips.cfg\nfips.provider.2=SUN\n"
	bcFirst := "security.provider.1=org.bouncycastle.jcajce.provider.BouncyCastleFipsProvider\nsecurity.provider.2=SUN\n"
	bcJar := imagebuild.File{Path: "app/lib/bc-fips-2.0.0.jar", Data: jar(t, "Manifest-Version: 1.0\nBundle-SymbolicName: bc-fips\nBundle-Version: 2.0.0\n")}
	tests := []struct {
		name     string
		files    []imagebuild.File
		hostFIPS bool
		want     string
	}{
		{"stock JDK: SunJCE", append(debian, jdk(stock)...), false, "java-sunjce not-validated"},
		{"RHEL OpenJDK on a non-FIPS node", append(rhel, jdk(rhelFIPS)...), false, "java-sunpkcs11-nss not-validated"},
		{"RHEL OpenJDK on a FIPS node", append(rhel, jdk(rhelFIPS)...), true, "java-sunpkcs11-nss unknown"},
		{"bc-fips first", append(append(debian, bcJar), jdk(bcFirst)...), false, "bc-fips validated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := binaryAt(t, inspectOne(t, layoutOf(t, nil, tt.files...), WithHostFIPS(tt.hostFIPS)), "/"+home+"bin/java")
			if got := b.Backend + " " + b.Verdict; got != tt.want {
				t.Errorf("got %s, want %s: %q", got, tt.want, b.Evidence)
			}
		})
	}
}
