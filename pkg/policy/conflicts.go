package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy/istio"
)

// conflicts turns broken paths from meshed clients into findings, one per
// (client setting, server setting) pair: the policy conflicts that
// istioctl's tls-check used to show and no current analyzer predicts.
// Broken paths from clients outside the mesh are not conflicts: refusing
// them is what STRICT is for.
func conflicts(paths []evidence.PolicyPath, kinds []istio.Kinds) []evidence.Finding {
	type key struct{ client, clientPolicy, clientKind, server, serverPolicy, serverKind string }
	type group struct {
		n        int
		services map[string]bool
		example  string
	}
	groups := map[key]*group{}
	for i, p := range paths {
		if p.Expected != "broken" || p.Source.Mesh == inventory.MeshNone || p.Source.Mesh == "" {
			continue
		}
		k := key{p.Client.Mode, p.Client.Policy, kinds[i].Client, p.Server.Mode, p.Server.Policy, kinds[i].Server}
		g := groups[k]
		if g == nil {
			g = &group{services: map[string]bool{}}
			g.example = fmt.Sprintf("%s/%s -> %s/%s:%d", p.Source.Namespace, p.Source.Workload, p.Destination.Namespace, p.Destination.Service, p.Destination.Port)
			groups[k] = g
		}
		g.n++
		g.services[p.Destination.Namespace+"/"+p.Destination.Service] = true
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return a.clientPolicy+a.serverPolicy+a.client+a.server < b.clientPolicy+b.serverPolicy+b.client+b.server
	})
	var out []evidence.Finding
	for _, k := range keys {
		g := groups[k]
		object := "mesh policy"
		switch {
		case k.clientKind != "":
			object = k.clientKind + " " + k.clientPolicy
		case k.serverKind != "":
			object = k.serverKind + " " + k.serverPolicy
		}
		client := "client " + k.client
		if k.clientPolicy != "" {
			client += " (" + k.clientPolicy + ")"
		}
		server := "server " + k.server
		if k.serverPolicy != "" {
			server += " (" + k.serverPolicy + ")"
		}
		var svcs []string
		for s := range g.services {
			svcs = append(svcs, s)
		}
		sort.Strings(svcs)
		if len(svcs) > 5 {
			svcs = append(svcs[:5], fmt.Sprintf("and %d more", len(g.services)-5))
		}
		out = append(out, evidence.Finding{Severity: "error", Object: object,
			Message: fmt.Sprintf("%s and %s disagree: %d paths from meshed clients are predicted broken (Services %s; e.g. %s); see each path's reasons",
				client, server, g.n, strings.Join(svcs, ", "), g.example)})
	}
	return out
}
