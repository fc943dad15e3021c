// Package istio predicts, from Istio's declared configuration, what each
// service path carries on the wire: mesh mTLS, application TLS, plaintext,
// or nothing at all because the two ends disagree.
//
// It reads PeerAuthentication, DestinationRule, VirtualService (for the
// subsets traffic is routed to), Gateway, the mesh config in the istio
// ConfigMap and istiod's COMPLIANCE_POLICY from the inventory's kept
// objects, decoding them with istio.io/api types as the API server would
// accept them. Objects that are invalid, conflicting or point at nothing
// become findings that name the object; they never stop the evaluation.
//
// It owns the Istio semantics: the effective PeerAuthentication mode per
// workload and target port, the DestinationRule lookup path, auto mTLS with
// its per-endpoint rules, sidecar, ambient and proxy-less workloads. It does
// not read files or clusters (discover does) and does not judge compliance
// (evaluate does).
package istio
