package scan

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/capture"
	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/evaluate"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/policy"
	"github.com/sc8scan/sc8scan/pkg/version"
)

// Result is what a scan produced.
type Result struct {
	Inventory *inventory.Inventory
	Evidence  evaluate.Evidence
	Matrix    *matrix.Matrix
}

// Run scans: discover, gather evidence, evaluate.
func Run(ctx context.Context, o Options) (*Result, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if o.From == "" && o.Kube == nil {
		return nil, fmt.Errorf("nothing to scan: give a directory of manifests or a cluster")
	}
	if o.InCluster != nil && o.Kube == nil {
		return nil, fmt.Errorf("an in-cluster run needs a live cluster (a kubeconfig), not a directory of manifests")
	}
	cluster := o.Cluster
	if cluster == "" {
		cluster = filepath.Base(filepath.Clean(o.From))
	}
	profName := o.Profile
	if profName == "" {
		profName = "sp800-52r2"
	}
	prof, err := cryptoref.LookupProfile(profName)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	inv, err := o.discover(ctx, cluster, log)
	if err != nil {
		return nil, err
	}
	log.Info("discovered", "workloads", len(inv.Workloads), "services", len(inv.Services), "tcpPorts", inv.TCPPorts(), "paths", inv.PathCount(), "problems", len(inv.Problems), "took", since(start))

	ev := evaluate.Evidence{Skipped: map[string]string{}, Unprobed: map[string]string{}}
	g := gatherer{o: o, inv: inv, log: log, ev: &ev, now: now}
	g.policy()
	if err := g.inCluster(ctx); err != nil {
		return nil, err
	}
	if err := g.probes(ctx); err != nil {
		return nil, err
	}
	if err := g.flows(ctx); err != nil {
		return nil, err
	}
	if err := g.images(ctx); err != nil {
		return nil, err
	}
	m, err := evaluate.Evaluate(evaluate.Input{Inventory: inv, Evidence: ev, Profile: prof, Now: now(), Waivers: o.Waivers, Scanner: version.Get("sc8scan")})
	if err != nil {
		return nil, err
	}
	log.Info("evaluated", "rows", len(m.Rows), "classes", m.Summary.Classes, "status", m.Summary.Status, "coverage", fmt.Sprintf("%.1f%%", 100*m.Summary.Coverage), "took", since(start))
	return &Result{Inventory: inv, Evidence: ev, Matrix: m}, nil
}

func since(t time.Time) string { return time.Since(t).Round(time.Millisecond).String() }

type gatherer struct {
	now func() time.Time
	o   Options
	inv *inventory.Inventory
	log *slog.Logger
	ev  *evaluate.Evidence
}

func (g *gatherer) policy() {
	if p := g.o.Preloaded.Policy; p != nil {
		g.ev.Policy = p
		return
	}
	if !g.o.Policy {
		g.ev.Skipped["policy"] = "mesh policy prediction turned off"
		return
	}
	start := time.Now()
	rep, err := policy.Predict(g.inv, policy.WithLogger(g.log), policy.WithScanner("sc8scan"))
	if err != nil {
		g.ev.Skipped["policy"] = "policy prediction failed: " + err.Error()
		g.log.Warn("policy prediction failed", "err", err)
		return
	}
	g.ev.Policy = rep
	g.log.Info("predicted mesh policy", "ports", len(rep.Ports), "groups", len(rep.Groups), "findings", len(rep.Findings), "took", since(start))
}

func (g *gatherer) flows(ctx context.Context) error {
	if f := g.o.Preloaded.Flows; f != nil {
		g.ev.Flows = f
		return nil
	}
	if len(g.o.PCAPs) == 0 {
		g.ev.Skipped["capture"] = "no capture given (--pcap FILE)"
		return nil
	}
	var all *evidence.FlowReport
	for _, p := range g.o.PCAPs {
		start := time.Now()
		rep, err := capture.ReadFile(ctx, p, capture.WithInventory(g.inv), capture.WithLogger(g.log), capture.WithScanner("sc8scan"))
		if err != nil {
			return fmt.Errorf("reading capture %s: %w", p, err)
		}
		g.log.Info("classified capture", "file", p, "flows", len(rep.Flows), "packets", rep.Stats.Packets, "took", since(start))
		if all == nil {
			all = rep
			continue
		}
		all.Merge(rep)
	}
	g.ev.Flows = all
	return nil
}

// servicePorts lists every TCP Service port of the inventory, sorted.
func servicePorts(inv *inventory.Inventory) []evidence.ServicePort {
	var out []evidence.ServicePort
	for _, s := range inv.Services {
		for _, p := range s.Ports {
			if p.Protocol == "TCP" {
				out = append(out, evidence.ServicePort{Namespace: s.Namespace, Name: s.Name, Port: int(p.Port)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

func key(s evidence.ServicePort) string { return fmt.Sprintf("%s/%s:%d", s.Namespace, s.Name, s.Port) }

// ParseTarget reads "ns/service:port=host:port".
func ParseTarget(s string) (Target, error) {
	svc, addr, ok := strings.Cut(s, "=")
	if !ok {
		return Target{}, fmt.Errorf("target %q: want ns/service:port=host:port", s)
	}
	nsName, port, ok := strings.Cut(svc, ":")
	ns, name, ok2 := strings.Cut(nsName, "/")
	n, err := strconv.Atoi(port)
	if !ok || !ok2 || err != nil || n < 1 || n > 65535 || ns == "" || name == "" {
		return Target{}, fmt.Errorf("target %q: want ns/service:port=host:port", s)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return Target{}, fmt.Errorf("target %q: address: %w", s, err)
	}
	return Target{Service: evidence.ServicePort{Namespace: ns, Name: name, Port: n}, Address: addr}, nil
}
