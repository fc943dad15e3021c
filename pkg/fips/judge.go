package fips

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// Verdicts, weakest first.
const (
	VerdictNotValidated = "not-validated"
	VerdictUnknown      = "unknown"
	VerdictValidated    = "validated"
	VerdictNoCrypto     = "no-crypto"
)

// Backends.
const (
	BackendGoStd         = "go-std"
	BackendGoFIPS140     = "go-fips140"
	BackendBoringCrypto  = "boringcrypto"
	BackendGoOpenSSL     = "go-openssl" // Microsoft Go systemcrypto, Red Hat golang-fips, go-crypto-openssl: dlopen at run time
	BackendOpenSSL       = "openssl"
	BackendOpenSSLStatic = "openssl-static"
	BackendFIPSProvider  = "openssl-fips-provider"
	BackendBoringSSL     = "boringssl"
	BackendAWSLC         = "aws-lc"
	BackendWolfSSL       = "wolfssl"
	BackendGnuTLS        = "gnutls"
	BackendNSS           = "nss"
	BackendLibgcrypt     = "libgcrypt"
	BackendBCFIPS        = "bc-fips"
	BackendBouncyCastle  = "bouncycastle"
	BackendNone          = "none"
	BackendUnknown       = "unknown"
	statusNone           = "none"
)

var verdictRank = map[string]int{VerdictNotValidated: 0, VerdictUnknown: 1, VerdictValidated: 2, VerdictNoCrypto: 3}

// Weakest returns the weakest verdict: not-validated, then unknown, then
// validated; no-crypto only when nothing uses crypto.
func Weakest(verdicts ...string) string {
	out := VerdictNoCrypto
	for _, v := range verdicts {
		if r, ok := verdictRank[v]; ok && r < verdictRank[out] {
			out = v
		}
	}
	return out
}

// judge holds what the verdicts of one image depend on.
type judge struct {
	fs       *rootfs
	cat      *cryptoref.CMVPCatalog
	now      time.Time
	env      map[string]string // image config env, then the pod's
	envFrom  map[string]string // where each env entry came from
	distro   string
	hostFIPS bool
	ossl     *opensslSetup
}

func (j *judge) module(kind, name, version, distro string) evidence.Module {
	m := evidence.Module{Name: name, Version: version, Status: statusNone}
	rows := j.cat.Lookup(kind, version, distro, j.now)
	if len(rows) == 0 && distro != "" {
		rows = j.cat.Lookup(kind, version, "", j.now)
	}
	if len(rows) > 0 {
		r := rows[0]
		m.Name, m.CMVPCertificate, m.Standard, m.Status = r.Name, r.Certificate, r.Standard, j.cat.StatusAt(r, j.now)
		if m.CMVPCertificate != "" {
			m.CMVPCertificate = "#" + m.CMVPCertificate
		}
	}
	return m
}

// moduleVerdict turns a catalogued module's status into a verdict and a
// sentence of evidence.
func (j *judge) moduleVerdict(m evidence.Module) (string, string) {
	switch m.Status {
	case cryptoref.CMVPActive:
		return VerdictValidated, fmt.Sprintf("%s %s: CMVP certificate %s (FIPS %s) is active on %s", m.Name, m.Version, m.CMVPCertificate, m.Standard, j.now.Format(time.DateOnly))
	case cryptoref.CMVPHistorical:
		why := ""
		if m.Standard == "140-2" {
			why = fmt.Sprintf(" (every FIPS 140-2 certificate moved to the Historical list on %s)", j.cat.Sunset.Date)
		}
		return VerdictNotValidated, fmt.Sprintf("%s %s: CMVP certificate %s is historical on %s%s; keep it only as a documented update stream with a POA&M", m.Name, m.Version, m.CMVPCertificate, j.now.Format(time.DateOnly), why)
	case cryptoref.CMVPRevoked:
		return VerdictNotValidated, fmt.Sprintf("%s %s: CMVP certificate %s is revoked", m.Name, m.Version, m.CMVPCertificate)
	case cryptoref.CMVPInProcess:
		return VerdictNotValidated, fmt.Sprintf("%s %s is on the CMVP Modules-In-Process list, not validated", m.Name, m.Version)
	}
	ev := fmt.Sprintf("%s %s holds no CMVP certificate in catalog %s", m.Name, m.Version, j.cat.Version)
	if certs := j.streamOf(m); len(certs) > 0 {
		ev += fmt.Sprintf("; it is an update stream of %s (same major.minor line): FedRAMP accepts that only when every version is in SSP Appendix Q, monitored, and covered by a POA&M", strings.Join(certs, ", "))
	}
	return VerdictNotValidated, ev
}

// streamOf lists the certificates of the same module whose versions share
// the module's major.minor line ("3.0.22" -> the 3.0.x certificates).
func (j *judge) streamOf(m evidence.Module) []string {
	parts := strings.SplitN(strings.TrimPrefix(m.Version, "v"), ".", 3)
	if len(parts) < 3 {
		return nil
	}
	line := parts[0] + "." + parts[1] + "."
	var out []string
	for _, r := range j.cat.Modules {
		if r.Name != m.Name || r.Certificate == "" {
			continue
		}
		for _, v := range r.Versions {
			if strings.HasPrefix(strings.TrimPrefix(v, "v"), line) {
				out = append(out, "#"+r.Certificate)
				break
			}
		}
	}
	return out
}

// godebugFIPS is the fips140 GODEBUG setting the binary runs with, and
// where it comes from.
func (j *judge) godebugFIPS(g *goFacts) (string, string) {
	val, from := "off", "the default"
	for _, kv := range strings.Split(g.Settings["DefaultGODEBUG"], ",") {
		if v, ok := strings.CutPrefix(kv, "fips140="); ok {
			val, from = v, "the binary's DefaultGODEBUG"
		}
	}
	if gd, ok := j.env["GODEBUG"]; ok {
		for _, kv := range strings.Split(gd, ",") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "fips140="); ok {
				val, from = v, j.envFrom["GODEBUG"]+" GODEBUG"
			}
		}
	}
	return val, from
}

func hasTag(g *goFacts, tag string) bool {
	for _, t := range strings.Split(g.Settings["-tags"], ",") {
		if t == tag {
			return true
		}
	}
	return false
}

func goExperiment(g *goFacts, exp string) bool {
	for _, e := range strings.Split(g.Settings["GOEXPERIMENT"], ",") {
		if e == exp {
			return true
		}
	}
	return strings.Contains(g.Version, "X:"+exp) || strings.Contains(g.Version, "X:"+exp+",") || strings.Contains(g.Version, ","+exp)
}

// boringModuleVersion is the BoringCrypto module a Go release links: the
// syso in src/crypto/internal/boring.
func boringModuleVersion(goVersion string) string {
	minor := goMinor(goVersion)
	switch {
	case minor >= 24:
		return "fips-20220613"
	case minor >= 19:
		return "fips-20210429"
	case minor > 0:
		return "fips-20190808"
	}
	return ""
}

func goMinor(v string) int {
	v = strings.TrimPrefix(v, "go")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0
	}
	n := 0
	for _, r := range parts[1] {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	if parts[0] != "1" {
		return 0
	}
	return n
}

func buildLine(g *goFacts) string {
	var kv []string
	for _, k := range []string{"GOFIPS140", "DefaultGODEBUG", "CGO_ENABLED", "GOEXPERIMENT", "-tags", "GOARCH", "microsoft_systemcrypto"} {
		if v, ok := g.Settings[k]; ok {
			kv = append(kv, k+"="+v)
		}
	}
	if len(kv) == 0 {
		return fmt.Sprintf("build info: %s, no crypto-relevant settings", orDefault(g.Version, "no Go version"))
	}
	return fmt.Sprintf("build info: %s %s", orDefault(g.Version, "no Go version"), strings.Join(kv, " "))
}

// judgeGo decides a Go binary's backend, modules and verdict.
func (j *judge) judgeGo(b *evidence.Binary, f *elfFacts) {
	g := f.Go
	n := g.Names
	b.Language, b.GoVersion = "go", g.Version
	b.Evidence = append(b.Evidence, buildLine(g))
	switch g.NamesFrom {
	case "pclntab":
		b.Evidence = append(b.Evidence, fmt.Sprintf("pclntab: %d functions, %d in crypto packages", n.Total, n.Crypto))
	case "bytes":
		b.Evidence = append(b.Evidence, "no readable pclntab; function names recovered by a byte search")
	default:
		b.Backend, b.Verdict = BackendUnknown, VerdictUnknown
		b.Evidence = append(b.Evidence, "no function names (no pclntab: packed or obfuscated); the linked crypto cannot be told")
		return
	}
	fips, fipsFrom := j.godebugFIPS(g)
	gofips := orDefault(g.Settings["GOFIPS140"], "off")
	openSSLBuild := g.Settings["microsoft_systemcrypto"] == "1" || goExperiment(g, "systemcrypto") ||
		goExperiment(g, "strictfipsruntime") || hasTag(g, "strictfipsruntime") || hasTag(g, "requirefips")
	dlopenOpenSSL := n.GolangFIPS || n.MSOpenSSL || n.GolangFIPSDL
	var verdicts []string
	add := func(m evidence.Module, v string, ev ...string) {
		b.Modules = append(b.Modules, m)
		verdicts = append(verdicts, v)
		b.Evidence = append(b.Evidence, ev...)
	}
	switch {
	case dlopenOpenSSL:
		b.Backend = BackendGoOpenSSL
		b.Evidence = append(b.Evidence, "links a Go OpenSSL backend (golang-fips/openssl or go-crypto-openssl) that loads libcrypto with dlopen at run time")
		if hasTag(g, "no_openssl") {
			b.Evidence = append(b.Evidence, "built with -tags no_openssl (ErrGoInvalidTag)")
		}
		lib, ln := j.findDlopenLibcrypto()
		if ln == nil {
			add(evidence.Module{Name: "OpenSSL libcrypto", Version: "", Status: statusNone}, VerdictNotValidated,
				"no libcrypto the backend could dlopen is in the image: the crypto module is missing and the binary fails at start")
			break
		}
		for i, m := range j.opensslModules(lib, ln) {
			add(m.module, m.verdict, m.evidence...)
			_ = i
		}
	case openSSLBuild:
		b.Backend = BackendGoStd
		why := "CGO_ENABLED=" + orDefault(g.Settings["CGO_ENABLED"], "?")
		if hasTag(g, "no_openssl") {
			why = "-tags no_openssl (ErrGoInvalidTag)"
		}
		add(evidence.Module{Name: "Go standard library crypto", Version: g.Version, Status: statusNone}, VerdictNotValidated,
			"built for an OpenSSL backend (systemcrypto / strictfipsruntime) but none is linked ("+why+"): standard Go crypto runs (ErrGoNotCgoEnabled)")
	case n.BoringSig || n.BoringCgo > 0:
		b.Backend = BackendBoringCrypto
		ver := boringModuleVersion(g.Version)
		m := j.module(cryptoref.KindBoringCrypto, "BoringCrypto", ver, "")
		v, ev := j.moduleVerdict(m)
		extra := []string{fmt.Sprintf("sig.BoringCrypto linked, %d _goboringcrypto_ cgo wrappers; %s links BoringCrypto %s", n.BoringCgo, g.Version, ver)}
		if n.FIPSOnlySig {
			extra = append(extra, "crypto/tls/fipsonly is imported: TLS is restricted to FIPS settings")
		}
		if fips != "off" && fipsFrom != "the binary's DefaultGODEBUG" && fipsFrom != "the default" {
			v = VerdictNotValidated
			extra = append(extra, fmt.Sprintf("fips140=%s from %s: a boringcrypto binary panics at start (FIPS 140-3 mode is incompatible with GOEXPERIMENT=boringcrypto)", fips, fipsFrom))
		}
		add(m, v, append(extra, ev)...)
	case versionedFIPS(n) != "":
		b.Backend = BackendGoFIPS140
		key := versionedFIPS(n)
		modVer, _, _ := strings.Cut(key, "-")
		m := j.module(cryptoref.KindGoFIPS140, "Go Cryptographic Module", modVer, "")
		m.Version = key
		v, ev := j.moduleVerdict(m)
		extra := []string{fmt.Sprintf("GOFIPS140=%s; %d functions of crypto/internal/fips140/%s linked, %d of them approved-algorithm packages", gofips, n.FIPS140[key], key, n.FIPS140Algos[key])}
		switch {
		case n.API == 0 && len(n.Outside) > 0:
			v = VerdictNotValidated
			extra = append(extra, "its only crypto is outside the module boundary: "+strings.Join(sortedKeys(n.Outside), ", "))
		case n.FIPS140Algos[key] == 0:
			v = VerdictNotValidated
			extra = append(extra, "no approved algorithm of the module is linked")
		case fips == "off":
			v = VerdictNotValidated
			extra = append(extra, fmt.Sprintf("fips140=off from %s: the module never enters its approved mode", fipsFrom))
		case fips != "on" && fips != "only" && fips != "debug" && goMinor(g.Version) < 27:
			v = VerdictNotValidated
			extra = append(extra, fmt.Sprintf("fips140=%s from %s is not a setting %s knows: the binary panics at start", fips, fipsFrom, g.Version))
		default:
			extra = append(extra, fmt.Sprintf("fips140=%s from %s", fips, fipsFrom))
		}
		if len(n.Outside) > 0 && n.API > 0 {
			extra = append(extra, "also links crypto outside the module boundary: "+strings.Join(sortedKeys(n.Outside), ", "))
		}
		add(m, v, append(extra, ev)...)
	case n.Crypto > 0:
		if strings.Contains(g.Version, "X:boringcrypto") || goExperiment(g, "boringcrypto") {
			b.Evidence = append(b.Evidence, "built with GOEXPERIMENT=boringcrypto but BoringCrypto is not linked (sig.StandardCrypto; cgo was off or the build cross-compiled): standard Go crypto runs")
		}
		if gofips == "latest" || n.FIPS140Algos[""] > 0 && gofips != "off" {
			b.Backend = BackendGoFIPS140
			m := evidence.Module{Name: "Go Cryptographic Module", Version: "latest (" + g.Version + ")", Status: statusNone}
			add(m, VerdictNotValidated, fmt.Sprintf("GOFIPS140=%s, fips140=%s from %s: FIPS 140-3 mode without a frozen, validated module version; at best a documented update stream", gofips, fips, fipsFrom))
			break
		}
		b.Backend = BackendGoStd
		name, ver := "Go standard library crypto", g.Version
		if len(n.Outside) > 0 && n.API == 0 {
			name, ver = "crypto outside any FIPS module", strings.Join(sortedKeys(n.Outside), ", ")
		}
		add(evidence.Module{Name: name, Version: ver, Status: statusNone}, VerdictNotValidated,
			fmt.Sprintf("GOFIPS140=%s: standard Go crypto (not a validated module)", gofips))
	default:
		b.Backend = BackendNone
		if gofips != "off" {
			b.Evidence = append(b.Evidence, fmt.Sprintf("GOFIPS140=%s is set but no crypto is linked: no module to validate, no certificate claimed", gofips))
		} else {
			b.Evidence = append(b.Evidence, "no crypto package is linked")
		}
	}
	// direct cgo OpenSSL next to the Go backend
	if n.CgoEVP || len(f.Needed) > 0 && hasLibcrypto(f.Needed) {
		if b.Backend == BackendNone {
			b.Backend = BackendOpenSSL
		}
		for _, m := range j.neededOpenSSL(b.Path, f) {
			add(m.module, m.verdict, m.evidence...)
		}
	}
	b.Verdict = Weakest(verdicts...)
	if g.NamesFrom == "bytes" {
		b.Evidence = append(b.Evidence, fmt.Sprintf("tentatively %s, %s; but the linked functions were recovered by a byte search only, which proves neither", b.Backend, b.Verdict))
		b.Verdict = VerdictUnknown
	}
}

func versionedFIPS(n goNames) string {
	best := ""
	for k, c := range n.FIPS140 {
		if k != "" && c > 0 && (best == "" || c > n.FIPS140[best]) {
			best = k
		}
	}
	return best
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func hasLibcrypto(needed []string) bool {
	for _, n := range needed {
		if strings.HasPrefix(n, "libcrypto.so") || strings.HasPrefix(n, "libssl.so") {
			return true
		}
	}
	return false
}

type judged struct {
	module   evidence.Module
	verdict  string
	evidence []string
}

// neededOpenSSL judges the OpenSSL a dynamically linked file loads.
func (j *judge) neededOpenSSL(from string, f *elfFacts) []judged {
	for _, lib := range f.Needed {
		if !strings.HasPrefix(lib, "libcrypto.so") && !strings.HasPrefix(lib, "libssl.so") {
			continue
		}
		want := lib
		if strings.HasPrefix(lib, "libssl.so") {
			want = "libcrypto" + strings.TrimPrefix(lib, "libssl")
		}
		p, n := j.fs.findLibrary(want, from, f.RunPath)
		if n == nil {
			p, n = j.fs.findLibrary(lib, from, f.RunPath)
		}
		if n == nil {
			return []judged{{evidence.Module{Name: "OpenSSL libcrypto", Status: statusNone}, VerdictNotValidated,
				[]string{fmt.Sprintf("DT_NEEDED %s is not in the image: the crypto module is missing", lib)}}}
		}
		out := j.opensslModules(p, n)
		out[0].evidence = append([]string{fmt.Sprintf("DT_NEEDED %s resolved to %s", lib, p)}, out[0].evidence...)
		return out
	}
	return nil
}

func (j *judge) findDlopenLibcrypto() (string, *node) {
	for _, name := range dlopenLibcrypto {
		if p, n := j.fs.findLibrary(name, "/", nil); n != nil {
			return p, n
		}
	}
	return "", nil
}

// opensslModules judges an OpenSSL libcrypto found in the image: with
// OpenSSL 3 the provider decides; with 1.x a distribution's FIPS build.
func (j *judge) opensslModules(libPath string, lib *node) []judged {
	ver := ""
	if lib.elf != nil {
		ver = lib.elf.OpenSSLVersion
	}
	libMod := evidence.Module{Name: "OpenSSL libcrypto", Version: ver, Status: statusNone}
	if ver == "" {
		return []judged{{libMod, VerdictUnknown, []string{fmt.Sprintf("%s carries no OpenSSL version text", libPath)}}}
	}
	if strings.HasPrefix(ver, "1.") {
		if j.distro == "rhel8" && lib.elf.Symbols["FIPS_mode"] {
			m := j.module(cryptoref.KindOpenSSL, "OpenSSL", "1.1.1", "rhel8")
			v, ev := j.moduleVerdict(m)
			return []judged{{m, v, []string{fmt.Sprintf("%s is RHEL 8 OpenSSL %s with FIPS_mode", libPath, ver), ev}}}
		}
		return []judged{{libMod, VerdictNotValidated, []string{fmt.Sprintf("%s is OpenSSL %s: no validated module of this build", libPath, ver)}}}
	}
	s := j.ossl
	if s.ProviderPath == "" {
		return []judged{{libMod, VerdictNotValidated, []string{fmt.Sprintf("%s is OpenSSL %s and the image has no FIPS provider (no ossl-modules/fips.so)", libPath, ver)}}}
	}
	pm := j.module(cryptoref.KindOpenSSLFIPSProvider, "OpenSSL FIPS Provider", s.ProviderVersion, j.distro)
	pm.Version = orDefault(s.ProviderVersion, "unknown")
	v, ev := j.moduleVerdict(pm)
	evs := []string{fmt.Sprintf("%s is OpenSSL %s; FIPS provider %s version %s (the provider's version is what a certificate names, not libcrypto's)", libPath, ver, s.ProviderPath, pm.Version)}
	active := s.Activated && s.FIPSProperties
	switch {
	case strings.HasPrefix(j.distro, "rhel") && j.hostFIPS:
		evs = append(evs, "RHEL loads its FIPS provider when the node runs in FIPS mode (fips_enabled=1, as stated)")
	case strings.HasPrefix(j.distro, "rhel") && !s.Activated:
		evs = append(evs, "RHEL activates its FIPS provider only on a FIPS-mode node, which the image does not show: FIPS-capable")
		if v == VerdictValidated {
			v = VerdictUnknown
		}
	case !active:
		var miss []string
		if !s.Activated {
			miss = append(miss, "no provider section with activate = 1 for the fips provider")
		}
		if !s.FIPSProperties {
			miss = append(miss, "no default_properties = fips=yes")
		}
		evs = append(evs, fmt.Sprintf("%s does not put OpenSSL in FIPS mode (%s): FIPS-capable only", orDefault(s.ConfigPath, "the configuration"), strings.Join(miss, "; ")))
		v = VerdictNotValidated
	default:
		evs = append(evs, fmt.Sprintf("%s activates the fips provider and sets default_properties = fips=yes", s.ConfigPath))
		if !s.ModuleMAC {
			evs = append(evs, "its fips section has no module-mac: the provider's self test fails at load")
			v = VerdictNotValidated
		}
	}
	evs = append(evs, ev)
	evs = append(evs, s.Notes...)
	return []judged{{pm, v, evs}, {libMod, v, nil}}
}

// judgeNative decides a non-Go ELF file; nil when it has no crypto.
func (j *judge) judgeNative(p string, f *elfFacts) *evidence.Binary {
	b := &evidence.Binary{Path: p, Format: "elf", Language: "c"}
	base := path.Base(p)
	var verdicts []string
	add := func(m evidence.Module, v string, ev ...string) {
		b.Modules = append(b.Modules, m)
		verdicts = append(verdicts, v)
		b.Evidence = append(b.Evidence, ev...)
	}
	needed := func(prefix string) bool {
		for _, n := range f.Needed {
			if strings.HasPrefix(n, prefix) {
				return true
			}
		}
		return false
	}
	switch {
	case strings.HasSuffix(p, "/ossl-modules/fips.so") || f.FIPSProvider && f.Symbols["OSSL_provider_init"]:
		b.Backend = BackendFIPSProvider
		m := j.module(cryptoref.KindOpenSSLFIPSProvider, "OpenSSL FIPS Provider", f.ProviderVersion, j.distro)
		m.Version = orDefault(f.ProviderVersion, "unknown")
		v, ev := j.moduleVerdict(m)
		if !(j.ossl.Activated && j.ossl.FIPSProperties) && !(strings.HasPrefix(j.distro, "rhel") && j.hostFIPS) {
			v = VerdictNotValidated
			ev += "; the image's configuration does not activate it (FIPS-capable only)"
		}
		add(m, v, ev)
	case f.OpenSSLVersion != "" && (strings.HasPrefix(base, "libcrypto") || strings.HasPrefix(f.SOName, "libcrypto")) && bundledCopy(p):
		b.Backend = BackendOpenSSLStatic
		add(evidence.Module{Name: "OpenSSL (bundled)", Version: f.OpenSSLVersion, Status: statusNone}, VerdictNotValidated,
			fmt.Sprintf("%s is a copy of OpenSSL %s bundled with a package (Python wheel, Node module): it loads its own configuration and modules, not the image's validated ones", p, f.OpenSSLVersion))
	case f.OpenSSLVersion != "" && (strings.HasPrefix(base, "libcrypto") || strings.HasPrefix(f.SOName, "libcrypto")):
		b.Backend = BackendOpenSSL
		for _, m := range j.opensslModules(p, j.fs.nodes[p]) {
			add(m.module, m.verdict, m.evidence...)
		}
	case hasLibcrypto(f.Needed):
		b.Backend = BackendOpenSSL
		for _, m := range j.neededOpenSSL(p, f) {
			add(m.module, m.verdict, m.evidence...)
		}
	case f.OpenSSLVersion != "":
		b.Backend = BackendOpenSSLStatic
		ev := fmt.Sprintf("OpenSSL %s is linked statically (%q)", f.OpenSSLVersion, f.OpenSSLText)
		if f.Interp == "" && f.Exec {
			ev += "; the executable is not dynamically linked (ErrNotDynLinked)"
		}
		add(evidence.Module{Name: "OpenSSL (bundled)", Version: f.OpenSSLVersion, Status: statusNone}, VerdictNotValidated,
			ev, "a bundled OpenSSL is not the image's validated module, whatever the system OpenSSL is")
	case f.AWSLC != "":
		b.Backend = BackendAWSLC
		if rest, ok := strings.CutPrefix(f.AWSLC, "AWS-LC FIPS "); ok {
			parts := strings.SplitN(rest, ".", 3)
			m := j.module(cryptoref.KindAWSLC, "AWS-LC Cryptographic Module", parts[0]+"."+parts[1], "")
			m.Version = rest
			v, ev := j.moduleVerdict(m)
			add(m, v, "AWS-LC FIPS build: "+f.AWSLC, ev)
		} else {
			add(evidence.Module{Name: "AWS-LC", Status: statusNone}, VerdictNotValidated, "AWS-LC without FIPS in its version string: not a FIPS build")
		}
	case f.BoringSSL || f.Symbols["BORINGSSL_self_test"]:
		b.Backend = BackendBoringSSL
		if f.Symbols["BORINGSSL_self_test"] || f.Symbols["FIPS_mode"] {
			add(evidence.Module{Name: "BoringSSL (FIPS build)", Status: statusNone}, VerdictUnknown,
				"BoringSSL FIPS build (BORINGSSL_self_test): its certificate depends on who built it (e.g. Tetrate #5010); name the certificate with a waiver")
		} else {
			add(evidence.Module{Name: "BoringSSL", Status: statusNone}, VerdictNotValidated, "BoringSSL without its FIPS self test: not a FIPS build")
		}
	case f.WolfSSL || needed("libwolfssl.so"):
		b.Backend = BackendWolfSSL
		if f.Symbols["wolfCrypt_GetStatus_fips"] {
			add(evidence.Module{Name: "wolfCrypt (FIPS build)", Status: statusNone}, VerdictUnknown, "wolfCrypt FIPS build: match its version to #4718/#5041 by hand")
		} else {
			add(evidence.Module{Name: "wolfSSL", Status: statusNone}, VerdictNotValidated, "wolfSSL without wolfCrypt_GetStatus_fips: not a FIPS build")
		}
	case needed("libgnutls.so"), needed("libnss3.so"), needed("libsoftokn3.so"), needed("libgcrypt.so"):
		switch {
		case needed("libgnutls.so"):
			b.Backend = BackendGnuTLS
		case needed("libgcrypt.so"):
			b.Backend = BackendLibgcrypt
		default:
			b.Backend = BackendNSS
		}
		v, why := VerdictNotValidated, "only vendor builds (RHEL, Ubuntu Pro, SUSE) are validated and this image is "+orDefault(j.distro, "an unknown distribution")
		if strings.HasPrefix(j.distro, "rhel") {
			v, why = VerdictUnknown, "a RHEL build may be validated: match its package version to the certificate by hand"
		}
		var integrity []string
		for _, name := range integrityFiles[b.Backend] {
			if found := j.fs.findIntegrity(name); found != "" {
				integrity = append(integrity, found)
			}
		}
		ev := fmt.Sprintf("links %s; %s", strings.Join(f.Needed, ", "), why)
		if want := integrityFiles[b.Backend]; len(want) > 0 {
			if len(integrity) == len(want) {
				ev += "; its module integrity files are present: " + strings.Join(integrity, ", ")
			} else {
				ev += fmt.Sprintf("; of its module integrity files (%s) the image has %d", strings.Join(want, ", "), len(integrity))
				if v == VerdictUnknown {
					v = VerdictNotValidated
				}
			}
		}
		add(evidence.Module{Name: b.Backend, Status: statusNone}, v, ev)
	default:
		return nil
	}
	b.Verdict = Weakest(verdicts...)
	return b
}

// judgeJar decides a Bouncy Castle jar.
func (j *judge) judgeJar(p string, jf *jarFacts) *evidence.Binary {
	b := &evidence.Binary{Path: p, Format: "jar", Language: "java"}
	if jf.Kind == "bcprov" {
		b.Backend = BackendBouncyCastle
		b.Modules = []evidence.Module{{Name: "Bouncy Castle (bcprov)", Version: jf.Version, Status: statusNone}}
		b.Verdict = VerdictNotValidated
		b.Evidence = []string{"plain Bouncy Castle provider: not the FIPS edition"}
		return b
	}
	b.Backend = BackendBCFIPS
	ver := jf.Version
	if parts := strings.Split(ver, "."); len(parts) > 3 {
		ver = strings.Join(parts[:3], ".")
	}
	m := j.module(cryptoref.KindBCFIPS, "BC-FJA (Bouncy Castle FIPS Java API)", ver, "")
	m.Version = jf.Version
	v, ev := j.moduleVerdict(m)
	b.Evidence = []string{ev}
	pos, where := 0, ""
	for q, n := range j.fs.nodes {
		if path.Base(q) == "java.security" && n.text != nil {
			for class, at := range javaProviders(n.text) {
				if strings.HasSuffix(class, "BouncyCastleFipsProvider") && (pos == 0 || at < pos) {
					pos, where = at, q
				}
			}
		}
	}
	switch {
	case pos == 0:
		v = VerdictNotValidated
		b.Evidence = append(b.Evidence, "no java.security in the image registers BouncyCastleFipsProvider")
	case pos != 1:
		v = VerdictNotValidated
		b.Evidence = append(b.Evidence, fmt.Sprintf("%s registers BouncyCastleFipsProvider as security.provider.%d, not first: other providers answer first", where, pos))
	default:
		b.Evidence = append(b.Evidence, where+" registers BouncyCastleFipsProvider as security.provider.1")
	}
	if jf.Err != "" {
		b.Evidence = append(b.Evidence, jf.Err+": the version comes from the file name only")
		if v == VerdictValidated {
			v = VerdictUnknown
		}
	}
	b.Modules, b.Verdict = []evidence.Module{m}, v
	return b
}

// detectDistro reads /etc/os-release: "rhel9", "ubuntu22.04", "debian12",
// "chainguard", or "" when unknown.
func (fs *rootfs) detectDistro() string {
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		_, n, err := fs.lookup(p)
		if err != nil || n == nil || n.text == nil {
			continue
		}
		kv := map[string]string{}
		for _, line := range strings.Split(string(n.text), "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
			if ok {
				if uq, err := strconv.Unquote(v); err == nil {
					v = uq
				}
				kv[k] = strings.Trim(v, `"'`)
			}
		}
		id, ver := kv["ID"], kv["VERSION_ID"]
		switch id {
		case "rhel", "centos", "rocky", "almalinux":
			major, _, _ := strings.Cut(ver, ".")
			return "rhel" + major
		case "ubuntu":
			return "ubuntu" + ver
		case "wolfi", "chainguard":
			return "chainguard"
		case "":
			continue
		}
		major, _, _ := strings.Cut(ver, ".")
		return id + major
	}
	return ""
}

// bundledCopy says whether a library sits where packages bundle their own
// copies: auditwheel's "<pkg>.libs" directories, site-packages,
// node_modules.
func bundledCopy(p string) bool {
	for _, d := range strings.Split(path.Dir(p), "/") {
		if strings.HasSuffix(d, ".libs") || d == "site-packages" || d == "dist-packages" || d == "node_modules" {
			return true
		}
	}
	return false
}

// integrityFiles are the files a FIPS build of a library checks itself
// against at load: NSS's softoken and freebl .chk files, libgcrypt's .hmac.
var integrityFiles = map[string][]string{
	BackendNSS:       {"libsoftokn3.chk", "libfreeblpriv3.chk"},
	BackendLibgcrypt: {".libgcrypt.so.20.hmac"},
}

// findIntegrity returns the path of a file named name in a library
// directory, or "".
func (fs *rootfs) findIntegrity(name string) string {
	if p, n := fs.findLibrary(name, "/", nil); n != nil {
		return p
	}
	return ""
}
