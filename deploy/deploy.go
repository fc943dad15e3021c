// Package deploy holds sc8scan's standing in-cluster objects as a
// kustomize base with overlays: the probes' namespace outside the mesh
// under restricted Pod Security and least-privilege RBAC for the scanner
// (base); the sensor's privileged namespace (overlays/capture); the in-mesh
// probes' namespace (overlays/mesh-sidecar, overlays/mesh-ambient); the
// extra rights of a scanner that makes its own namespaces
// (overlays/self-managed-namespaces). The objects of one run are rendered
// by pkg/dispatch (sc8scan gen prints them); a test holds the two to the
// same namespaces.
package deploy

import "embed"

// Files are the base and the overlays.
//
//go:embed base overlays
var Files embed.FS
