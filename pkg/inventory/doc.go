// Package inventory holds the nouns every stage of sc8scan shares: namespaces,
// workloads, pods, services and their ports, images, mesh membership and the
// service paths built from them, each path with a stable id.
//
// It owns the shape of the inventory and the path ids. It does not read
// anything: discover fills an Inventory from manifests or a cluster, and the
// evidence producers and evaluate only read it. It imports only the standard
// library so that the probe binary can carry it.
package inventory
