package tls

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestFFDHEPrimes(t *testing.T) {
	// RFC 7919 Appendix A.1: the first and last bytes of ffdhe2048.
	p := hex.EncodeToString(ffdhePrime(2048, 560316).Bytes())
	if !strings.HasPrefix(p, "ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1") || !strings.HasSuffix(p, "886b423861285c97ffffffffffffffff") {
		t.Errorf("ffdhe2048 = %s...%s", p[:48], p[len(p)-32:])
	}
	for _, g := range ffdheX {
		pb := ffdhePrime(g.bits, g.x)
		if uint(pb.BitLen()) != g.bits || ffdheGroup(pb.Bytes()) != g.group {
			t.Errorf("group %#04x: %d bits, named %#04x", g.group, pb.BitLen(), ffdheGroup(pb.Bytes()))
		}
	}
	if ffdheGroup([]byte{0xff, 0xfb}) != 0 {
		t.Error("a small prime named as a group")
	}
	// A DHE ServerKeyExchange with ffdhe3072's prime, g = 2, a public value.
	p3 := ffdhePrime(3072, 2625351).Bytes()
	ske := append([]byte{byte(len(p3) >> 8), byte(len(p3))}, p3...)
	ske = append(ske, 0, 1, 2, 0, 1, 7)
	if g, bits, ok := dheGroup(ske); !ok || g != 0x0101 || bits != 3072 {
		t.Errorf("dheGroup = %#04x %d %v", g, bits, ok)
	}
	if g, _ := keyExchangeGroup(0x009e, ske); g != 0x0101 {
		t.Errorf("DHE suite group %#04x", g)
	}
	if g, _ := keyExchangeGroup(0xc02f, []byte{3, 0, 0x17, 1, 4}); g != 0x0017 {
		t.Errorf("ECDHE suite group %#04x", g)
	}
}
