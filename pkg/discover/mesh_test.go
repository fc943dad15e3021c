package discover

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// meshNS is a namespace document with the given labels.
func meshNS(name, labels string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels: {%s}\n", name, labels)
}

// meshDeploy is a Deployment "web" in ns whose pod template has the given
// labels.
func meshDeploy(ns, tmplLabels string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: %s}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web%s}}
    spec: {containers: [{name: app, image: web:1}]}
`, ns, tmplLabels)
}

// meshPod is a pod of Deployment web (through its ReplicaSet, absent from
// the dump) with extra YAML for its annotations, labels and containers.
func meshPod(ns, name, annotations, containers, initContainers string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
  namespace: %s
  labels: {app: web, pod-template-hash: 5d9f}
  annotations: {%s}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9f, controller: true, uid: u}]
spec:
  containers: [{name: app, image: web:1}%s]
  initContainers: [%s]
status: {podIP: 198.18.0.9}
`, name, ns, annotations, containers, initContainers)
}

const (
	proxy       = ", {name: istio-proxy, image: proxyv2:1.28}"
	nativeProxy = "{name: istio-proxy, image: proxyv2:1.28, restartPolicy: Always}"
	status      = `sidecar.istio.io/status: '{"containers":["istio-proxy"]}'`
	redirected  = "ambient.istio.io/redirection: enabled"
)

func injector(name, labels string) string {
	return fmt.Sprintf("apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: %s\n  labels: {%s}\nwebhooks: []\n", name, labels)
}

// TestMeshMembership: when the dump has the pods, they decide membership
// and the worst of them judges the workload; labels only predict for
// workloads with no pod in the dump. Each case names the rule it checks.
func TestMeshMembership(t *testing.T) {
	for _, tt := range []struct {
		name   string
		docs   []string
		kind   string
		reason string // a part of the workload's reason
	}{
		// Istio injects by a mutating webhook when the pod is created: a pod
		// created before the label, or skipped by the webhook, runs without
		// a proxy and speaks plaintext.
		{"injection label, pod without proxy, is not meshed",
			[]string{meshNS("a", "istio-injection: enabled"), meshDeploy("a", ""), meshPod("a", "web-5d9f-1", "", "", "")},
			"none", "pod web-5d9f-1 has no proxy container although namespace label istio-injection=enabled asks for injection"},
		{"injected pod is a sidecar",
			[]string{meshNS("a", "istio-injection: enabled"), meshDeploy("a", ""), meshPod("a", "web-5d9f-1", status, proxy, "")},
			"sidecar", "runs an istio-proxy container"},
		// Native sidecars (Kubernetes 1.29+, ENABLE_NATIVE_SIDECARS): the
		// proxy is an init container with restartPolicy Always.
		{"native sidecar init container",
			[]string{meshNS("a", "istio-injection: enabled"), meshDeploy("a", ""), meshPod("a", "web-5d9f-1", status, "", nativeProxy)},
			"sidecar", "native sidecar"},
		{"an istio-proxy init container that is not restartable is no sidecar",
			[]string{meshNS("a", ""), meshDeploy("a", ""), meshPod("a", "web-5d9f-1", "", "", "{name: istio-proxy, image: proxyv2:1.28}")},
			"none", "no injected proxy"},
		{"status annotation without the proxy container is not meshed",
			[]string{meshNS("a", "istio-injection: enabled"), meshDeploy("a", ""), meshPod("a", "web-5d9f-1", status, "", "")},
			"none", "sidecar.istio.io/status but no istio-proxy container"},
		// Rollout: some pods injected, some not; a client may reach any.
		{"mixed pods are judged by the worst",
			[]string{meshNS("a", "istio-injection: enabled"), meshDeploy("a", ""),
				meshPod("a", "web-5d9f-1", status, proxy, ""), meshPod("a", "web-5d9f-2", "", "", ""), meshPod("a", "web-5d9f-3", status, proxy, "")},
			"none", "judged by its worst pod: 1 of 3 pods none; pod web-5d9f-2 has no proxy container"},
		// Ambient: the istio-cni node agent annotates the pods it redirects
		// to ztunnel; a pod without the annotation is not captured.
		{"ambient namespace, redirected pod",
			[]string{meshNS("a", "istio.io/dataplane-mode: ambient"), meshDeploy("a", ""), meshPod("a", "web-5d9f-1", redirected, "", "")},
			"ambient", "ambient.istio.io/redirection=enabled"},
		{"ambient namespace, pod not redirected",
			[]string{meshNS("a", "istio.io/dataplane-mode: ambient"), meshDeploy("a", ""), meshPod("a", "web-5d9f-1", "", "", "")},
			"none", "is not redirected to ztunnel"},
		{"sidecar and ambient pods: ambient is the weaker",
			[]string{meshNS("a", "istio.io/dataplane-mode: ambient"), meshDeploy("a", ""),
				meshPod("a", "web-5d9f-1", redirected, "", ""), meshPod("a", "web-5d9f-2", status, proxy, "")},
			"ambient", "1 of 2 pods ambient"},
		// No pod in the dump: labels predict, and the reason says so.
		{"no pod: namespace label predicts",
			[]string{meshNS("a", "istio-injection: enabled"), meshDeploy("a", "")},
			"sidecar", "predicted from namespace label istio-injection=enabled (no pod in the dump)"},
		// Istio: if either the namespace or the pod label disables
		// injection, the pod is not injected.
		{"no pod: pod label inject=false wins over the namespace",
			[]string{meshNS("a", "istio-injection: enabled"), meshDeploy("a", ", sidecar.istio.io/inject: 'false'")},
			"none", "predicted from pod sets sidecar.istio.io/inject=false (no pod in the dump)"},
		{"no pod: namespace disabled wins over the pod label",
			[]string{meshNS("a", "istio-injection: disabled"), meshDeploy("a", ", sidecar.istio.io/inject: 'true'")},
			"none", "(no pod in the dump)"},
		// Revisions: istio.io/rev selects the injector of that revision or
		// revision tag; one the dump's webhooks do not name injects nothing.
		{"no pod: revision label with its injector",
			[]string{meshNS("a", "istio.io/rev: canary"), meshDeploy("a", ""), injector("istio-sidecar-injector-canary", "istio.io/rev: 1-28-1, istio.io/tag: canary")},
			"sidecar", "predicted from namespace label istio.io/rev=canary (no pod in the dump)"},
		{"no pod: revision label naming no injector",
			[]string{meshNS("a", "istio.io/rev: canary"), meshDeploy("a", ""), injector("istio-sidecar-injector", "istio.io/rev: default")},
			"none", "istio.io/rev=canary names no injector revision or tag in the dump"},
		{"no pod: revision label, no webhook configuration in the dump",
			[]string{meshNS("a", "istio.io/rev: canary"), meshDeploy("a", "")},
			"sidecar", "no injector webhook configuration in the dump"},
		// istio-injection takes precedence over istio.io/rev.
		{"no pod: injection label over a revision naming no injector",
			[]string{meshNS("a", "istio-injection: enabled, istio.io/rev: gone"), meshDeploy("a", ""), injector("istio-sidecar-injector", "istio.io/rev: default")},
			"sidecar", "istio-injection=enabled"},
		// A pod decides even against a revision the dump does not know.
		{"pod injected by an unknown revision is still a sidecar",
			[]string{meshNS("a", "istio.io/rev: gone"), meshDeploy("a", ""), injector("istio-sidecar-injector", "istio.io/rev: default"), meshPod("a", "web-5d9f-1", status, proxy, "")},
			"sidecar", "runs an istio-proxy container"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "dump.yaml", strings.Join(tt.docs, "---\n"))
			inv, err := FromDir(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range inv.Workloads {
				if w.Name == "web" {
					if w.Mesh.Kind != tt.kind || !strings.Contains(w.Mesh.Reason, tt.reason) {
						t.Errorf("mesh = %s %q, want %s containing %q", w.Mesh.Kind, w.Mesh.Reason, tt.kind, tt.reason)
					}
				}
				got = append(got, w.WorkloadRef.String())
			}
			if diff := cmp.Diff([]string{"a/Deployment/web"}, got); diff != "" {
				t.Errorf("workloads (-want +got):\n%s", diff)
			}
		})
	}
}
