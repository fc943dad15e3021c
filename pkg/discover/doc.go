// Package discover turns a Kubernetes cluster's objects into an inventory:
// namespaces, workloads (pods resolved to their owners), services with their
// target ports resolved, endpoints, pod IPs, images, mesh membership, and the
// service paths between them.
//
// Objects come from a Source. FromDir reads a directory of manifests
// (`kubectl get -A -o yaml` dumps, Helm output, multi-document YAML, JSON,
// kind: List), decoding them with the Kubernetes and Istio schemes; a live
// cluster is another Source feeding the same Build. Discover does not judge
// anything: it reports what it could not read or resolve as inventory
// problems and keeps objects it does not model (Istio policies, ConfigMaps,
// unknown kinds) for later readers. Secrets are never kept.
package discover
