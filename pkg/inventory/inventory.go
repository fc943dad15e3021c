package inventory

import "sort"

// Mesh kinds a workload can belong to.
const (
	MeshSidecar = "sidecar"
	MeshAmbient = "ambient"
	MeshNone    = "none"
)

// Inventory is what discover found: every object that matters to transport
// security and the problems met on the way. Its service paths are every
// (workload, TCP Service port) pair; they are never listed, only counted
// (PathCount) and predicted per class of clients.
type Inventory struct {
	// Cluster names the cluster; it is part of every path id.
	Cluster    string      `json:"cluster"`
	Source     string      `json:"source"` // "manifests:DIR" or "cluster:CONTEXT"
	Namespaces []Namespace `json:"namespaces"`
	Workloads  []Workload  `json:"workloads"`
	Pods       []Pod       `json:"pods"`
	Services   []Service   `json:"services"`
	// Objects keeps every object discover did not turn into a noun above
	// (Istio policies, ConfigMaps, kinds it does not know), as JSON, for later
	// readers such as the policy engine. Secrets are never kept.
	Objects  []Object  `json:"objects,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
}

// Namespace is a Kubernetes namespace with the labels that decide mesh
// membership.
type Namespace struct {
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// Declared is false when the namespace was only inferred from the objects
	// in it (the dump did not include the Namespace object).
	Declared bool `json:"declared"`
}

// WorkloadRef names a workload.
type WorkloadRef struct {
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
}

// String renders the reference as ns/Kind/name.
func (r WorkloadRef) String() string { return r.Namespace + "/" + r.Kind + "/" + r.Name }

// Workload is a top-level controller (Deployment, StatefulSet, DaemonSet,
// Job, CronJob, a ReplicaSet without an owner) or a bare Pod.
type Workload struct {
	WorkloadRef
	Labels map[string]string `json:"labels,omitempty"`
	// PodLabels and PodAnnotations are the pod template's (or the pod's).
	PodLabels      map[string]string `json:"podLabels,omitempty"`
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`
	ServiceAccount string            `json:"serviceAccount,omitempty"`
	Containers     []Container       `json:"containers"`
	InitContainers []Container       `json:"initContainers,omitempty"`
	Mesh           Mesh              `json:"mesh"`
	// Pods lists the names of the pods this workload owns (directly or
	// through a ReplicaSet or Job).
	Pods   []string `json:"pods,omitempty"`
	Source string   `json:"source,omitempty"` // file the object came from
}

// Images returns the distinct images of the workload's containers, init
// containers included, in order of appearance.
func (w *Workload) Images() []string {
	var out []string
	seen := map[string]bool{}
	for _, cs := range [][]Container{w.InitContainers, w.Containers} {
		for _, c := range cs {
			if c.Image != "" && !seen[c.Image] {
				seen[c.Image] = true
				out = append(out, c.Image)
			}
		}
	}
	return out
}

// Container is one container of a pod template.
type Container struct {
	Name  string            `json:"name"`
	Image string            `json:"image"`
	Ports []ContainerPort   `json:"ports,omitempty"`
	Env   map[string]string `json:"env,omitempty"` // literal values only; never values from Secrets
}

// ContainerPort is a declared container port.
type ContainerPort struct {
	Name     string `json:"name,omitempty"`
	Port     int32  `json:"port"`
	Protocol string `json:"protocol"`
}

// Mesh says whether and how a workload is part of a service mesh, and why
// discover thinks so.
type Mesh struct {
	Kind   string `json:"kind"` // MeshSidecar, MeshAmbient or MeshNone
	Reason string `json:"reason"`
	// ExcludeInboundPorts lists ports the sidecar does not capture
	// (traffic.sidecar.istio.io/excludeInboundPorts).
	ExcludeInboundPorts []int32 `json:"excludeInboundPorts,omitempty"`
}

// Pod is a pod seen in the dump or the cluster.
type Pod struct {
	Namespace   string            `json:"namespace"`
	Name        string            `json:"name"`
	IP          string            `json:"ip,omitempty"`
	IPs         []string          `json:"ips,omitempty"`
	Node        string            `json:"node,omitempty"`
	HostNetwork bool              `json:"hostNetwork,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Owner       WorkloadRef       `json:"owner"`
	Mesh        Mesh              `json:"mesh"`
}

// ServiceRef names a Service.
type ServiceRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// String renders the reference as ns/name.
func (r ServiceRef) String() string { return r.Namespace + "/" + r.Name }

// Service is a Kubernetes Service.
type Service struct {
	ServiceRef
	Type         string            `json:"type"`
	ClusterIP    string            `json:"clusterIP,omitempty"`
	ClusterIPs   []string          `json:"clusterIPs,omitempty"`
	Headless     bool              `json:"headless,omitempty"`
	ExternalName string            `json:"externalName,omitempty"`
	Selector     map[string]string `json:"selector,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Ports        []ServicePort     `json:"ports"`
	// Backends are the workloads the selector matches.
	Backends  []WorkloadRef `json:"backends,omitempty"`
	Endpoints []Endpoint    `json:"endpoints,omitempty"`
	Source    string        `json:"source,omitempty"`
}

// ServicePort is one port of a Service with its target resolved.
type ServicePort struct {
	Name        string `json:"name,omitempty"`
	Port        int32  `json:"port"`
	Protocol    string `json:"protocol"`
	AppProtocol string `json:"appProtocol,omitempty"`
	// TargetPort is the numeric container port; 0 when it could not be
	// resolved (see TargetPortName and the inventory problems).
	TargetPort     int32  `json:"targetPort"`
	TargetPortName string `json:"targetPortName,omitempty"`
	NodePort       int32  `json:"nodePort,omitempty"`
}

// Endpoint is one address behind a Service, from EndpointSlices.
type Endpoint struct {
	IP       string `json:"ip"`
	Port     int32  `json:"port"`
	PortName string `json:"portName,omitempty"`
	Pod      string `json:"pod,omitempty"`
	Ready    bool   `json:"ready"`
}

// Object is a Kubernetes object kept as JSON for readers that know its
// kind.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	Source     string `json:"source,omitempty"`
	Raw        []byte `json:"-"`
}

// Problem is something discover could not read or resolve. The scan goes
// on; the problem is reported with the file and object it concerns.
type Problem struct {
	Source  string `json:"source,omitempty"` // file (and document index)
	Object  string `json:"object,omitempty"` // Kind ns/name
	Message string `json:"message"`
}

// Workload returns the workload with the given reference, or nil.
func (inv *Inventory) Workload(ref WorkloadRef) *Workload {
	for i := range inv.Workloads {
		if inv.Workloads[i].WorkloadRef == ref {
			return &inv.Workloads[i]
		}
	}
	return nil
}

// Service returns the service with the given reference, or nil.
func (inv *Inventory) Service(ref ServiceRef) *Service {
	for i := range inv.Services {
		if inv.Services[i].ServiceRef == ref {
			return &inv.Services[i]
		}
	}
	return nil
}

// Namespace returns the namespace with the given name, or nil.
func (inv *Inventory) Namespace(name string) *Namespace {
	for i := range inv.Namespaces {
		if inv.Namespaces[i].Name == name {
			return &inv.Namespaces[i]
		}
	}
	return nil
}

// ObjectsOfKind returns the kept objects of one kind, in inventory order.
func (inv *Inventory) ObjectsOfKind(kind string) []Object {
	var out []Object
	for _, o := range inv.Objects {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// Sort puts every list in a stable order so that output is deterministic.
func (inv *Inventory) Sort() {
	sort.Slice(inv.Namespaces, func(i, j int) bool { return inv.Namespaces[i].Name < inv.Namespaces[j].Name })
	sort.Slice(inv.Workloads, func(i, j int) bool {
		return inv.Workloads[i].WorkloadRef.String() < inv.Workloads[j].WorkloadRef.String()
	})
	sort.Slice(inv.Pods, func(i, j int) bool {
		a, b := inv.Pods[i], inv.Pods[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	sort.Slice(inv.Services, func(i, j int) bool { return inv.Services[i].String() < inv.Services[j].String() })
	sort.SliceStable(inv.Objects, func(i, j int) bool {
		a, b := inv.Objects[i], inv.Objects[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
}

// TCPPorts counts the TCP ports of all Services: the rows of the matrix.
func (inv *Inventory) TCPPorts() int {
	n := 0
	for i := range inv.Services {
		for _, p := range inv.Services[i].Ports {
			if p.Protocol == "TCP" {
				n++
			}
		}
	}
	return n
}

// PathCount is the number of service paths: every workload to every TCP
// Service port.
func (inv *Inventory) PathCount() int { return len(inv.Workloads) * inv.TCPPorts() }
