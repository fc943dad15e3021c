// Package signature signs a scan bundle and verifies one. The signature is
// over SHA256SUMS, the bundle's manifest (every file with its SHA-256), so
// one signature covers every file: SHA256SUMS.sig holds it (DER ECDSA, RSA
// PKCS #1 v1.5 or raw Ed25519 over the file, SHA-256 as the digest), and
// SHA256SUMS.pem the signer's certificate chain when one is given. An
// auditor needs nothing of ours to check it:
//
//	openssl dgst -sha256 -verify signer.pub -signature SHA256SUMS.sig SHA256SUMS
//
// (for Ed25519: openssl pkeyutl -verify -pubin -inkey signer.pub -rawin
// -in SHA256SUMS -sigfile SHA256SUMS.sig).
//
// Verify checks the signature against a public key or a CA, every file's
// digest, that no file was added or removed, and that the matrix's
// recorded evidence digests match the evidence files. It owns keys,
// signatures and the bundle's integrity; writing the bundle is pkg/scan's.
package signature
