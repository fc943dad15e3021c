// Package e2e holds the end-to-end tests that need a whole Kubernetes node
// (hack/kube-node.sh): the in-cluster scan of the demo's servers, run as
// pods from locally built images, checked cell by cell against the same
// servers probed from this machine, and the clean-up guarantees of a run.
// It has no code of its own.
package e2e
