//go:build tools

// Package etcd pins the etcd server that hack/kube-apiserver.sh builds for the
// integration tests. It is a module of its own because kube-apiserver's module
// graph requires a newer etcd than the server it is tested against.
package etcd

import _ "go.etcd.io/etcd/server/v3"
