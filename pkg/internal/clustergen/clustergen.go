package clustergen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"

	"sigs.k8s.io/yaml"
)

// Spec is the size and mix of a generated cluster.
type Spec struct {
	// Workloads is the number of Deployments.
	Workloads int
	// Namespaces is the number of application namespaces (default
	// Workloads/30, at least 1).
	Namespaces int
	// ServicePorts is the number of Service ports (default 2 per
	// workload). Workloads get a Service of two ports while ports remain,
	// then one, then none: the rest are clients only.
	ServicePorts int
	// Seed makes the mix reproducible (default 1).
	Seed uint64
}

// Counts is what Write produced.
type Counts struct {
	Namespaces, Workloads, Pods, Services, ServicePorts, Policies int
}

// Mesh modes of a generated namespace, in the proportions of an ordinary
// cluster part-way through a mesh rollout.
const (
	modeSidecar  = "sidecar"  // istio-injection=enabled
	modeRevision = "revision" // istio.io/rev=stable
	modeAmbient  = "ambient"  // istio.io/dataplane-mode=ambient
	modeNone     = "none"     // no label
)

// modes repeats every twenty namespaces: 60% sidecar, 15% unmeshed, 15%
// ambient, 10% by revision label; small clusters still get every mode.
var modes = [20]string{
	modeSidecar, modeNone, modeAmbient, modeRevision, modeSidecar, modeSidecar, modeAmbient, modeSidecar, modeNone, modeSidecar,
	modeSidecar, modeRevision, modeSidecar, modeAmbient, modeSidecar, modeNone, modeSidecar, modeSidecar, modeSidecar, modeSidecar,
}

func modeOf(i int) string { return modes[i%len(modes)] }

// Write writes the cluster as multi-document YAML.
func Write(w io.Writer, s Spec) (Counts, error) {
	if s.Workloads <= 0 {
		return Counts{}, fmt.Errorf("workloads must be positive, got %d", s.Workloads)
	}
	if s.Namespaces <= 0 {
		s.Namespaces = max(1, s.Workloads/30)
	}
	if s.ServicePorts <= 0 {
		s.ServicePorts = 2 * s.Workloads
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	g := &gen{w: bufio.NewWriterSize(w, 1<<16), rnd: rand.New(rand.NewPCG(s.Seed, s.Seed^0x5c8)), portsLeft: s.ServicePorts}
	g.istioSystem()
	for n := 0; n < s.Namespaces; n++ {
		// Workloads spread evenly; the first namespaces take the remainder.
		k := s.Workloads / s.Namespaces
		if n < s.Workloads%s.Namespaces {
			k++
		}
		g.namespace(n, k, s.Workloads)
	}
	if g.err == nil {
		g.err = g.w.Flush()
	}
	return g.c, g.err
}

type gen struct {
	w         *bufio.Writer
	rnd       *rand.Rand
	c         Counts
	err       error
	ip        uint32 // pod IPs from 198.18.0.0/15, ClusterIPs from its top half
	svcIP     uint32
	portsLeft int
}

type obj = map[string]any

func (g *gen) emit(o obj) {
	if g.err != nil {
		return
	}
	b, err := yaml.Marshal(o)
	if err != nil {
		g.err = err
		return
	}
	if _, err := g.w.WriteString("---\n"); err != nil {
		g.err = err
		return
	}
	_, g.err = g.w.Write(b)
}

func meta(name, ns string, labels map[string]string) obj {
	m := obj{"name": name}
	if ns != "" {
		m["namespace"] = ns
	}
	if len(labels) > 0 {
		m["labels"] = labels
	}
	return m
}

func (g *gen) podIP() string {
	g.ip++
	return fmt.Sprintf("198.18.%d.%d", (g.ip>>8)&0xff, g.ip&0xff)
}

func (g *gen) clusterIP() string {
	g.svcIP++
	return fmt.Sprintf("198.19.%d.%d", (g.svcIP>>8)&0xff, g.svcIP&0xff)
}

func (g *gen) istioSystem() {
	g.emit(obj{"apiVersion": "v1", "kind": "Namespace", "metadata": meta("istio-system", "", nil)})
	g.c.Namespaces++
	// Mesh-wide PERMISSIVE, the default left as it is in many clusters.
	g.emit(obj{"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "metadata": meta("default", "istio-system", nil),
		"spec": obj{"mtls": obj{"mode": "PERMISSIVE"}}})
	g.c.Policies++
	for _, rev := range []string{"", "stable"} {
		name, labels := "istio-sidecar-injector", map[string]string{"app": "sidecar-injector"}
		if rev != "" {
			name += "-" + rev
			labels["istio.io/rev"] = rev
		}
		g.emit(obj{"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": meta(name, "", labels),
			"webhooks": []obj{{"name": "sidecar-injector.istio.io", "admissionReviewVersions": []string{"v1"}, "sideEffects": "None",
				"clientConfig": obj{"service": obj{"name": "istiod", "namespace": "istio-system", "path": "/inject"}}}}})
	}
}

func (g *gen) namespace(n, workloads, total int) {
	ns := fmt.Sprintf("app-%03d", n)
	mode := modeOf(n)
	labels := map[string]string{}
	switch mode {
	case modeSidecar:
		labels["istio-injection"] = "enabled"
	case modeRevision:
		labels["istio.io/rev"] = "stable"
	case modeAmbient:
		labels["istio.io/dataplane-mode"] = "ambient"
	}
	g.emit(obj{"apiVersion": "v1", "kind": "Namespace", "metadata": meta(ns, "", labels)})
	g.c.Namespaces++
	if mode != modeNone {
		pa := "STRICT"
		if n%3 == 2 {
			pa = "PERMISSIVE"
		}
		g.emit(obj{"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "metadata": meta("default", ns, nil),
			"spec": obj{"mtls": obj{"mode": pa}}})
		g.c.Policies++
	}
	for i := 0; i < workloads; i++ {
		g.workload(ns, mode, i)
	}
}

func (g *gen) workload(ns, mode string, i int) {
	name := fmt.Sprintf("svc-%04d", i)
	sel := map[string]string{"app": name}
	ports := 0
	switch {
	case g.portsLeft >= 2:
		ports = 2
	case g.portsLeft == 1:
		ports = 1
	}
	g.portsLeft -= ports
	container := obj{"name": "app", "image": fmt.Sprintf("registry.example/%s/%s:1.%d", ns, name, i%7),
		"ports": []obj{{"name": "http", "containerPort": 8080, "protocol": "TCP"}, {"name": "grpc", "containerPort": 9090, "protocol": "TCP"}}}
	g.emit(obj{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, ns, sel),
		"spec": obj{"replicas": 2, "selector": obj{"matchLabels": sel},
			"template": obj{"metadata": obj{"labels": sel}, "spec": obj{"serviceAccountName": name, "containers": []obj{container}}}}})
	g.c.Workloads++
	replicas := 1 + g.rnd.IntN(3)
	for r := 0; r < replicas; r++ {
		g.pod(ns, name, mode, sel, container, r)
	}
	if ports == 0 {
		return
	}
	sp := []obj{{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}}
	if ports == 2 {
		sp = append(sp, obj{"name": "grpc", "port": 9090, "targetPort": 9090, "protocol": "TCP"})
	}
	g.emit(obj{"apiVersion": "v1", "kind": "Service", "metadata": meta(name, ns, sel),
		"spec": obj{"selector": sel, "clusterIP": g.clusterIP(), "ports": sp}})
	g.c.Services++
	g.c.ServicePorts += ports
	if g.c.Services%5 == 0 {
		mode := "ISTIO_MUTUAL"
		if g.c.Services%25 == 0 {
			mode = "DISABLE"
		}
		g.emit(obj{"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": meta(name, ns, nil),
			"spec": obj{"host": fmt.Sprintf("%s.%s.svc.cluster.local", name, ns), "trafficPolicy": obj{"tls": obj{"mode": mode}}}})
		g.c.Policies++
	}
}

func (g *gen) pod(ns, name, mode string, sel map[string]string, app obj, r int) {
	labels := map[string]string{"pod-template-hash": "7f9c6d5b8"}
	for k, v := range sel {
		labels[k] = v
	}
	containers := []obj{app}
	ann := map[string]string{}
	// One pod in fifty predates injection: the worst pod decides.
	injected := (mode == modeSidecar || mode == modeRevision) && g.rnd.IntN(50) != 0
	if injected {
		containers = append(containers, obj{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.28.1"})
		ann["sidecar.istio.io/status"] = `{"containers":["istio-proxy"],"initContainers":["istio-init"]}`
	}
	if mode == modeAmbient {
		ann["ambient.istio.io/redirection"] = "enabled"
	}
	m := meta(fmt.Sprintf("%s-7f9c6d5b8-%05d", name, r), ns, labels)
	m["ownerReferences"] = []obj{{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": name + "-7f9c6d5b8", "controller": true, "uid": "00000000-0000-0000-0000-000000000000"}}
	if len(ann) > 0 {
		m["annotations"] = ann
	}
	g.emit(obj{"apiVersion": "v1", "kind": "Pod", "metadata": m,
		"spec":   obj{"serviceAccountName": name, "nodeName": fmt.Sprintf("node-%02d", g.c.Pods%16), "containers": containers},
		"status": obj{"phase": "Running", "podIP": g.podIP()}})
	g.c.Pods++
}
