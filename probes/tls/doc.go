// Package tls probes what a port offers over TLS. It writes its own
// ClientHellos (golang.org/x/crypto/cryptobyte) and parses the server's
// first flight, so it can enumerate every IANA version, cipher suite and
// group, and the signature schemes of TLS 1.2 (EC)DHE, including on ports
// that require a client certificate, without
// OpenSSL and without crypto/tls. crypto/tls is used only for the one full
// handshake that reads the certificate chain and decides whether a client
// certificate is required.
//
// Extensions checks, from raw ClientHellos, which TLS extensions of SP
// 800-52r2 section 3.4 the server echoes or refuses (and whether it
// compresses, honours TLS_FALLBACK_SCSV, or renegotiates insecurely). The
// insecure-renegotiation check is the one place the package finishes a
// handshake with its own code: a minimal TLS 1.2 ECDHE client with AES-GCM
// or ChaCha20-Poly1305 records, which does not authenticate the server.
//
// The package does not dial on its own terms: callers hand it a Dialer, so
// STARTTLS preambles, politeness limits and deadlines stay with the runner.
// It does not judge what it finds against profiles (see pkg/cryptoref).
package tls
