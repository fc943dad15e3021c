package cilium

import (
	"encoding/json"
	"fmt"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// Keys of cilium-config (install/kubernetes/cilium/templates/cilium-configmap.yaml).
const (
	keyWireGuard = "enable-wireguard"
	keyIPsec     = "enable-ipsec"
	keyZtunnel   = "enable-ztunnel"
	labelMTLS    = "io.cilium/mtls-enabled"
)

// Engine holds one inventory's Cilium encryption settings.
type Engine struct {
	inv      *inventory.Inventory
	kind     string // "wireguard", "ipsec", or ""
	ztunnel  bool
	policy   string
	nsLabels map[string]map[string]string
	pods     map[inventory.ServiceRef]*inventory.Pod // ns/name
	byOwner  map[inventory.WorkloadRef][]*inventory.Pod
	svc      map[inventory.ServiceRef]int
	Findings []evidence.Finding
}

// NewEngine reads the cilium-config ConfigMap of inv, if any.
func NewEngine(inv *inventory.Inventory) *Engine {
	e := &Engine{inv: inv}
	for _, o := range inv.ObjectsOfKind("ConfigMap") {
		if o.Name != "cilium-config" {
			continue
		}
		var cm struct {
			Data map[string]string `json:"data"`
		}
		if err := json.Unmarshal(o.Raw, &cm); err != nil {
			e.Findings = append(e.Findings, evidence.Finding{Severity: "error", Object: "ConfigMap " + o.Namespace + "/" + o.Name, Source: o.Source,
				Message: fmt.Sprintf("reading cilium-config: %v; Cilium encryption is not evaluated", err)})
			continue
		}
		e.policy = o.Namespace + "/" + o.Name
		switch {
		case cm.Data[keyWireGuard] == "true":
			e.kind = "wireguard"
		case cm.Data[keyIPsec] == "true":
			e.kind = "ipsec"
		}
		e.ztunnel = cm.Data[keyZtunnel] == "true"
		break
	}
	if !e.Enabled() {
		return e
	}
	e.nsLabels = map[string]map[string]string{}
	for _, n := range inv.Namespaces {
		e.nsLabels[n.Name] = n.Labels
	}
	e.pods = map[inventory.ServiceRef]*inventory.Pod{}
	e.byOwner = map[inventory.WorkloadRef][]*inventory.Pod{}
	for i := range inv.Pods {
		p := &inv.Pods[i]
		e.pods[inventory.ServiceRef{Namespace: p.Namespace, Name: p.Name}] = p
		e.byOwner[p.Owner] = append(e.byOwner[p.Owner], p)
	}
	e.svc = map[inventory.ServiceRef]int{}
	for i := range inv.Services {
		e.svc[inv.Services[i].ServiceRef] = i
	}
	return e
}

// Enabled reports whether Cilium encrypts anything.
func (e *Engine) Enabled() bool { return e.kind != "" || e.ztunnel }

// Annotate adds the network-layer encryption of path p to pp.
func (e *Engine) Annotate(p inventory.Path, pp *evidence.PolicyPath) {
	if !e.Enabled() {
		return
	}
	if e.ztunnel && e.nsLabels[p.Source.Namespace][labelMTLS] == "true" && e.nsLabels[p.Destination.Namespace][labelMTLS] == "true" {
		pp.Network = &evidence.NetworkEncryption{Kind: "ztunnel", Policy: e.policy, CrossNode: true, SameNode: true}
		pp.Reasons = append(pp.Reasons, fmt.Sprintf("Cilium ztunnel mode (%s) enrols both namespaces (%s=true): TCP between their pods is mTLS over HBONE whatever the mesh layer says", e.policy, labelMTLS))
		return
	}
	if e.kind == "" {
		return
	}
	n := &evidence.NetworkEncryption{Kind: e.kind, Policy: e.policy, CrossNode: true}
	src := e.byOwner[p.Source]
	var dst []*inventory.Pod
	if i, ok := e.svc[p.Destination]; ok {
		seen := map[string]bool{}
		for _, ep := range e.inv.Services[i].Endpoints {
			if pod := e.pods[inventory.ServiceRef{Namespace: p.Destination.Namespace, Name: ep.Pod}]; pod != nil && !seen[pod.Name] {
				seen[pod.Name] = true
				dst = append(dst, pod)
			}
		}
		if len(dst) == 0 {
			for _, b := range e.inv.Services[i].Backends {
				dst = append(dst, e.byOwner[b]...)
			}
		}
	}
	for _, s := range src {
		for _, d := range dst {
			if s.Node == "" || d.Node == "" {
				continue
			}
			n.PodPairs++
			if s.Node == d.Node {
				n.SameNodePairs++
			}
		}
	}
	pp.Network = n
	name := map[string]string{"wireguard": "WireGuard", "ipsec": "IPsec"}[e.kind]
	switch {
	case n.PodPairs == 0:
		pp.Reasons = append(pp.Reasons, fmt.Sprintf("Cilium %s (%s) encrypts pod traffic between nodes but not between pods on one node; the pods' nodes are not known, so whether this path stays on one node is unknown", name, e.policy))
	case n.SameNodePairs == 0:
		pp.Reasons = append(pp.Reasons, fmt.Sprintf("Cilium %s (%s) encrypts this path's traffic: its %d known pod pairs are on different nodes", name, e.policy, n.PodPairs))
	default:
		pp.Reasons = append(pp.Reasons, fmt.Sprintf("Cilium %s (%s) encrypts pod traffic between nodes only: %d of this path's %d pod pairs share a node and travel unencrypted", name, e.policy, n.SameNodePairs, n.PodPairs))
	}
}
