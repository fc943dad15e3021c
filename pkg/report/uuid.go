package report

import (
	"crypto/sha1"
	"fmt"
	"strings"
)

// oscalNamespace is the UUIDv5 namespace of the OSCAL identifiers sc8scan
// writes: itself the UUIDv5 of "sc8scan.dev/oscal" in the URL namespace.
var oscalNamespace = uuidV5(urlNamespace, "sc8scan.dev/oscal")

// urlNamespace is RFC 9562's URL namespace, 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
var urlNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// stableID returns the UUIDv5 of parts, joined by NUL, in sc8scan's OSCAL
// namespace: the same parts give the same id in every run.
func stableID(parts ...string) string {
	return formatUUID(uuidV5(oscalNamespace, strings.Join(parts, "\x00")))
}

// uuidV5 is the name-based (SHA-1) UUID of name in namespace ns (RFC 9562
// section 5.5).
func uuidV5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	return u
}

func formatUUID(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
