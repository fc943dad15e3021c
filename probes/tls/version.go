package tls

import "github.com/sc8scan/sc8scan/pkg/cryptoref"

// Protocol versions on the wire.
const (
	VersionSSL30 uint16 = 0x0300
	VersionTLS10 uint16 = 0x0301
	VersionTLS11 uint16 = 0x0302
	VersionTLS12 uint16 = 0x0303
	VersionTLS13 uint16 = 0x0304
)

// Versions are every version the engine probes, newest first.
var Versions = []uint16{VersionTLS13, VersionTLS12, VersionTLS11, VersionTLS10, VersionSSL30}

// VersionName is the wire-format name ("TLSv1.2") of a version.
func VersionName(v uint16) string { return cryptoref.VersionName(v) }
