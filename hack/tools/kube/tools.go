//go:build tools

// Package kube pins the Kubernetes components that hack/kube-apiserver.sh and
// hack/kube-node.sh build for the integration tests: the API server for the
// live-inventory tests, and the controller manager, scheduler, kubelet and kube-proxy for
// a real single-node cluster. It is its own module so the product never
// depends on k8s.io/kubernetes.
package kube

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
