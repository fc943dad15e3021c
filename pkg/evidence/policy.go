package evidence

// PolicyAPIVersion is the version of the PolicyReport: v1alpha2 predicts
// per (source class x destination port), not per path.
const PolicyAPIVersion = "sc8scan.dev/v1alpha2"

// PolicyReport is what the mesh's declared policy predicts for each
// destination port, per class of clients that the policy cannot tell
// apart there.
type PolicyReport struct {
	Header
	Ports []PolicyPort `json:"ports"`
	// Groups are the member lists of the classes, each written once.
	Groups   []SourceGroup `json:"groups"`
	Mesh     *MeshTLS      `json:"mesh,omitempty"`
	Findings []Finding     `json:"findings,omitempty"`
}

// PolicyPort is the prediction for one Service port.
type PolicyPort struct {
	Destination PolicyDestination `json:"destination"`
	// Server is the weakest server mode over the classes, and
	// PlaintextAccepted whether the port lets plaintext in from any of
	// them: what the server side declares, whoever asks.
	Server            PolicySide    `json:"server"`
	PlaintextAccepted bool          `json:"plaintextAccepted"`
	Classes           []PolicyClass `json:"classes"`
}

// PolicyClass is the prediction for the clients of one group towards one
// port: every member gets the same prediction, for the same reasons.
type PolicyClass struct {
	// Group is the id of the SourceGroup that lists the members.
	Group  string     `json:"group"`
	Mesh   string     `json:"mesh"` // "sidecar", "ambient", "none"
	Server PolicySide `json:"server"`
	Client PolicySide `json:"client"`
	// Expected is "mtls", "tls", "plaintext" or "broken".
	Expected          string   `json:"expected"`
	PlaintextAccepted bool     `json:"plaintextAccepted"`
	Reasons           []string `json:"reasons"`
	// Network is node-level encryption (Cilium WireGuard, IPsec or ztunnel)
	// that covers the class's paths below the mesh, when the cluster
	// configures it. Expected stays the mesh-layer prediction.
	Network *NetworkEncryption `json:"network,omitempty"`
}

// SourceGroup is one list of client workloads.
type SourceGroup struct {
	ID      string         `json:"id"`
	Members []PolicySource `json:"members"`
}

// PolicyPath is the prediction for one (client workload -> Service port):
// a class's prediction seen from one of its members, for path queries.
type PolicyPath struct {
	// PathID is the inventory path id.
	PathID      string            `json:"pathId,omitempty"`
	Source      PolicySource      `json:"source"`
	Destination PolicyDestination `json:"destination"`
	Server      PolicySide        `json:"server"`
	Client      PolicySide        `json:"client"`
	// Expected is "mtls", "tls", "plaintext" or "broken".
	Expected          string             `json:"expected"`
	PlaintextAccepted bool               `json:"plaintextAccepted"`
	Reasons           []string           `json:"reasons"`
	Network           *NetworkEncryption `json:"network,omitempty"`
}

// NetworkEncryption is transparent encryption by the CNI for one path.
type NetworkEncryption struct {
	Kind   string `json:"kind"`   // "wireguard", "ipsec", "ztunnel"
	Policy string `json:"policy"` // ns/name of the ConfigMap that enables it
	// CrossNode and SameNode say whether traffic between pods on different
	// nodes, and on the same node, is encrypted.
	CrossNode bool `json:"crossNode"`
	SameNode  bool `json:"sameNode"`
	// PodPairs counts the (source pod, backend pod) pairs of the path whose
	// nodes are known; SameNodePairs those that share a node.
	PodPairs      int `json:"podPairs"`
	SameNodePairs int `json:"sameNodePairs"`
}

// PolicySource is the client side of a predicted path.
type PolicySource struct {
	Namespace string `json:"namespace"`
	Kind      string `json:"kind,omitempty"`
	Workload  string `json:"workload"`
	Mesh      string `json:"mesh"` // "sidecar", "ambient", "none"
}

// PolicyDestination is the server side of a predicted path.
type PolicyDestination struct {
	Namespace  string `json:"namespace"`
	Service    string `json:"service"`
	Port       int    `json:"port"`
	TargetPort int    `json:"targetPort"`
}

// PolicySide is the effective mode on one side and the object that set it.
type PolicySide struct {
	Mode   string `json:"mode"`             // server: STRICT|PERMISSIVE|DISABLE|NONE; client: ISTIO_MUTUAL|MUTUAL|SIMPLE|DISABLE|AUTO|NONE
	Policy string `json:"policy,omitempty"` // "ns/name" of the deciding object
}

// MeshTLS is the mesh-wide TLS configuration that SC-8(1) and SC-13 care
// about.
type MeshTLS struct {
	MinProtocolVersion string       `json:"minProtocolVersion,omitempty"`
	CipherSuites       []string     `json:"cipherSuites,omitempty"`
	CompliancePolicy   string       `json:"compliancePolicy,omitempty"`
	Gateways           []GatewayTLS `json:"gateways,omitempty"`
}

// GatewayTLS is one TLS server of a Gateway.
type GatewayTLS struct {
	Gateway            string   `json:"gateway"` // ns/name
	Port               int      `json:"port"`
	Hosts              []string `json:"hosts,omitempty"`
	Mode               string   `json:"mode"`
	MinProtocolVersion string   `json:"minProtocolVersion,omitempty"`
	CipherSuites       []string `json:"cipherSuites,omitempty"`
}

// Finding is a problem with an input object: invalid, conflicting, or
// pointing at nothing. It names the object.
type Finding struct {
	Severity string `json:"severity"` // "error", "warning", "info"
	Object   string `json:"object"`   // Kind ns/name
	Source   string `json:"source,omitempty"`
	Message  string `json:"message"`
}
