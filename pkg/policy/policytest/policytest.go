// Package policytest checks the policy engine's grouping of clients into
// classes against its own per-path prediction. It is for tests.
package policytest

import (
	"fmt"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy"
)

// AgreeWithEveryPath predicts inv by class and checks, for every path,
// that the per-path engine predicts for the source exactly what its class
// says, and that every workload is in exactly one class of every port. It
// returns the number of paths and classes it checked and the
// disagreements.
func AgreeWithEveryPath(inv *inventory.Inventory) (paths, classes int, problems []string) {
	p, err := policy.New(inv)
	if err != nil {
		return 0, 0, []string{err.Error()}
	}
	rep := p.Report()
	members := map[string][]evidence.PolicySource{}
	for _, g := range rep.Groups {
		members[g.ID] = g.Members
	}
	for _, port := range rep.Ports {
		d := port.Destination
		dst := fmt.Sprintf("%s/%s:%d", d.Namespace, d.Service, d.Port)
		seen := map[inventory.WorkloadRef]bool{}
		for _, c := range port.Classes {
			classes++
			var pairs, same int
			for _, m := range members[c.Group] {
				ref := inventory.WorkloadRef{Namespace: m.Namespace, Kind: m.Kind, Name: m.Workload}
				if seen[ref] {
					problems = append(problems, fmt.Sprintf("%s is in two classes of %s", ref, dst))
				}
				seen[ref] = true
				pp, ok := p.PredictPath(ref, inventory.ServiceRef{Namespace: d.Namespace, Name: d.Service}, int32(d.Port))
				if !ok {
					problems = append(problems, fmt.Sprintf("no path %s -> %s", ref, dst))
					continue
				}
				paths++
				got := evidence.PolicyClass{Group: c.Group, Mesh: pp.Source.Mesh, Server: pp.Server, Client: pp.Client,
					Expected: pp.Expected, PlaintextAccepted: pp.PlaintextAccepted, Reasons: pp.Reasons, Network: pp.Network}
				if got.Mesh == "" {
					got.Mesh = inventory.MeshNone
				}
				want := c
				if n := got.Network; n != nil && c.Network != nil && n.Kind != "ztunnel" {
					// Node-pair counts add up over the class: compare the
					// sums below, and everything else here.
					pairs += n.PodPairs
					same += n.SameNodePairs
					want, got = withoutPairs(want), withoutPairs(got)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					problems = append(problems, fmt.Sprintf("%s -> %s: class and path disagree (-class +path):\n%s", ref, dst, diff))
				}
			}
			if n := c.Network; n != nil && n.Kind != "ztunnel" && (n.PodPairs != pairs || n.SameNodePairs != same) {
				problems = append(problems, fmt.Sprintf("%s: class counts %d pod pairs (%d on one node), its paths %d (%d)", dst, n.PodPairs, n.SameNodePairs, pairs, same))
			}
		}
		if len(seen) != len(inv.Workloads) {
			problems = append(problems, fmt.Sprintf("%s has %d sources in its classes, want every workload (%d)", dst, len(seen), len(inv.Workloads)))
		}
	}
	if paths != inv.PathCount() {
		problems = append(problems, fmt.Sprintf("%d paths checked, the inventory has %d", paths, inv.PathCount()))
	}
	return paths, classes, problems
}

// withoutPairs drops the pod-pair counts and the Cilium reason that
// cites them.
func withoutPairs(c evidence.PolicyClass) evidence.PolicyClass {
	n := *c.Network
	n.PodPairs, n.SameNodePairs = 0, 0
	c.Network = &n
	var rs []string
	for _, r := range c.Reasons {
		if !strings.HasPrefix(r, "Cilium ") {
			rs = append(rs, r)
		}
	}
	c.Reasons = rs
	return c
}
