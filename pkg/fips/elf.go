package fips

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"debug/gosym"
	"fmt"
	"regexp"
	"strings"
)

// Limits on what is read from one ELF file, beyond its size.
const (
	maxELFSections   = 4096
	maxELFProgs      = 1024
	maxSymtabBytes   = 64 << 20
	maxPclntabBytes  = 256 << 20
	maxNeeded        = 256
	maxMarkerMatches = 64
)

// elfFacts is what one ELF file says about its crypto, before any
// judgement.
type elfFacts struct {
	Machine  string
	Type     string // "exec", "dyn", "rel", "core"
	Interp   string // PT_INTERP: the dynamic loader, empty when static
	Needed   []string
	RunPath  []string
	SOName   string
	Symbols  map[string]bool // defined symbols of interest (dynamic and static tables)
	Go       *goFacts
	UPX      bool
	GoNoInfo bool // Go markers but neither build info nor pclntab (packed or obfuscated)

	OpenSSLVersion  string // "3.0.19" from the embedded version text
	OpenSSLText     string // the whole version text
	FIPSProvider    bool   // "OpenSSL FIPS Provider" string
	ProviderVersion string // a bare version string next to it (fips.so)
	BoringSSL       bool
	AWSLC           string // "AWS-LC FIPS 2.0.13" or "AWS-LC"
	WolfSSL         bool
	Exec            bool // has an entry point and a program header table: meant to run
}

// symbolsOfInterest are the symbols the judgement looks at.
var symbolsOfInterest = map[string]bool{
	"EVP_default_properties_is_fips_enabled": true, "OSSL_PROVIDER_load": true, "FIPS_mode": true,
	"FIPS_mode_set": true, "OSSL_provider_init": true, "BORINGSSL_self_test": true, "FIPS_version": true,
	"wolfCrypt_GetStatus_fips": true, "gnutls_fips140_mode_enabled": true, "RAND_bytes": true,
	"EVP_EncryptInit_ex": true, "EVP_DigestInit_ex": true, "SSL_CTX_new": true, "OpenSSL_version": true,
	"awslc_version_string": true, "gcry_check_version": true, "NSS_Init": true,
}

// analyseELF reads what matters from one ELF file held in memory. It
// never panics: a malformed file gives an error and whatever was read.
func analyseELF(buf []byte) (facts *elfFacts, err error) {
	facts = &elfFacts{Symbols: map[string]bool{}}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed ELF file: %v", r)
		}
	}()
	if err := checkELFHeader(buf); err != nil {
		return facts, err
	}
	f, err := elf.NewFile(bytes.NewReader(buf))
	if err != nil {
		return facts, fmt.Errorf("parsing ELF: %w", err)
	}
	defer f.Close()
	facts.Machine = strings.TrimPrefix(f.Machine.String(), "EM_")
	switch f.Type {
	case elf.ET_EXEC:
		facts.Type = "exec"
	case elf.ET_DYN:
		facts.Type = "dyn"
	case elf.ET_REL:
		facts.Type = "rel"
	default:
		facts.Type = strings.ToLower(strings.TrimPrefix(f.Type.String(), "ET_"))
	}
	facts.Exec = f.Entry != 0 && len(f.Progs) > 0
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP && p.Filesz > 0 && p.Filesz < 4096 && p.Off+p.Filesz <= uint64(len(buf)) {
			facts.Interp = strings.TrimRight(string(buf[p.Off:p.Off+p.Filesz]), "\x00")
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil {
		if len(libs) > maxNeeded {
			libs = libs[:maxNeeded]
		}
		facts.Needed = libs
	}
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		if v, err := f.DynString(tag); err == nil {
			for _, s := range v {
				facts.RunPath = append(facts.RunPath, strings.Split(s, ":")...)
			}
		}
	}
	if v, err := f.DynString(elf.DT_SONAME); err == nil && len(v) > 0 {
		facts.SOName = v[0]
	}
	if syms, err := f.DynamicSymbols(); err == nil {
		addSymbols(facts, syms)
	}
	if s := f.Section(".symtab"); s != nil && s.Size < maxSymtabBytes {
		if syms, err := f.Symbols(); err == nil {
			addSymbols(facts, syms)
		}
	}
	facts.Go = analyseGo(f, buf)
	if facts.Go == nil && (bytes.Contains(buf, []byte("runtime.goexit")) || bytes.Contains(buf, []byte("\xff Go buildinf:"))) {
		facts.GoNoInfo = true
	}
	facts.UPX = bytes.Contains(buf, []byte("UPX!")) && len(f.Sections) <= 1
	scanMarkers(facts, buf)
	return facts, nil
}

// checkELFHeader refuses headers whose counts are absurd before
// debug/elf allocates for them.
func checkELFHeader(buf []byte) error {
	if len(buf) < 52 {
		return fmt.Errorf("ELF file is truncated (%d bytes)", len(buf))
	}
	var shnum, phnum uint16
	le := buf[elf.EI_DATA] == byte(elf.ELFDATA2LSB)
	u16 := func(off int) uint16 {
		if off+2 > len(buf) {
			return 0
		}
		if le {
			return uint16(buf[off]) | uint16(buf[off+1])<<8
		}
		return uint16(buf[off])<<8 | uint16(buf[off+1])
	}
	switch elf.Class(buf[elf.EI_CLASS]) {
	case elf.ELFCLASS64:
		phnum, shnum = u16(56), u16(60)
	case elf.ELFCLASS32:
		phnum, shnum = u16(44), u16(48)
	default:
		return fmt.Errorf("ELF file has an unknown class %d", buf[elf.EI_CLASS])
	}
	if shnum > maxELFSections {
		return fmt.Errorf("ELF file claims %d sections, more than %d", shnum, maxELFSections)
	}
	if phnum > maxELFProgs {
		return fmt.Errorf("ELF file claims %d program headers, more than %d", phnum, maxELFProgs)
	}
	return nil
}

func addSymbols(facts *elfFacts, syms []elf.Symbol) {
	for _, s := range syms {
		if s.Section == elf.SHN_UNDEF {
			continue
		}
		if symbolsOfInterest[s.Name] {
			facts.Symbols[s.Name] = true
		}
	}
}

var (
	opensslVersionRE  = regexp.MustCompile(`OpenSSL (\d+\.\d+\.\d+[a-z]?)(?:-[a-z]+)?(?:-fips)?\s+\d{1,2} [A-Z][a-z]{2} \d{4}`)
	providerVersionRE = regexp.MustCompile(`\x00(3\.\d+\.\d+)\x00`)
	awslcRE           = regexp.MustCompile(`AWS-LC(?: FIPS)? \d+\.\d+\.\d+`)
	moduleVersionRE   = regexp.MustCompile(`^v\d+\.\d+\.\d+(?:-[0-9a-f]+)?`)
)

// scanMarkers searches the raw bytes for the version strings of crypto
// libraries that are linked statically or are the library itself.
func scanMarkers(facts *elfFacts, buf []byte) {
	if m := opensslVersionRE.FindSubmatch(buf); m != nil {
		facts.OpenSSLText, facts.OpenSSLVersion = string(m[0]), string(m[1])
	}
	if bytes.Contains(buf, []byte("OpenSSL FIPS Provider")) {
		facts.FIPSProvider = true
		if m := providerVersionRE.FindSubmatch(buf); m != nil {
			facts.ProviderVersion = string(m[1])
		}
	}
	facts.BoringSSL = bytes.Contains(buf, []byte("BoringSSL")) && !bytes.Contains(buf, []byte("_goboringcrypto_"))
	if m := awslcRE.Find(buf); m != nil {
		facts.AWSLC = string(m)
	} else if bytes.Contains(buf, []byte("AWS-LC")) {
		facts.AWSLC = "AWS-LC"
	}
	facts.WolfSSL = bytes.Contains(buf, []byte("wolfSSL_Init")) || bytes.Contains(buf, []byte("wolfCrypt_"))
}

// goFacts is what a Go binary's build information and linked function
// names say.
type goFacts struct {
	Version   string            // "go1.26.8-X:boringcrypto"
	Settings  map[string]string // build settings, as go version -m prints them
	Deps      []string
	NamesFrom string // "pclntab", "bytes" (a byte search), "" (none found)
	Names     goNames
}

// goNames summarises the linked function names.
type goNames struct {
	Total        int
	Crypto       int            // functions in crypto/... (the sig markers excepted)
	API          int            // functions of the public algorithm packages (crypto/sha256, crypto/tls, ...)
	FIPS140      map[string]int // module version ("" for the unversioned tree) -> functions
	FIPS140Algos map[string]int // the same, counting only algorithm packages
	BoringSig    bool
	StandardSig  bool
	FIPSOnlySig  bool
	BoringCgo    int // _Cfunc__goboringcrypto_* wrappers
	GolangFIPS   bool
	GolangFIPSDL bool // vendor/github.com/golang-fips/openssl/v2.dlopen
	MSOpenSSL    bool // github.com/microsoft/go-crypto-openssl
	CgoEVP       bool // direct cgo calls into OpenSSL
	Cgo          bool // runtime/cgo linked
	Outside      map[string]bool
}

// analyseGo returns nil for files that are not Go binaries.
func analyseGo(f *elf.File, buf []byte) *goFacts {
	bi, biErr := buildinfo.Read(bytes.NewReader(buf))
	pcln := f.Section(".gopclntab")
	if pcln == nil {
		pcln = f.Section(".data.rel.ro.gopclntab")
	}
	if biErr != nil && pcln == nil {
		return nil
	}
	g := &goFacts{Settings: map[string]string{}, Names: newGoNames()}
	if biErr == nil {
		g.Version = bi.GoVersion
		for _, s := range bi.Settings {
			if old, ok := g.Settings[s.Key]; ok && s.Key == "-tags" {
				g.Settings[s.Key] = old + "," + s.Value
				continue
			}
			g.Settings[s.Key] = s.Value
		}
		for _, d := range bi.Deps {
			g.Deps = append(g.Deps, d.Path+"@"+d.Version)
		}
	}
	if pcln != nil && pcln.Size < maxPclntabBytes && pcln.Type != elf.SHT_NOBITS {
		if names, ok := pclntabNames(f, pcln); ok {
			g.NamesFrom = "pclntab"
			for _, n := range names {
				g.Names.add(n)
			}
		}
	}
	if g.NamesFrom == "" {
		if byteSearchNames(buf, &g.Names) {
			g.NamesFrom = "bytes"
		}
	}
	return g
}

func pclntabNames(f *elf.File, pcln *elf.Section) (names []string, ok bool) {
	defer func() {
		if recover() != nil {
			names, ok = nil, false
		}
	}()
	data, err := pcln.Data()
	if err != nil {
		return nil, false
	}
	var text uint64
	if t := f.Section(".text"); t != nil {
		text = t.Addr
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text))
	if err != nil || len(tab.Funcs) == 0 {
		return nil, false
	}
	names = make([]string, 0, len(tab.Funcs))
	for i := range tab.Funcs {
		names = append(names, tab.Funcs[i].Name)
	}
	return names, true
}

// byteSearchNames recovers function-like names from the raw bytes when
// no pclntab could be read.
func byteSearchNames(buf []byte, n *goNames) bool {
	found := false
	for _, prefix := range []string{"crypto/", "golang.org/x/crypto/", "github.com/golang-fips/", "github.com/microsoft/go-crypto-openssl", "github.com/cloudflare/circl/", "_cgo_init", "runtime/cgo."} {
		p := []byte(prefix)
		rest := buf
		for hits := 0; hits < 20000; hits++ {
			i := bytes.Index(rest, p)
			if i < 0 {
				break
			}
			j := i
			for j < len(rest) && j-i < 256 && rest[j] > 0x20 && rest[j] < 0x7f {
				j++
			}
			// a name preceded by a printable byte is the tail of a longer one
			if i == 0 || rest[i-1] < 0x21 || rest[i-1] > 0x7e {
				n.add(string(rest[i:j]))
				found = true
			}
			rest = rest[j:]
		}
	}
	return found
}

func newGoNames() goNames {
	return goNames{FIPS140: map[string]int{}, FIPS140Algos: map[string]int{}, Outside: map[string]bool{}}
}

// fips140Algorithms are the module packages that hold approved
// algorithms, as opposed to its plumbing (check, subtle, alias, ...).
var fips140Algorithms = map[string]bool{
	"aes": true, "sha256": true, "sha512": true, "sha3": true, "hmac": true, "hkdf": true,
	"pbkdf2": true, "ecdsa": true, "ecdh": true, "ed25519": true, "rsa": true, "mlkem": true,
	"drbg": true, "tls12": true, "tls13": true, "nistec": true, "ssh": true, "edwards25519": true,
	"bigmod": true, "mldsa": true,
}

// notCrypto are packages of the crypto modules that parse or copy bytes
// and implement no algorithm.
var notCrypto = map[string]bool{
	"golang.org/x/crypto/cryptobyte": true, "golang.org/x/crypto/cryptobyte/asn1": true,
	"golang.org/x/crypto/internal/alias": true, "golang.org/x/crypto/internal/subtle": true,
}

// outsideModules are crypto packages outside any FIPS module boundary.
var outsideModules = []string{"golang.org/x/crypto/", "github.com/cloudflare/circl/", "filippo.io/", "gitlab.com/yawning/", "github.com/aead/"}

func (n *goNames) add(name string) {
	n.Total++
	switch {
	case strings.HasPrefix(name, "crypto/internal/boring/sig."):
		switch {
		case strings.HasPrefix(name, "crypto/internal/boring/sig.BoringCrypto"):
			n.BoringSig = true
		case strings.HasPrefix(name, "crypto/internal/boring/sig.StandardCrypto"):
			n.StandardSig = true
		case strings.HasPrefix(name, "crypto/internal/boring/sig.FIPSOnly"):
			n.FIPSOnlySig = true
		}
		return
	case strings.HasPrefix(name, "crypto/"):
		n.Crypto++
		if !strings.HasPrefix(name, "crypto/internal/") && !strings.HasPrefix(name, "crypto/fips140.") &&
			!strings.HasPrefix(name, "crypto/rand.") && !strings.HasPrefix(name, "crypto/subtle.") {
			n.API++
		}
		if rest, ok := strings.CutPrefix(name, "crypto/internal/fips140/"); ok {
			rest = strings.ReplaceAll(rest, "%2e", ".")
			ver := ""
			if m := moduleVersionRE.FindString(rest); m != "" {
				ver, rest = m, strings.TrimPrefix(rest[len(m):], "/")
			}
			n.FIPS140[ver]++
			pkg := rest
			if i := strings.IndexAny(pkg, "./"); i >= 0 {
				pkg = pkg[:i]
			}
			if fips140Algorithms[pkg] {
				n.FIPS140Algos[ver]++
			}
		}
	case strings.HasPrefix(name, "runtime/cgo.") || name == "_cgo_init":
		n.Cgo = true
	}
	if strings.Contains(name, "_Cfunc__goboringcrypto_") {
		n.BoringCgo++
		if strings.Contains(name, "DLOPEN") {
			n.GolangFIPSDL = true
		}
	} else if strings.Contains(name, "_Cfunc_EVP_") || strings.Contains(name, "_Cfunc_go_openssl_EVP_") {
		n.CgoEVP = true
	}
	if strings.Contains(name, "github.com/golang-fips/openssl") {
		n.GolangFIPS = true
		if strings.Contains(name, ".dlopen") {
			n.GolangFIPSDL = true
		}
	}
	if strings.HasPrefix(name, "github.com/microsoft/go-crypto-openssl") || strings.HasPrefix(name, "vendor/github.com/microsoft/go-crypto-openssl") {
		n.MSOpenSSL = true
	}
	for _, p := range outsideModules {
		if rest, ok := strings.CutPrefix(name, p); ok {
			pkg := p + pkgOf(rest)
			if notCrypto[pkg] {
				break
			}
			n.Outside[pkg] = true
			n.Crypto++
		}
	}
}

// pkgOf cuts a function name's package part ("chacha20poly1305.(*x).Seal"
// -> "chacha20poly1305").
func pkgOf(rest string) string {
	last := strings.LastIndex(rest, "/")
	dot := strings.Index(rest[last+1:], ".")
	if dot < 0 {
		return rest
	}
	return rest[:last+1+dot]
}
