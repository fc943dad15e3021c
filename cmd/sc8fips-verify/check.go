//go:build cgo && linux

package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/microsoft/go-crypto-openssl/openssl"
	"github.com/sc8scan/sc8scan/pkg/fips/providercheck"
)

// run loads the libcrypto the dynamic loader finds (the parent sets
// LD_LIBRARY_PATH, OPENSSL_CONF and OPENSSL_MODULES to the image's copies),
// tries FIPS mode and a digest, and writes the Result as JSON to w.
func run(w io.Writer) error {
	return json.NewEncoder(w).Encode(check())
}

func check() (r providercheck.Result) {
	defer func() {
		if p := recover(); p != nil {
			r.Error = fmt.Sprintf("openssl panicked: %v", p)
		}
	}()
	if err := openssl.Init(); err != nil {
		r.Error = "loading libcrypto: " + clean(err.Error())
		return r
	}
	r.Version = openssl.VersionText()
	r.FIPSAtStart = openssl.FIPS()
	if !r.FIPSAtStart {
		if err := openssl.SetFIPS(true); err != nil {
			r.SetFIPSError = clean(err.Error())
		}
	}
	r.FIPS = openssl.FIPS()
	if r.FIPS {
		sum := openssl.SHA256([]byte("abc"))
		r.DigestOK = hex.EncodeToString(sum[:]) == providercheck.KnownAnswer
	}
	return r
}

// clean drops the NUL padding OpenSSL error strings carry and bounds the
// length.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) > 1024 {
		s = s[:1024] + "..."
	}
	return s
}
