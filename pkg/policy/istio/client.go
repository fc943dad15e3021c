package istio

import (
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1alpha3"
)

// Client modes as the report spells them.
const (
	ClientIstioMutual = "ISTIO_MUTUAL"
	ClientMutual      = "MUTUAL"
	ClientSimple      = "SIMPLE"
	ClientDisable     = "DISABLE"
	ClientAuto        = "AUTO"
	ClientNone        = "NONE"
)

// visibility is where a DestinationRule is exported.
type visibility struct {
	all  bool
	none bool
	to   map[string]bool // namespaces, the rule's own one included for "."
}

func newVisibility(exportTo []string, own string, meshDefault []string) visibility {
	if len(exportTo) == 0 {
		exportTo = meshDefault
	}
	if len(exportTo) == 0 {
		return visibility{all: true}
	}
	v := visibility{to: map[string]bool{}}
	for _, e := range exportTo {
		switch e {
		case "*":
			v.all = true
		case "~":
			v.none = true
		case ".":
			v.to[own] = true
		default:
			v.to[e] = true
		}
	}
	if v.all || len(v.to) > 0 {
		v.none = false
	}
	return v
}

func (v visibility) visibleTo(ns string) bool { return !v.none && (v.all || v.to[ns]) }

// drEntry is a (merged) DestinationRule as the lookup sees it.
type drEntry struct {
	*destRule
	vis visibility
}

// nsRules are the DestinationRules of one namespace.
type nsRules struct {
	exact    map[string][]*drEntry // by FQDN; more than one only when exportTo differs
	wild     []*drEntry            // most specific (longest host) first
	selected []*drEntry            // workloadSelector rules: private to the namespace
}

// drIndex holds every namespace's DestinationRules.
type drIndex struct {
	root string
	ns   map[string]*nsRules
}

// buildDestRules indexes drs per namespace, merging same-host rules as
// istiod does (the first-created trafficPolicy wins, new subsets are
// appended) and reporting every merge.
func (d *decoder) buildDestRules(drs []*destRule, root string, meshExport []string) *drIndex {
	sort.SliceStable(drs, func(i, j int) bool { return older(drs[i].meta, drs[j].meta) })
	idx := &drIndex{root: root, ns: map[string]*nsRules{}}
	type key struct{ ns, host, export string }
	merged := map[key]*drEntry{}
	for _, dr := range drs {
		r := idx.ns[dr.Namespace]
		if r == nil {
			r = &nsRules{exact: map[string][]*drEntry{}}
			idx.ns[dr.Namespace] = r
		}
		e := &drEntry{destRule: dr, vis: newVisibility(dr.exportTo, dr.Namespace, meshExport)}
		if len(dr.selector) > 0 {
			r.selected = append(r.selected, e)
			continue
		}
		k := key{dr.Namespace, dr.host, strings.Join(dr.exportTo, ",")}
		if first := merged[k]; first != nil {
			d.mergeInto(first, dr)
			continue
		}
		// Copy so that merging never changes the decoded object.
		cp := *dr
		cp.spec = proto.Clone(dr.spec).(*networking.DestinationRule)
		e.destRule = &cp
		merged[k] = e
		if strings.HasPrefix(dr.host, "*") {
			r.wild = append(r.wild, e)
		} else {
			r.exact[dr.host] = append(r.exact[dr.host], e)
		}
	}
	for _, r := range idx.ns {
		sort.SliceStable(r.wild, func(i, j int) bool { return len(r.wild[i].host) > len(r.wild[j].host) })
	}
	return idx
}

func (d *decoder) mergeInto(first *drEntry, dr *destRule) {
	first.merged = append(first.merged, dr.Name)
	msg := fmt.Sprintf("has the same host %q as the older %s in this namespace; istiod merges them", dr.host, first.ref())
	if dr.spec.GetTrafficPolicy() != nil {
		if first.spec.GetTrafficPolicy() == nil {
			first.spec.TrafficPolicy = dr.spec.GetTrafficPolicy()
			msg += ", and this one's trafficPolicy applies because the older one has none"
		} else {
			msg += ": its trafficPolicy is ignored (the older one's wins)"
		}
	}
	for _, s := range dr.spec.GetSubsets() {
		dup := false
		for _, f := range first.spec.GetSubsets() {
			if f.GetName() == s.GetName() {
				dup = true
				break
			}
		}
		if dup {
			msg += fmt.Sprintf("; subset %q is already defined and is ignored", s.GetName())
			continue
		}
		first.spec.Subsets = append(first.spec.Subsets, s)
	}
	d.add(SevWarning, dr.meta, "%s", msg)
}

// lookup returns the DestinationRule a sidecar in clientNS with labels uses
// for fqdn (a Service in svcNS): workload-selected rules of the client's
// namespace first, then the first namespace of client, service, root with
// any visible host match, the most specific host within it.
func (idx *drIndex) lookup(clientNS string, labels map[string]string, svcNS, fqdn string) *drEntry {
	if r := idx.ns[clientNS]; r != nil && len(r.selected) > 0 {
		var best *drEntry
		for _, e := range r.selected {
			if hostMatches(e.host, fqdn) && selects(e.selector, labels) && (best == nil || moreSpecific(e.host, best.host)) {
				best = e
			}
		}
		if best != nil {
			return best
		}
	}
	if e := idx.inNamespace(clientNS, clientNS, fqdn); e != nil {
		return e
	}
	if svcNS != clientNS {
		if e := idx.inNamespace(svcNS, clientNS, fqdn); e != nil {
			return e
		}
	}
	if idx.root != clientNS && idx.root != svcNS {
		if e := idx.inNamespace(idx.root, clientNS, fqdn); e != nil {
			return e
		}
	}
	return nil
}

func (idx *drIndex) inNamespace(ns, clientNS, fqdn string) *drEntry {
	r := idx.ns[ns]
	if r == nil {
		return nil
	}
	for _, e := range r.exact[fqdn] {
		if e.vis.visibleTo(clientNS) {
			return e
		}
	}
	for _, e := range r.wild {
		if hostMatches(e.host, fqdn) && e.vis.visibleTo(clientNS) {
			return e
		}
	}
	return nil
}

func moreSpecific(a, b string) bool {
	if !strings.HasPrefix(a, "*") && strings.HasPrefix(b, "*") {
		return true
	}
	return strings.HasPrefix(a, "*") == strings.HasPrefix(b, "*") && len(a) > len(b)
}

// portTLS returns the TLS settings tp gives a Service port: a matching
// portLevelSettings entry replaces the whole top-level policy, so an entry
// without tls leaves TLS unset (GetPortLevelTrafficPolicy). The second
// result says whether a port-level entry decided.
func portTLS(tp *networking.TrafficPolicy, port int32) (*networking.ClientTLSSettings, bool) {
	if tp == nil {
		return nil, false
	}
	for _, pl := range tp.GetPortLevelSettings() {
		if pl.GetPort().GetNumber() == uint32(port) {
			return pl.GetTls(), true
		}
	}
	return tp.GetTls(), false
}

// clientTLS is the TLS a sidecar client originates for one route.
type clientTLS struct {
	mode   string // ClientIstioMutual ... ClientAuto
	policy string // ns/name of the DestinationRule, or ""
	reason string
	subset string
	labels map[string]string // subset labels restricting the backends
}

// resolveTLS returns the client TLS for (rule, subset, port); subset ""
// is the default route.
func resolveTLS(e *drEntry, subset string, port int32) clientTLS {
	if e == nil {
		return clientTLS{mode: ClientAuto, reason: "no DestinationRule applies to this client, so auto mTLS decides"}
	}
	name := e.ref()
	if len(e.merged) > 0 {
		name += " (merged with " + strings.Join(e.merged, ", ") + ")"
	}
	tls, byPort := portTLS(e.spec.GetTrafficPolicy(), port)
	where := "its trafficPolicy"
	if byPort {
		where = fmt.Sprintf("its portLevelSettings entry for port %d (which replaces the top-level policy)", port)
	}
	out := clientTLS{policy: e.ref(), subset: subset}
	if subset != "" {
		found := false
		for _, s := range e.spec.GetSubsets() {
			if s.GetName() != subset {
				continue
			}
			found = true
			out.labels = s.GetLabels()
			if st, sByPort := portTLS(s.GetTrafficPolicy(), port); st != nil {
				tls = st
				where = fmt.Sprintf("subset %q", subset)
				if sByPort {
					where += fmt.Sprintf(" port %d", port)
				}
			}
			break
		}
		if !found {
			out.mode = ClientAuto
			out.reason = fmt.Sprintf("a VirtualService routes to subset %q, which DestinationRule %s does not define", subset, name)
			return out
		}
	}
	if tls == nil {
		out.mode = ClientAuto
		out.reason = fmt.Sprintf("DestinationRule %s applies but %s sets no tls, so auto mTLS decides", name, where)
		return out
	}
	out.mode = tls.GetMode().String()
	out.reason = fmt.Sprintf("DestinationRule %s sets tls mode %s in %s", name, out.mode, where)
	return out
}
