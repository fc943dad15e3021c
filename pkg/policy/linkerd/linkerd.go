package linkerd

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// Annotations Linkerd reads (linkerd/website content/2-edge/features).
const (
	annInject        = "linkerd.io/inject"
	annSkipInbound   = "config.linkerd.io/skip-inbound-ports"
	annSkipOutbound  = "config.linkerd.io/skip-outbound-ports"
	annOpaquePorts   = "config.linkerd.io/opaque-ports"
	annInboundPolicy = "config.linkerd.io/default-inbound-policy"
	proxyContainer   = "linkerd-proxy"
)

// Engine predicts Linkerd paths of one inventory.
type Engine struct {
	inv     *inventory.Inventory
	nsAnn   map[string]map[string]string
	wl      map[inventory.WorkloadRef]int
	svc     map[inventory.ServiceRef]int
	servers bool // some Server objects exist: their policies are not evaluated
}

// NewEngine indexes inv.
func NewEngine(inv *inventory.Inventory) *Engine {
	e := &Engine{inv: inv, nsAnn: map[string]map[string]string{}, wl: map[inventory.WorkloadRef]int{}, svc: map[inventory.ServiceRef]int{}}
	for _, n := range inv.Namespaces {
		e.nsAnn[n.Name] = n.Annotations
	}
	for i := range inv.Workloads {
		e.wl[inv.Workloads[i].WorkloadRef] = i
	}
	for i := range inv.Services {
		e.svc[inv.Services[i].ServiceRef] = i
	}
	for _, o := range inv.Objects {
		if o.Kind == "Server" && strings.HasPrefix(o.APIVersion, "policy.linkerd.io/") {
			e.servers = true
		}
	}
	return e
}

// Meshed reports whether the workload runs (or will be injected with) the
// Linkerd proxy.
func (e *Engine) Meshed(w *inventory.Workload) bool {
	for _, c := range w.Containers {
		if c.Name == proxyContainer {
			return true
		}
	}
	for _, c := range w.InitContainers {
		if c.Name == proxyContainer {
			return true
		}
	}
	if strings.Contains(w.Mesh.Reason, "linkerd") {
		return true
	}
	switch w.PodAnnotations[annInject] {
	case "enabled", "ingress":
		return true
	case "disabled":
		return false
	}
	v := e.nsAnn[w.Namespace][annInject]
	return v == "enabled" || v == "ingress"
}

// Applies reports whether the path touches a Linkerd-meshed workload, at
// either end, so that Linkerd and not another mesh decides it.
func (e *Engine) Applies(p inventory.Path) bool {
	if w := e.workload(p.Source); w != nil && e.Meshed(w) {
		return true
	}
	for _, w := range e.backends(p.Destination) {
		if e.Meshed(w) {
			return true
		}
	}
	return false
}

func (e *Engine) workload(ref inventory.WorkloadRef) *inventory.Workload {
	if i, ok := e.wl[ref]; ok {
		return &e.inv.Workloads[i]
	}
	return nil
}

func (e *Engine) backends(ref inventory.ServiceRef) []*inventory.Workload {
	i, ok := e.svc[ref]
	if !ok {
		return nil
	}
	var out []*inventory.Workload
	for _, b := range e.inv.Services[i].Backends {
		if w := e.workload(b); w != nil {
			out = append(out, w)
		}
	}
	return out
}

// inboundPolicy returns the default inbound policy of a workload and where
// it was set.
func (e *Engine) inboundPolicy(w *inventory.Workload) (string, string) {
	if v := w.PodAnnotations[annInboundPolicy]; v != "" {
		return v, "pod annotation " + annInboundPolicy
	}
	if v := e.nsAnn[w.Namespace][annInboundPolicy]; v != "" {
		return v, "namespace annotation " + annInboundPolicy
	}
	return "all-unauthenticated", "the cluster default"
}

// Predict returns the prediction for one path. It is meant for paths where
// Applies is true.
func (e *Engine) Predict(p inventory.Path) evidence.PolicyPath {
	pp := evidence.PolicyPath{
		PathID: p.ID,
		Source: evidence.PolicySource{Namespace: p.Source.Namespace, Workload: p.Source.Name, Mesh: inventory.MeshNone},
		Destination: evidence.PolicyDestination{Namespace: p.Destination.Namespace, Service: p.Destination.Name,
			Port: int(p.Port.Port), TargetPort: int(p.Port.TargetPort)},
		Client: evidence.PolicySide{Mode: "NONE"},
	}
	src := e.workload(p.Source)
	clientMeshed := src != nil && e.Meshed(src)
	sendsMTLS := clientMeshed
	switch {
	case clientMeshed && inPorts(src.PodAnnotations[annSkipOutbound], p.Port.Port):
		pp.Source.Mesh = inventory.MeshSidecar
		pp.Client = evidence.PolicySide{Mode: "DISABLE", Policy: "annotation " + annSkipOutbound}
		pp.Reasons = append(pp.Reasons, fmt.Sprintf("the client runs the Linkerd proxy but skips outbound port %d (%s): that traffic bypasses the proxy and is never mTLS", p.Port.Port, annSkipOutbound))
		sendsMTLS = false
	case clientMeshed:
		pp.Source.Mesh = inventory.MeshSidecar
		pp.Client = evidence.PolicySide{Mode: "AUTO", Policy: "linkerd"}
		pp.Reasons = append(pp.Reasons, "the client runs the Linkerd proxy, which mTLSes all TCP to meshed destinations")
	default:
		pp.Reasons = append(pp.Reasons, "the client has no Linkerd proxy: it sends what the application sends (plaintext at the mesh layer)")
	}
	backends := e.backends(p.Destination)
	if len(backends) == 0 {
		pp.Server = evidence.PolicySide{Mode: "NONE"}
		pp.Expected, pp.PlaintextAccepted = "plaintext", true
		pp.Reasons = append(pp.Reasons, "no backend workload is known, so the server is assumed to accept whatever the application accepts")
		return pp
	}
	worst := 0
	weakest := 99
	rank := map[string]int{"mtls": 1, "broken": 3, "plaintext": 4}
	srank := map[string]int{"NONE": 0, "PERMISSIVE": 2, "STRICT": 3}
	for _, w := range backends {
		target := p.Port.TargetPort
		mode, policy, exp, why, plain := "", "", "", "", false
		switch {
		case !e.Meshed(w):
			mode, exp, plain = "NONE", "plaintext", true
			why = fmt.Sprintf("server %s has no Linkerd proxy: plaintext reaches the application", w.WorkloadRef)
		case inPorts(w.PodAnnotations[annSkipInbound], target):
			mode, policy, exp, plain = "NONE", "annotation "+annSkipInbound, "plaintext", true
			why = fmt.Sprintf("server %s skips inbound port %d (%s): that traffic bypasses the proxy and is never mTLS", w.WorkloadRef, target, annSkipInbound)
		default:
			pol, where := e.inboundPolicy(w)
			policy = "default-inbound-policy " + pol
			authOnly := pol == "all-authenticated" || pol == "cluster-authenticated" || pol == "deny"
			mode, plain = "PERMISSIVE", !authOnly
			if authOnly {
				mode = "STRICT"
			}
			switch {
			case sendsMTLS:
				exp = "mtls"
				why = fmt.Sprintf("both ends run the Linkerd proxy: the connection is mTLS (TLS 1.3) on port %d", target)
				if inPorts(w.PodAnnotations[annOpaquePorts], target) {
					why += "; the port is opaque, which only skips protocol detection"
				}
			case authOnly:
				exp = "broken"
				why = fmt.Sprintf("server %s refuses unauthenticated connections (%s=%s, from %s)", w.WorkloadRef, annInboundPolicy, pol, where)
			default:
				exp = "plaintext"
				why = fmt.Sprintf("server %s accepts plaintext from unmeshed clients (%s=%s, from %s)", w.WorkloadRef, annInboundPolicy, pol, where)
			}
			if e.servers {
				why += "; Server and AuthorizationPolicy objects exist and are not evaluated, so the port may be stricter"
			}
		}
		pp.Reasons = append(pp.Reasons, why)
		if rank[exp] > worst {
			worst, pp.Expected = rank[exp], exp
		}
		if srank[mode] < weakest {
			weakest = srank[mode]
			pp.Server = evidence.PolicySide{Mode: mode, Policy: policy}
		}
		pp.PlaintextAccepted = pp.PlaintextAccepted || plain
	}
	return pp
}

// inPorts reports whether port is in a Linkerd port list ("25,587,9000-9100").
func inPorts(list string, port int32) bool {
	if list == "" || port == 0 {
		return false
	}
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		lo, hi, isRange := strings.Cut(f, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
				continue
			}
		}
		if int(port) >= a && int(port) <= b {
			return true
		}
	}
	return false
}

// ClientKey returns what of a client workload Linkerd's predictions
// depend on: whether it runs the proxy and which outbound ports it skips.
// Clients with the same key get the same prediction for every port.
func (e *Engine) ClientKey(ref inventory.WorkloadRef) string {
	w := e.workload(ref)
	if w == nil || !e.Meshed(w) {
		return "unmeshed"
	}
	return "meshed\x00" + w.PodAnnotations[annSkipOutbound]
}

// ClientMeshed reports whether the workload runs the Linkerd proxy.
func (e *Engine) ClientMeshed(ref inventory.WorkloadRef) bool {
	w := e.workload(ref)
	return w != nil && e.Meshed(w)
}

// ServerMeshed reports whether a workload behind the Service runs the
// Linkerd proxy. Applies(p) is ClientMeshed(source) || ServerMeshed(dest).
func (e *Engine) ServerMeshed(ref inventory.ServiceRef) bool {
	for _, w := range e.backends(ref) {
		if e.Meshed(w) {
			return true
		}
	}
	return false
}
