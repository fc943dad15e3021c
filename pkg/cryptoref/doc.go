// Package cryptoref is sc8scan's embedded, versioned reference data: TLS
// versions, cipher suites and groups with their IANA names, the compliance
// profiles that judge them (NIST SP 800-52r2, the Go FIPS 140-3 module), and
// the CMVP catalog. Every table is validated when first loaded and every row
// names its source. It imports only the standard library, so anyone may
// import it.
package cryptoref
