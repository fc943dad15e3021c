// Package providercheck is the wire format between `sc8scan images
// --verify-provider` (pkg/fips, the parent) and its child, cmd/sc8fips-verify,
// which loads an image's OpenSSL libcrypto and FIPS provider through
// github.com/microsoft/go-crypto-openssl (dlopen, cgo) in its own process
// and reports whether FIPS mode really activates and whether a SHA-256
// digest runs through it. Static parsing cannot see a module that is
// broken, tampered with or misconfigured; this can, at the price of
// running the image's code. The package holds types only, so the parent
// never links OpenSSL.
package providercheck

// Result is what the child prints as one JSON object on stdout.
type Result struct {
	// Version is OpenSSL's version text, as the loaded library reports it.
	Version string `json:"version,omitempty"`
	// FIPSAtStart says whether the library came up in FIPS mode from its
	// configuration alone.
	FIPSAtStart bool `json:"fipsAtStart"`
	// FIPS says whether FIPS mode is on after asking for it.
	FIPS bool `json:"fips"`
	// SetFIPSError is why turning FIPS mode on failed, if it did.
	SetFIPSError string `json:"setFipsError,omitempty"`
	// DigestOK says whether SHA-256 of a known input gave the known answer
	// with FIPS mode on.
	DigestOK bool `json:"digestOk"`
	// Error is why the library could not be used at all.
	Error string `json:"error,omitempty"`
}

// KnownAnswer is SHA-256("abc") (FIPS 180-2 appendix B.1).
const KnownAnswer = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
