package scan

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/sc8scan/sc8scan/probes/runner"
)

// probePlan builds the probe plan: one target per Service port that has an
// address to probe. The others are recorded as unprobed with the reason.
func (g *gatherer) probePlan() plan.Plan {
	byKey := map[string]Target{}
	for _, t := range g.o.Targets {
		byKey[key(t.Service)] = t
	}
	p := plan.Plan{APIVersion: evidence.APIVersion, Kind: "ProbePlan", Vantage: "sc8scan (out of mesh)", Limits: g.o.ProbeLimits, CABundle: g.o.CABundle}
	p.Limits.Enumerate = true
	for _, sp := range servicePorts(g.inv) {
		t, ok := byKey[key(sp)]
		if !ok {
			g.ev.Unprobed[key(sp)] = "no address to probe it at (a manifests-only scan probes the ports given with --target or --targets)"
			continue
		}
		host, port, _ := net.SplitHostPort(t.Address)
		n, _ := strconv.Atoi(port)
		svc := sp
		sn := t.ServerName
		if sn == "" {
			sn = fmt.Sprintf("%s.%s.svc.cluster.local", sp.Name, sp.Namespace)
		}
		pt := plan.Target{Host: host, Port: n, ServerName: sn, Scheme: t.Scheme, Service: &svc}
		if s := g.inv.Service(serviceRef(sp)); s != nil {
			for _, port := range s.Ports {
				if int(port.Port) == sp.Port {
					pt.AppProtocol = port.AppProtocol
					if pt.AppProtocol == "" {
						pt.AppProtocol = port.Name
					}
				}
			}
			if s.ExternalName != "" {
				pt.ServerName = s.ExternalName
			}
		}
		p.Targets = append(p.Targets, pt)
	}
	return p
}

func (g *gatherer) probes(ctx context.Context) error {
	if r := g.o.Preloaded.Probes; r != nil {
		g.ev.Probes = r
		return nil
	}
	if !g.o.Probe {
		g.ev.Skipped["probe"] = "active probes not requested"
		return nil
	}
	p := g.probePlan()
	if len(p.Targets) == 0 {
		g.ev.Skipped["probe"] = "no Service port has an address to probe (--target ns/service:port=host:port or --targets FILE)"
		return nil
	}
	start := time.Now()
	g.log.Info("probing", "targets", len(p.Targets))
	rep, err := runner.Run(ctx, p, runner.WithLogger(g.log))
	if err != nil {
		return fmt.Errorf("probing: %w", err)
	}
	g.ev.Probes = rep
	g.log.Info("probed", "targets", len(rep.Results), "took", since(start))
	return nil
}

func serviceRef(sp evidence.ServicePort) inventory.ServiceRef {
	return inventory.ServiceRef{Namespace: sp.Namespace, Name: sp.Name}
}
