//go:build tools

// Package kube pins the kube-apiserver that hack/kube-apiserver.sh builds for
// the integration tests. It is its own module so the product never depends on
// k8s.io/kubernetes.
package kube

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
