package capture

import (
	"net/netip"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// mapper finds the pods, workloads and Services behind flow addresses.
type mapper struct {
	cluster   string
	pods      map[netip.Addr]*inventory.Pod
	clusterIP map[netip.Addr]*inventory.Service
	// endpoints maps a backend pod address to the Services (and the
	// service port) that send to it.
	endpoints map[netip.AddrPort][]svcPort
	// workloads are the inventory's workloads: every one of them has a
	// path to every TCP Service port.
	workloads map[inventory.WorkloadRef]bool
}

type svcPort struct {
	svc  *inventory.Service
	port int32
}

func newMapper(inv *inventory.Inventory) *mapper {
	m := &mapper{
		cluster:   inv.Cluster,
		pods:      map[netip.Addr]*inventory.Pod{},
		clusterIP: map[netip.Addr]*inventory.Service{},
		endpoints: map[netip.AddrPort][]svcPort{},
		workloads: make(map[inventory.WorkloadRef]bool, len(inv.Workloads)),
	}
	for i := range inv.Pods {
		p := &inv.Pods[i]
		if p.HostNetwork {
			continue // a node address is not the pod's own
		}
		for _, s := range append([]string{p.IP}, p.IPs...) {
			if a, err := netip.ParseAddr(s); err == nil {
				m.pods[a] = p
			}
		}
	}
	podsByName := map[[2]string]*inventory.Pod{}
	for i := range inv.Pods {
		podsByName[[2]string{inv.Pods[i].Namespace, inv.Pods[i].Name}] = &inv.Pods[i]
	}
	for i := range inv.Services {
		s := &inv.Services[i]
		for _, ip := range append([]string{s.ClusterIP}, s.ClusterIPs...) {
			if a, err := netip.ParseAddr(ip); err == nil {
				m.clusterIP[a] = s
			}
		}
		add := func(a netip.Addr, target, port int32) {
			k := netip.AddrPortFrom(a, uint16(target))
			for _, e := range m.endpoints[k] {
				if e.svc == s && e.port == port {
					return
				}
			}
			m.endpoints[k] = append(m.endpoints[k], svcPort{s, port})
		}
		for _, ep := range s.Endpoints {
			a, err := netip.ParseAddr(ep.IP)
			if err != nil {
				continue
			}
			for _, sp := range s.Ports {
				if sp.TargetPort == ep.Port && (ep.PortName == "" || ep.PortName == sp.Name) {
					add(a, ep.Port, sp.Port)
				}
			}
		}
		// Pods of the backend workloads, when the dump has no endpoints.
		for _, b := range s.Backends {
			for i := range inv.Pods {
				p := &inv.Pods[i]
				if p.Owner != b {
					continue
				}
				// A host-network pod listens on its node's address: the
				// (node address, target port) pair still names the Service,
				// though the address alone names no pod.
				for _, ip := range append([]string{p.IP}, p.IPs...) {
					a, err := netip.ParseAddr(ip)
					if err != nil {
						continue
					}
					for _, sp := range s.Ports {
						if sp.TargetPort != 0 {
							add(a, sp.TargetPort, sp.Port)
						}
					}
				}
			}
		}
	}
	for i := range inv.Workloads {
		m.workloads[inv.Workloads[i].WorkloadRef] = true
	}
	return m
}

// mapFlow fills Source, Destination and PathID of out.
func (m *mapper) mapFlow(out *evidence.Flow, client, server netip.AddrPort) {
	var src inventory.WorkloadRef
	if p := m.pods[client.Addr().Unmap()]; p != nil {
		out.Source = &evidence.FlowEndpoint{Namespace: p.Namespace, Pod: p.Name}
		if p.Owner.Name != "" {
			out.Source.Workload = p.Owner.Kind + "/" + p.Owner.Name
			src = p.Owner
		}
	}
	addr := server.Addr().Unmap()
	var svc *inventory.Service
	var port int32
	if s := m.clusterIP[addr]; s != nil {
		for _, sp := range s.Ports {
			if sp.Port == int32(server.Port()) {
				svc, port = s, sp.Port
			}
		}
		if svc == nil {
			svc = s
		}
		out.Destination = &evidence.FlowEndpoint{Namespace: s.Namespace, Service: s.Name}
	}
	eps := m.endpoints[netip.AddrPortFrom(addr, server.Port())]
	p := m.pods[addr]
	if p == nil && svc == nil && len(eps) > 0 {
		out.Destination = &evidence.FlowEndpoint{Namespace: eps[0].svc.Namespace}
	}
	if p != nil {
		out.Destination = &evidence.FlowEndpoint{Namespace: p.Namespace, Pod: p.Name}
		if p.Owner.Name != "" {
			out.Destination.Workload = p.Owner.Kind + "/" + p.Owner.Name
		}
	}
	if p != nil || (svc == nil && len(eps) > 0) {
		// Prefer a TCP Service port: that is a path of the matrix.
		for _, e := range eps {
			if svc == nil && tcpPort(e.svc, e.port) {
				svc, port = e.svc, e.port
			}
		}
		if svc == nil && len(eps) > 0 {
			svc, port = eps[0].svc, eps[0].port
		}
		if svc != nil {
			out.Destination.Service = svc.Name
		}
	}
	if svc != nil && port != 0 && tcpPort(svc, port) {
		out.Destination.Port = int(port)
		if src.Name != "" && m.workloads[src] {
			out.PathID = inventory.PathID(m.cluster, src, svc.ServiceRef, port)
		}
	}
}

func tcpPort(s *inventory.Service, port int32) bool {
	for _, sp := range s.Ports {
		if sp.Port == port {
			return sp.Protocol == "TCP"
		}
	}
	return false
}

// isServer reports whether a is a Service port (ClusterIP) or a backend
// endpoint the inventory knows.
func (m *mapper) isServer(a netip.AddrPort) bool {
	addr := a.Addr().Unmap()
	if len(m.endpoints[netip.AddrPortFrom(addr, a.Port())]) > 0 {
		return true
	}
	if s := m.clusterIP[addr]; s != nil {
		for _, sp := range s.Ports {
			if sp.Port == int32(a.Port()) {
				return true
			}
		}
	}
	return false
}

// MapFlows maps the flows of a report classified without the inventory (a
// node sensor's) through inv: each flow's source and destination pods,
// workloads and Services, as a capture read with WithInventory would have
// them. A flow whose addresses do not parse is left as it is.
func MapFlows(r *evidence.FlowReport, inv *inventory.Inventory) {
	m := newMapper(inv)
	for i := range r.Flows {
		f := &r.Flows[i]
		client, err1 := netip.ParseAddrPort(f.Client)
		server, err2 := netip.ParseAddrPort(f.Server)
		if err1 != nil || err2 != nil {
			continue
		}
		f.Source, f.Destination, f.PathID = nil, nil, ""
		m.mapFlow(f, client, server)
	}
}
