// Package policy predicts, from the mesh configuration a cluster declares,
// the wire state of every service path: mtls, tls, plaintext or broken, and
// whether an out-of-mesh client would get through in plaintext.
//
// It owns the PolicyReport: one PolicyPath per inventory path, the
// mesh-wide TLS settings, and findings on invalid, conflicting or dangling
// policy objects. The mesh semantics live in one sub-package per mesh
// (istio/). It does not read files or clusters (discover fills the
// inventory) and does not judge compliance (evaluate turns the report into
// matrix cells).
package policy
