// Command chacha uses only golang.org/x/crypto's ChaCha20-Poly1305, outside
// any FIPS module boundary.
package main

import (
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

func main() {
	a, err := chacha20poly1305.New(make([]byte, chacha20poly1305.KeySize))
	if err != nil {
		panic(err)
	}
	fmt.Println(len(a.Seal(nil, make([]byte, a.NonceSize()), []byte("sc8scan"), nil)))
}
