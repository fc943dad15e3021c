// Package clustergen writes manifest dumps of synthetic meshed clusters of
// any size for benchmarks: namespaces with a realistic mix of sidecar,
// revision-labelled, ambient and unmeshed workloads, PeerAuthentications in
// STRICT and PERMISSIVE, DestinationRules, Services with their ports, and
// the pods that run them. It owns only the shape of the cluster; it does
// not scan, time or judge anything. Output is deterministic for a seed and
// streamed object by object, so memory does not grow with the cluster.
package clustergen
