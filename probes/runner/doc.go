// Package runner runs a probe plan: for each target it decides whether the
// port speaks TLS, cleartext, both or neither, enumerates what TLS offers,
// upgrades STARTTLS protocols, reads SSH algorithms and judges the result
// against the embedded compliance profiles. It owns the limits: global
// concurrency, connections per endpoint, per-connection and per-target
// deadlines. It does not discover targets nor dispatch probe pods.
package runner
