package scan

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/sc8scan/sc8scan/pkg/capture"
	"github.com/sc8scan/sc8scan/pkg/dispatch"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/probes/plan"
)

// InClusterPlan is the probe plan an in-cluster run gives its pods for inv:
// dispatch.Targets under the scan's limits, with full enumeration.
func InClusterPlan(inv *inventory.Inventory, o Options) plan.Plan {
	p := plan.Plan{APIVersion: evidence.APIVersion, Kind: "ProbePlan", Targets: dispatch.Targets(inv), Limits: o.ProbeLimits, CABundle: o.CABundle}
	p.Limits.Enumerate = true
	return p
}

// inCluster runs the probe pods (and the sensor) when asked, and keeps
// what they bring back as the probe and flow evidence. What went wrong in
// the cluster is an inventory problem, so the report says it; targets
// whose pod left no whole report carry the reason in their results.
func (g *gatherer) inCluster(ctx context.Context) error {
	o := g.o.InCluster
	if o == nil {
		return nil
	}
	start := time.Now()
	p := InClusterPlan(g.inv, g.o)
	g.log.Info("running probes in the cluster", "targets", len(p.Targets), "capture", o.CaptureFor.String(), "meshVantage", o.MeshVantage)
	res, err := dispatch.Run(ctx, g.o.Kube, p, *o)
	if err != nil {
		return fmt.Errorf("in-cluster run: %w", err)
	}
	for _, pr := range res.Problems {
		g.inv.Problems = append(g.inv.Problems, inventory.Problem{Source: "in-cluster run " + res.RunID, Message: pr})
		g.log.Warn("in-cluster run", "problem", pr)
	}
	if g.o.Preloaded.Probes == nil {
		g.o.Preloaded.Probes = res.Probes
	}
	if res.Flows != nil && g.o.Preloaded.Flows == nil {
		capture.MapFlows(res.Flows, g.inv)
		g.o.Preloaded.Flows = res.Flows
	}
	g.log.Info("in-cluster run done", "run", res.RunID, "results", len(res.Probes.Results), "problems", len(res.Problems), "took", since(start))
	return nil
}

// InClusterObjects discovers the cluster o names (or reads o.From) and
// renders the objects an in-cluster run would apply for it: what
// `sc8scan gen` prints.
func InClusterObjects(ctx context.Context, o Options, d dispatch.Options) (*dispatch.Objects, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cluster := o.Cluster
	if cluster == "" && o.From != "" {
		cluster = filepath.Base(filepath.Clean(o.From))
	}
	inv, err := o.discover(ctx, cluster, log)
	if err != nil {
		return nil, err
	}
	return dispatch.Render(InClusterPlan(inv, o), d)
}
