// Package kubenode gives integration tests a real single-node Kubernetes
// cluster: it runs hack/kube-node.sh, which starts etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kube-proxy and a kubelet on
// containerd in network, PID and mount namespaces of their own, and stops
// and removes all of it again. Each test process gets instances of its own
// name, so several packages' tests run nodes at once.
//
// It owns starting, reaching and removing an instance, importing images into
// it (GoImage builds a Go program into one) and skipping the test, or
// failing it under CI=true, when the node cannot run here. It does not build
// the Kubernetes binaries outside CI (hack/kube-node.sh build does), create
// workloads or wait for them: tests use client-go with Node.Rest.
//
// cmd/sc8pause is the pod sandbox program of those nodes.
package kubenode
