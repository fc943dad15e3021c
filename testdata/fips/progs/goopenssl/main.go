// Command goopenssl hashes through OpenSSL loaded at run time with dlopen
// (github.com/microsoft/go-crypto-openssl), the way Microsoft Go and Red
// Hat's Go use the image's OpenSSL.
package main

import (
	"fmt"

	"github.com/microsoft/go-crypto-openssl/openssl"
)

func main() {
	if err := openssl.Init(); err != nil {
		panic(err)
	}
	fmt.Printf("%s fips=%v %x\n", openssl.VersionText(), openssl.FIPS(), openssl.SHA256([]byte("sc8scan")))
}
