package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy/istio"
)

// conflictSet turns broken classes of meshed clients into findings, one
// per (client setting, server setting) pair: the policy conflicts that
// istioctl's tls-check used to show and no current analyzer predicts.
// Broken paths from clients outside the mesh are not conflicts: refusing
// them is what STRICT is for.
type conflictSet struct {
	groups map[conflictKey]*conflictGroup
}

type conflictKey struct{ client, clientPolicy, clientKind, server, serverPolicy, serverKind string }

type conflictGroup struct {
	n        int
	services map[string]bool
	example  string
}

func (cs *conflictSet) add(port evidence.PolicyPort, kinds []istio.Kinds, g *groups) {
	d := port.Destination
	for i, c := range port.Classes {
		if c.Expected != "broken" || c.Mesh == inventory.MeshNone || c.Mesh == "" {
			continue
		}
		if cs.groups == nil {
			cs.groups = map[conflictKey]*conflictGroup{}
		}
		k := conflictKey{c.Client.Mode, c.Client.Policy, kinds[i].Client, c.Server.Mode, c.Server.Policy, kinds[i].Server}
		cg := cs.groups[k]
		if cg == nil {
			cg = &conflictGroup{services: map[string]bool{}}
			src := "a client"
			if m := g.first(c.Group); m != nil {
				src = m.Namespace + "/" + m.Workload
			}
			cg.example = fmt.Sprintf("%s -> %s/%s:%d", src, d.Namespace, d.Service, d.Port)
			cs.groups[k] = cg
		}
		cg.n += g.size[c.Group]
		cg.services[d.Namespace+"/"+d.Service] = true
	}
}

func (cs *conflictSet) findings() []evidence.Finding {
	type key = conflictKey
	groups := cs.groups
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
			Message: fmt.Sprintf("%s and %s disagree: %d paths from meshed clients are predicted broken (Services %s; e.g. %s); see each class's reasons",
				client, server, g.n, strings.Join(svcs, ", "), g.example)})
	}
	return out
}
