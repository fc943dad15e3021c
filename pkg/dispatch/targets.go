package dispatch

import (
	"fmt"
	"net"
	"sort"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/probes/plan"
)

// Targets lists what a probe pod dials for inv: every TCP Service port at
// its ClusterIP, the same port at each of its ready endpoints' pod IPs
// (the Service's target port), and every declared TCP containerPort of a
// pod that no Service endpoint covers. Targets of a Service port carry it,
// so the evidence lands on the port's row; a pod port that no Service
// exposes has none and stands in the ProbeReport alone. Host-network pods
// are left out: their address is the node's.
func Targets(inv *inventory.Inventory) []plan.Target {
	var out []plan.Target
	covered := map[string]bool{} // ip:port of every endpoint target
	for i := range inv.Services {
		s := &inv.Services[i]
		if s.ExternalName != "" {
			continue
		}
		for _, sp := range s.Ports {
			if sp.Protocol != "" && sp.Protocol != "TCP" {
				continue
			}
			svc := evidence.ServicePort{Namespace: s.Namespace, Name: s.Name, Port: int(sp.Port)}
			app := sp.AppProtocol
			if app == "" {
				app = sp.Name
			}
			base := plan.Target{Port: int(sp.Port), ServerName: fmt.Sprintf("%s.%s.svc.cluster.local", s.Name, s.Namespace), AppProtocol: app}
			if ip := net.ParseIP(s.ClusterIP); ip != nil && !s.Headless {
				t := base
				t.Host, t.Service = s.ClusterIP, &svc
				out = append(out, t)
			}
			for _, e := range s.Endpoints {
				if !e.Ready || net.ParseIP(e.IP) == nil || !endpointOf(e, sp, len(s.Ports)) {
					continue
				}
				k := net.JoinHostPort(e.IP, fmt.Sprint(e.Port))
				if covered[k+"/"+svc.Namespace+"/"+svc.Name] {
					continue
				}
				covered[k] = true
				covered[k+"/"+svc.Namespace+"/"+svc.Name] = true
				t := base
				t.Host, t.Port, t.Service = e.IP, int(e.Port), &svc
				out = append(out, t)
			}
		}
	}
	ws := map[inventory.WorkloadRef]*inventory.Workload{}
	for i := range inv.Workloads {
		ws[inv.Workloads[i].WorkloadRef] = &inv.Workloads[i]
	}
	for _, p := range inv.Pods {
		w := ws[p.Owner]
		if p.HostNetwork || net.ParseIP(p.IP) == nil || w == nil {
			continue
		}
		for _, c := range w.Containers {
			for _, cp := range c.Ports {
				if cp.Protocol != "" && cp.Protocol != "TCP" {
					continue
				}
				k := net.JoinHostPort(p.IP, fmt.Sprint(cp.Port))
				if covered[k] {
					continue
				}
				covered[k] = true
				out = append(out, plan.Target{Host: p.IP, Port: int(cp.Port), AppProtocol: cp.Name})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return targetKey(out[i]) < targetKey(out[j]) })
	return out
}

// endpointOf says whether endpoint e serves Service port sp: by port name
// when the Service has several ports, else any endpoint does.
func endpointOf(e inventory.Endpoint, sp inventory.ServicePort, ports int) bool {
	if ports == 1 {
		return true
	}
	return e.PortName == sp.Name
}

func targetKey(t plan.Target) string {
	svc := "~" // pod ports without a Service sort last
	if t.Service != nil {
		svc = fmt.Sprintf("%s/%s:%05d", t.Service.Namespace, t.Service.Name, t.Service.Port)
	}
	return fmt.Sprintf("%s %s %05d", svc, t.Host, t.Port)
}
