// Package version reports what this build of sc8scan is: its module version,
// the Go toolchain that built it and the crypto backend it links. It is a
// leaf: it imports only the standard library so that every package, the probe
// binary included, can stamp its documents without pulling anything else in.
package version

import (
	"crypto/fips140"
	"runtime"
	"runtime/debug"
)

// Info identifies the scanner in every document it writes (the "scanner"
// object of each wire format).
type Info struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	GoVersion     string `json:"goVersion"`
	CryptoBackend string `json:"cryptoBackend"`
}

// Get returns the build information of the running binary, named name.
func Get(name string) Info {
	info := Info{Name: name, Version: "(devel)", GoVersion: runtime.Version(), CryptoBackend: "go-std"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if v := bi.Main.Version; v != "" {
		info.Version = v
	}
	for _, s := range bi.Settings {
		if s.Key == "GOFIPS140" && s.Value != "" && s.Value != "off" {
			info.CryptoBackend = "go-fips140 (" + s.Value + ")"
		}
		if s.Key == "vcs.revision" && info.Version == "(devel)" && len(s.Value) >= 12 {
			info.Version = "(devel " + s.Value[:12] + ")"
		}
	}
	if fips140.Enabled() {
		info.CryptoBackend += ", fips140 mode on"
	}
	return info
}
