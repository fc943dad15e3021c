package report

import (
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// oscalNamespace is the UUIDv5 namespace of the OSCAL identifiers sc8scan
// writes: itself the UUIDv5 of "sc8scan.dev/oscal" in the URL namespace.
var oscalNamespace = matrix.UUIDv5([16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}, "sc8scan.dev/oscal")

// stableID returns the UUIDv5 of parts, joined by NUL, in sc8scan's OSCAL
// namespace: the same parts give the same id in every run.
func stableID(parts ...string) string {
	return matrix.FormatUUID(matrix.UUIDv5(oscalNamespace, strings.Join(parts, "\x00")))
}
