// Package fips says which cryptographic module each binary in a container
// image really links or loads, and whether that module holds an active
// CMVP certificate today.
//
// It reads images through go-containerregistry (registry references,
// docker-archive and OCI tarballs, OCI layout directories), streams every
// layer once into an in-memory view of the root filesystem with whiteouts
// applied (nothing is extracted to disk), analyses ELF files (Go build
// information and pclntab function names, DT_NEEDED, embedded version
// strings), OpenSSL configuration and Java jars, and judges what it found
// against the CMVP catalog of pkg/cryptoref on a given day.
//
// It does not run code from the image (the optional provider check lives
// in cmd/sc8fips-verify, a separate cgo binary), does not decide what a
// verdict means for a service path (pkg/evaluate does), and does not
// discover which images a cluster runs (pkg/discover does).
package fips
