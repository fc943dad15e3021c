package capture

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func keyBits(c *x509.Certificate) int {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen()
	case *ecdsa.PublicKey:
		return k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return 256
	}
	return 0
}

// suiteName is the IANA name of a cipher suite from pkg/cryptoref's
// embedded registry, or "0xHHHH".
func suiteName(id uint16) string {
	if t, err := cryptoref.LoadIANA(); err == nil {
		return t.SuiteName(id)
	}
	return fmt.Sprintf("0x%04X", id)
}
