//go:build cgo && linux

// Command sc8fips-verify is the child process of `sc8scan images
// --verify-provider`: it loads an image's OpenSSL and FIPS provider and
// prints whether FIPS mode activates and a digest runs through it. It
// needs cgo, so it is a binary of its own and the static binaries never
// link OpenSSL.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sc8fips-verify:", err)
		os.Exit(1)
	}
}
