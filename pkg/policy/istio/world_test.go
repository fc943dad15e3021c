package istio_test

import (
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy/istio"
)

// world builds an inventory by hand, the way discover would fill it from a
// dump: namespaces, workloads with pod labels and mesh membership, Services
// with their backends, and Istio objects kept as JSON.
type world struct {
	t   testing.TB
	inv inventory.Inventory
}

func newWorld(t testing.TB) *world {
	w := &world{t: t, inv: inventory.Inventory{Cluster: "test"}}
	w.namespace("istio-system", nil)
	return w
}

func (w *world) namespace(name string, labels map[string]string) {
	if n := w.inv.Namespace(name); n != nil {
		for k, v := range labels {
			if n.Labels == nil {
				n.Labels = map[string]string{}
			}
			n.Labels[k] = v
		}
		return
	}
	w.inv.Namespaces = append(w.inv.Namespaces, inventory.Namespace{Name: name, Labels: labels, Declared: true})
}

// wl adds a Deployment named name in ns with pod label app=name and a
// container port 8080 (and 18080). mesh is a mesh kind, or "" to let the
// engine infer it from anns, containers and namespace labels.
type wlOpt func(*inventory.Workload)

func withAnnotation(k, v string) wlOpt {
	return func(x *inventory.Workload) {
		if x.PodAnnotations == nil {
			x.PodAnnotations = map[string]string{}
		}
		x.PodAnnotations[k] = v
	}
}

func withLabel(k, v string) wlOpt { return func(x *inventory.Workload) { x.PodLabels[k] = v } }

func withContainer(name string) wlOpt {
	return func(x *inventory.Workload) {
		x.Containers = append(x.Containers, inventory.Container{Name: name, Image: "proxy"})
	}
}

func withExclude(ports ...int32) wlOpt {
	return func(x *inventory.Workload) { x.Mesh.ExcludeInboundPorts = ports }
}

func (w *world) wl(ns, name, mesh string, opts ...wlOpt) inventory.WorkloadRef {
	w.namespace(ns, nil)
	ref := inventory.WorkloadRef{Namespace: ns, Kind: "Deployment", Name: name}
	x := inventory.Workload{
		WorkloadRef: ref,
		PodLabels:   map[string]string{"app": name},
		Containers: []inventory.Container{{Name: "app", Image: "app:1", Ports: []inventory.ContainerPort{
			{Name: "http", Port: 8080, Protocol: "TCP"}, {Name: "alt", Port: 18080, Protocol: "TCP"}}}},
		Mesh: inventory.Mesh{Kind: mesh},
	}
	for _, o := range opts {
		o(&x)
	}
	w.inv.Workloads = append(w.inv.Workloads, x)
	return ref
}

// pod adds a running pod of workload ref with the labels the injector
// would set.
func (w *world) pod(ref inventory.WorkloadRef, name string, tlsMode bool) {
	x := w.inv.Workload(ref)
	labels := map[string]string{}
	for k, v := range x.PodLabels {
		labels[k] = v
	}
	if tlsMode {
		labels["security.istio.io/tlsMode"] = "istio"
	}
	w.inv.Pods = append(w.inv.Pods, inventory.Pod{Namespace: ref.Namespace, Name: name, Labels: labels, Owner: ref, Mesh: x.Mesh})
	x.Pods = append(x.Pods, name)
}

type portMap struct{ port, target int32 }

// svc adds a Service in ns selecting app=backends[0]'s name.
func (w *world) svc(ns, name string, ports []portMap, backends ...inventory.WorkloadRef) inventory.ServiceRef {
	ref := inventory.ServiceRef{Namespace: ns, Name: name}
	s := inventory.Service{ServiceRef: ref, Type: "ClusterIP", ClusterIP: "10.0.0.1", Backends: backends}
	if len(backends) > 0 {
		s.Selector = map[string]string{"app": backends[0].Name}
	}
	for _, p := range ports {
		s.Ports = append(s.Ports, inventory.ServicePort{Name: "p" + itoa(p.port), Port: p.port, Protocol: "TCP", TargetPort: p.target})
	}
	w.inv.Services = append(w.inv.Services, s)
	return ref
}

func itoa(n int32) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// apply keeps one object given as YAML, as discover keeps it (JSON).
func (w *world) apply(docs ...string) {
	w.t.Helper()
	for _, doc := range docs {
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			w.t.Fatalf("test object is not YAML: %v\n%s", err, doc)
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct{ Name, Namespace string }
		}
		if err := json.Unmarshal(js, &head); err != nil {
			w.t.Fatalf("test object: %v", err)
		}
		w.inv.Objects = append(w.inv.Objects, inventory.Object{APIVersion: head.APIVersion, Kind: head.Kind,
			Namespace: head.Metadata.Namespace, Name: head.Metadata.Name, Source: "test.yaml", Raw: js})
	}
}

func (w *world) engine() *istio.Engine {
	return istio.NewEngine(&w.inv, istio.Config{})
}

// Object builders, in YAML as a user writes them.

func pa(ns, name, body string) string {
	return "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n" + body
}

func paAt(ns, name, created, body string) string {
	return "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n  creationTimestamp: \"" + created + "\"\n" + body
}

func mode(m string) string { return "spec:\n  mtls:\n    mode: " + m + "\n" }

func dr(ns, name, body string) string {
	return "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n" + body
}

func drTLS(host, m string) string {
	return "spec:\n  host: " + host + "\n  trafficPolicy:\n    tls:\n      mode: " + m + "\n"
}

func meshConfig(mesh string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n")
	for _, l := range strings.Split(strings.TrimRight(mesh, "\n"), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}
