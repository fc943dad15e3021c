// Package deploy holds sc8scan's in-cluster manifests (kustomize base):
// the namespace outside the mesh with restricted Pod Security, least-
// privilege RBAC, the probe Job template and the sensor DaemonSet. They are
// embedded so that the dispatcher renders exactly what the repository ships.
package deploy

import "embed"

// Base is the kustomize base.
//
//go:embed base/*.yaml
var Base embed.FS
