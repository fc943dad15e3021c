package fips

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Where OpenSSL looks for its configuration and modules when no
// environment variable says otherwise (OPENSSLDIR and MODULESDIR of the
// common distributions).
var (
	opensslConfigPaths = []string{
		"/usr/lib/ssl/openssl.cnf", "/etc/ssl/openssl.cnf", "/etc/pki/tls/openssl.cnf",
		"/usr/local/ssl/openssl.cnf", "/opt/openssl/ssl/openssl.cnf",
	}
	libraryDirs = []string{
		"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib", "/usr/local/lib64",
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
	}
	// the sonames Go's OpenSSL backends dlopen, newest first
	dlopenLibcrypto = []string{"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so.11", "libcrypto.so.111", "libcrypto.so.1.0.2", "libcrypto.so.1.0.0", "libcrypto.so.10"}
)

const maxIncludeDepth = 8

// opensslSetup is the image's OpenSSL 3 FIPS configuration: the provider
// module and whether the configuration activates it.
type opensslSetup struct {
	ConfigPath      string
	ProviderPath    string
	ProviderVersion string
	ProviderName    bool // the module calls itself "OpenSSL FIPS Provider"
	Activated       bool // provider_sect names a fips section with activate = 1
	ModuleMAC       bool // that section carries the module-mac (fipsmodule.cnf)
	FIPSProperties  bool // default_properties = fips=yes
	Notes           []string
	conf            cnf // the configuration as parsed, includes merged
}

// cnf is a parsed OpenSSL configuration: section -> key -> value.
type cnf map[string]map[string]string

// parseCnf reads an OpenSSL configuration, following .include directives
// inside the image.
func (fs *rootfs) parseCnf(p string, out cnf, depth int, notes *[]string) {
	if depth > maxIncludeDepth {
		*notes = append(*notes, fmt.Sprintf("%s: .include nested deeper than %d; ignored", p, maxIncludeDepth))
		return
	}
	rp, n, err := fs.lookup(p)
	if err != nil || n == nil {
		*notes = append(*notes, fmt.Sprintf("%s: not found in the image", p))
		return
	}
	if n.typ == typeDir {
		var inc []string
		for q, m := range fs.nodes {
			if path.Dir(q) == rp && m.typ == typeFile && strings.HasSuffix(q, ".cnf") {
				inc = append(inc, q)
			}
		}
		sort.Strings(inc)
		for _, q := range inc {
			fs.parseCnf(q, out, depth+1, notes)
		}
		return
	}
	if n.text == nil {
		*notes = append(*notes, fmt.Sprintf("%s: not read (%s)", p, orDefault(n.err, "not a configuration file")))
		return
	}
	section := "default"
	sc := bufio.NewScanner(bytes.NewReader(n.text))
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, ".include"):
			target := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(line, ".include")), "="))
			if !strings.HasPrefix(target, "/") {
				target = path.Join(path.Dir(rp), target)
			}
			fs.parseCnf(target, out, depth+1, notes)
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.TrimSpace(line[1 : len(line)-1])
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			if out[section] == nil {
				out[section] = map[string]string{}
			}
			out[section][strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func truthy(v string) bool {
	switch strings.ToLower(v) {
	case "1", "yes", "true", "on":
		return true
	}
	return false
}

// opensslSetupOf finds the FIPS provider module and reads the
// configuration OpenSSL would load.
func (fs *rootfs) opensslSetupOf(env map[string]string) *opensslSetup {
	s := &opensslSetup{}
	// the provider module
	var candidates []string
	if dir := env["OPENSSL_MODULES"]; dir != "" {
		candidates = append(candidates, path.Join(dir, "fips.so"))
	}
	var found []string
	for p, n := range fs.nodes {
		if strings.HasSuffix(p, "/ossl-modules/fips.so") && n.typ != typeDir {
			found = append(found, p)
		}
	}
	sort.Strings(found)
	candidates = append(candidates, found...)
	for _, c := range candidates {
		rp, n, err := fs.lookup(c)
		if err != nil || n == nil || n.elf == nil {
			continue
		}
		s.ProviderPath, s.ProviderVersion, s.ProviderName = rp, n.elf.ProviderVersion, n.elf.FIPSProvider
		break
	}
	// the configuration
	conf := env["OPENSSL_CONF"]
	if conf == "" {
		for _, c := range opensslConfigPaths {
			if _, n, err := fs.lookup(c); err == nil && n != nil {
				conf = c
				break
			}
		}
	}
	if conf == "" {
		s.Notes = append(s.Notes, "no openssl.cnf in the image")
		return s
	}
	s.ConfigPath = conf
	c := cnf{}
	fs.parseCnf(conf, c, 0, &s.Notes)
	s.conf = c
	init := c["default"]["openssl_conf"]
	if init == "" {
		s.Notes = append(s.Notes, conf+" sets no openssl_conf section")
		return s
	}
	if provSect := c[init]["providers"]; provSect != "" {
		if fipsSect := c[provSect]["fips"]; fipsSect != "" {
			s.Activated = truthy(c[fipsSect]["activate"])
			s.ModuleMAC = c[fipsSect]["module-mac"] != ""
		}
	}
	if algSect := c[init]["alg_section"]; algSect != "" {
		props := strings.ReplaceAll(c[algSect]["default_properties"], " ", "")
		s.FIPSProperties = strings.Contains(props, "fips=yes") || props == "fips"
	}
	return s
}

// findLibrary resolves a DT_NEEDED name the way the dynamic loader would,
// inside the image: RUNPATH/RPATH ($ORIGIN expanded), then the standard
// directories.
func (fs *rootfs) findLibrary(needed, from string, runpath []string) (string, *node) {
	var dirs []string
	for _, r := range runpath {
		dirs = append(dirs, strings.ReplaceAll(strings.ReplaceAll(r, "${ORIGIN}", path.Dir(from)), "$ORIGIN", path.Dir(from)))
	}
	dirs = append(dirs, libraryDirs...)
	for _, d := range dirs {
		rp, n, err := fs.lookup(path.Join(d, needed))
		if err == nil && n != nil && n.typ == typeFile {
			return rp, n
		}
	}
	return "", nil
}
