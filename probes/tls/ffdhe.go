package tls

import (
	"math/big"
	"sync"

	"golang.org/x/crypto/cryptobyte"
)

// The RFC 7919 finite-field groups are p = 2^b - 2^(b-64) +
// (floor(2^(b-130) * e) + X) * 2^64 - 1 with X chosen per group
// (RFC 7919 Appendix A). A TLS 1.2 DHE ServerKeyExchange names no group,
// so its prime is compared with these.
var ffdheX = []struct {
	group uint16
	bits  uint
	x     int64
}{
	{0x0100, 2048, 560316},
	{0x0101, 3072, 2625351},
	{0x0102, 4096, 5736041},
	{0x0103, 6144, 15705020},
	{0x0104, 8192, 10965728},
}

var (
	ffdheOnce   sync.Once
	ffdhePrimes map[string]uint16
)

// eTimes2 returns floor(e * 2^n).
func eTimes2(n uint) *big.Int {
	const guard = 64
	one := new(big.Int).Lsh(big.NewInt(1), n+guard)
	sum, term := new(big.Int).Set(one), new(big.Int).Set(one)
	for k := int64(1); term.Sign() > 0; k++ {
		term.Quo(term, big.NewInt(k))
		sum.Add(sum, term)
	}
	return sum.Rsh(sum, guard)
}

func ffdhePrime(bits uint, x int64) *big.Int {
	p := new(big.Int).Lsh(big.NewInt(1), bits)
	p.Sub(p, new(big.Int).Lsh(big.NewInt(1), bits-64))
	t := eTimes2(bits - 130)
	t.Add(t, big.NewInt(x))
	p.Add(p, t.Lsh(t, 64))
	return p.Sub(p, big.NewInt(1))
}

// ffdheGroup names the RFC 7919 group whose prime is p (big-endian), or 0.
func ffdheGroup(p []byte) uint16 {
	ffdheOnce.Do(func() {
		ffdhePrimes = map[string]uint16{}
		for _, g := range ffdheX {
			ffdhePrimes[string(ffdhePrime(g.bits, g.x).Bytes())] = g.group
		}
	})
	return ffdhePrimes[string(new(big.Int).SetBytes(p).Bytes())]
}

// dheGroup reads the prime of a DHE ServerKeyExchange and names its
// group; ok is false when it does not parse.
func dheGroup(body []byte) (group uint16, bits int, ok bool) {
	s := cryptobyte.String(body)
	var p cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&p) || len(p) == 0 {
		return 0, 0, false
	}
	return ffdheGroup(p), new(big.Int).SetBytes(p).BitLen(), true
}
