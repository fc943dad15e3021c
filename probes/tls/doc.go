// Package tls probes what a port offers over TLS. It writes its own
// ClientHellos (golang.org/x/crypto/cryptobyte) and parses the server's
// first flight, so it can enumerate every IANA version, cipher suite and
// group, and the signature schemes of TLS 1.2 (EC)DHE, including on ports
// that require a client certificate, without
// OpenSSL and without crypto/tls. crypto/tls is used only for the one full
// handshake that reads the certificate chain and decides whether a client
// certificate is required.
//
// The package does not dial on its own terms: callers hand it a Dialer, so
// STARTTLS preambles, politeness limits and deadlines stay with the runner.
// It does not judge what it finds against profiles (see pkg/cryptoref).
package tls
