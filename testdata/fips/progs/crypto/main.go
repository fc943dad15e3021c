// Command crypto hashes, encrypts and configures TLS: the fixture for every
// Go crypto backend.
package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
)

func main() {
	sum := sha256.Sum256([]byte("sc8scan"))
	block, err := aes.NewCipher(sum[:16])
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	fmt.Println(len(gcm.Seal(nil, make([]byte, 12), sum[:], nil)), cfg.MinVersion)
}
