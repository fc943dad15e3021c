// Command fipsoff uses crypto but turns FIPS 140-3 mode off with a
// //go:debug directive.
//
//go:debug fips140=off
package main

import (
	"crypto/sha256"
	"fmt"
)

func main() { fmt.Printf("%x\n", sha256.Sum256([]byte("sc8scan"))) }
