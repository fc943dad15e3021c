// Package linkerd predicts the wire state of service paths that touch a
// Linkerd-meshed workload: Linkerd mTLSes all TCP between meshed pods,
// accepts plaintext from unmeshed clients unless the default inbound policy
// requires authentication, and never encrypts ports its proxy skips.
//
// It reads the proxy container, the linkerd.io/inject annotations (pod and
// namespace), config.linkerd.io/skip-inbound-ports, skip-outbound-ports,
// opaque-ports and default-inbound-policy. It does not evaluate Server,
// AuthorizationPolicy or MeshTLSAuthentication objects; paths whose
// servers they govern say so in their reasons.
package linkerd
