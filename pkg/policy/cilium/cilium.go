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
	pp.Network, pp.Reasons = e.annotate(p.Source.Namespace, e.Nodes([]inventory.WorkloadRef{p.Source}), p.Destination, pp.Reasons)
}

// Nodes counts the pods of the workloads per node, for AnnotateClass;
// pods on unknown nodes are not counted. It is nil when Cilium encrypts
// nothing.
func (e *Engine) Nodes(ws []inventory.WorkloadRef) map[string]int {
	if !e.Enabled() {
		return nil
	}
	out := map[string]int{}
	for _, w := range ws {
		for _, p := range e.byOwner[w] {
			if p.Node != "" {
				out[p.Node]++
			}
		}
	}
	return out
}

// AnnotateClass is Annotate for a class of clients in one namespace
// whose pods are spread over nodes as Nodes counted: the pod pairs are
// counted from the two histograms, never pair by pair.
func (e *Engine) AnnotateClass(namespace string, nodes map[string]int, dst inventory.ServiceRef, reasons []string) (*evidence.NetworkEncryption, []string) {
	if !e.Enabled() {
		return nil, reasons
	}
	return e.annotate(namespace, nodes, dst, reasons)
}

// ZtunnelKey says what of a client namespace Cilium's ztunnel mode
// depends on, for grouping clients.
func (e *Engine) ZtunnelKey(namespace string) string {
	if e.ztunnel && e.nsLabels[namespace][labelMTLS] == "true" {
		return "ztunnel"
	}
	return ""
}

func (e *Engine) annotate(srcNS string, srcNodes map[string]int, dstRef inventory.ServiceRef, reasons []string) (*evidence.NetworkEncryption, []string) {
	if e.ztunnel && e.nsLabels[srcNS][labelMTLS] == "true" && e.nsLabels[dstRef.Namespace][labelMTLS] == "true" {
		reasons = append(reasons, fmt.Sprintf("Cilium ztunnel mode (%s) enrols both namespaces (%s=true): TCP between their pods is mTLS over HBONE whatever the mesh layer says", e.policy, labelMTLS))
		return &evidence.NetworkEncryption{Kind: "ztunnel", Policy: e.policy, CrossNode: true, SameNode: true}, reasons
	}
	if e.kind == "" {
		return nil, reasons
	}
	n := &evidence.NetworkEncryption{Kind: e.kind, Policy: e.policy, CrossNode: true}
	var dst []*inventory.Pod
	if i, ok := e.svc[dstRef]; ok {
		seen := map[string]bool{}
		for _, ep := range e.inv.Services[i].Endpoints {
			if pod := e.pods[inventory.ServiceRef{Namespace: dstRef.Namespace, Name: ep.Pod}]; pod != nil && !seen[pod.Name] {
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
	known := 0
	for _, c := range srcNodes {
		known += c
	}
	for _, d := range dst {
		if d.Node == "" {
			continue
		}
		n.PodPairs += known
		n.SameNodePairs += srcNodes[d.Node]
	}
	name := map[string]string{"wireguard": "WireGuard", "ipsec": "IPsec"}[e.kind]
	switch {
	case n.PodPairs == 0:
		reasons = append(reasons, fmt.Sprintf("Cilium %s (%s) encrypts pod traffic between nodes but not between pods on one node; the pods' nodes are not known, so whether this traffic stays on one node is unknown", name, e.policy))
	case n.SameNodePairs == 0:
		reasons = append(reasons, fmt.Sprintf("Cilium %s (%s) encrypts this traffic: its %d known pod pairs are on different nodes", name, e.policy, n.PodPairs))
	default:
		reasons = append(reasons, fmt.Sprintf("Cilium %s (%s) encrypts pod traffic between nodes only: %d of its %d known pod pairs share a node and travel unencrypted", name, e.policy, n.SameNodePairs, n.PodPairs))
	}
	return n, reasons
}
