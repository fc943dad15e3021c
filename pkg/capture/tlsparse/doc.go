// Package tlsparse reads the cleartext part of a TLS handshake from the
// bytes of one TCP direction: records, ClientHello, ServerHello (and
// HelloRetryRequest), CertificateRequest and Certificate, and computes the
// JA3, JA3S and JA4 fingerprints.
//
// It owns byte-level parsing only. It does not reassemble TCP, decide what a
// flow is, or decrypt anything: everything after ChangeCipherSpec (TLS 1.2)
// or after the ServerHello (TLS 1.3) is opaque to it. Every length is checked
// against the bytes present; hostile input returns an error, never a panic.
package tlsparse
