package tls

import "github.com/sc8scan/sc8scan/pkg/cryptoref"

// candidates are the code points the engine offers, from the embedded IANA
// tables.
type candidates struct {
	legacy     []uint16 // every TLS 1.0-1.2 suite (no SCSV, no NULL_WITH_NULL)
	tls13      []uint16
	groups     []uint16 // every named group
	ecGroups   []uint16 // groups usable by TLS 1.2 ECDHE
	sigSchemes []uint16
	iana       *cryptoref.IANA
}

func newCandidates(t *cryptoref.IANA) *candidates {
	c := &candidates{iana: t}
	for _, s := range t.Suites {
		switch {
		case s.SCSV || s.ID == 0:
		case s.TLS13:
			c.tls13 = append(c.tls13, s.ID)
		default:
			c.legacy = append(c.legacy, s.ID)
		}
	}
	for _, g := range t.Groups {
		if g.ID >= 0xff00 {
			continue // explicit curves are not groups to offer
		}
		c.groups = append(c.groups, g.ID)
		if g.ID < 0x0100 {
			c.ecGroups = append(c.ecGroups, g.ID)
		}
	}
	for _, s := range t.SignatureSchemes {
		c.sigSchemes = append(c.sigSchemes, s.ID)
	}
	// Legacy TLS 1.2 hash/signature pairs outside the TLS 1.3 registry
	// names: DSA and SHA-224 (RFC 5246 7.4.1.4.1).
	c.sigSchemes = append(c.sigSchemes, 0x0202, 0x0402, 0x0502, 0x0602, 0x0301, 0x0302, 0x0303, 0x0101)
	return c
}

func without(list []uint16, v uint16) []uint16 {
	out := make([]uint16, 0, len(list))
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func contains(list []uint16, v uint16) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
