package istio

import (
	"strconv"

	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// ClientKey returns what of a client the engine's predictions depend on:
// its namespace, mesh mode, the Sidecar resource that configures its
// proxy and the workload-selected DestinationRules that select it. Two
// clients with the same key get the same Outcome for every Service port,
// so the engine needs to evaluate one of them per port.
func (e *Engine) ClientKey(c Client) string {
	b := make([]byte, 0, 64)
	b = append(b, c.Namespace...)
	b = append(b, 0)
	b = append(b, c.Mesh...)
	if c.Mesh != inventory.MeshSidecar {
		return string(b)
	}
	if sc := e.sidecarFor(&c); sc != nil {
		b = append(b, "\x00sidecar="...)
		b = append(b, sc.name...)
	}
	if id, ok := e.nsID[c.Namespace]; ok {
		if r := e.dr.at(id); r != nil {
			for _, dr := range r.selected {
				if selects(dr.selector, c.Labels) {
					b = append(b, "\x00dr="...)
					b = append(b, dr.name...)
				}
			}
		}
	}
	return string(b)
}

// Key returns a compact key of everything Reasons and the exported fields
// are made of, client names aside: two outcomes with the same key render
// the same reasons. It lets a caller render the reasons once per distinct
// outcome instead of once per client.
func (o *Outcome) Key() string {
	b := make([]byte, 0, 96)
	for _, s := range []string{o.Expected, o.ClientMode, o.ClientPolicy, o.ClientKind, o.ServerMode, o.ServerPolicy, o.ServerKind} {
		b = append(b, s...)
		b = append(b, 0)
	}
	b = strconv.AppendBool(b, o.PlaintextAccepted)
	b = strconv.AppendInt(b, int64(o.TargetPort), 10)
	n := 1
	if o.routes != nil {
		n = len(o.routes)
	}
	for i := 0; i < n; i++ {
		rt := o.route(i)
		b = append(b, '|')
		for _, f := range []string{rt.mode, rt.subset, rt.vs, rt.sidecar, rt.client.Mesh} {
			b = append(b, f...)
			b = append(b, 0)
		}
		if rt.dr != nil {
			b = append(b, rt.dr.name...)
			for _, m := range rt.dr.merged {
				b = append(b, ',')
				b = append(b, m...)
			}
		}
		b = append(b, 0, rt.from)
		b = strconv.AppendBool(b, rt.set)
		b = strconv.AppendBool(b, rt.missing)
		b = strconv.AppendBool(b, rt.blocked)
	}
	b = appendLeg(b, o.worst)
	for _, l := range o.legs {
		b = appendLeg(b, l)
	}
	return string(b)
}

func appendLeg(b []byte, l leg) []byte {
	b = append(b, '#')
	b = strconv.AppendInt(b, int64(l.route), 10)
	b = append(b, 0)
	if l.b != nil {
		b = append(b, l.b.name...)
	}
	b = append(b, 0, byte(l.send))
	b = append(b, l.expected...)
	b = strconv.AppendBool(b, l.noSubset)
	b = append(b, l.why...)
	return b
}
