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
	self string          // the rule's own namespace, when exported to "."
	to   map[string]bool // other namespaces named in exportTo
}

func newVisibility(exportTo []string, own string, meshDefault []string) visibility {
	if len(exportTo) == 0 {
		exportTo = meshDefault
	}
	if len(exportTo) == 0 {
		return visibility{all: true}
	}
	var v visibility
	for _, e := range exportTo {
		switch e {
		case "*":
			v.all = true
		case "~":
			v.none = true
		case ".":
			v.self = own
		default:
			if e == own {
				v.self = own
				continue
			}
			if v.to == nil {
				v.to = map[string]bool{}
			}
			v.to[e] = true
		}
	}
	if v.all || v.self != "" || len(v.to) > 0 {
		v.none = false
	}
	return v
}

func (v *visibility) visibleTo(ns string) bool {
	return !v.none && (v.all || v.self == ns || (v.to != nil && v.to[ns]))
}

// drEntry is a (merged) DestinationRule as the lookup sees it.
type drEntry struct {
	*destRule
	vis  visibility
	name string // ns/name, rendered once
}

// nsRules are the DestinationRules of one namespace.
type nsRules struct {
	exact    map[string][]*drEntry // by FQDN; more than one only when exportTo differs
	bySvc    map[int][]*drEntry    // exact, by index of the Service the host names
	wild     []*drEntry            // most specific (longest host) first
	selected []*drEntry            // workloadSelector rules: private to the namespace
}

// drIndex holds every namespace's DestinationRules.
type drIndex struct {
	root   string
	rootID int
	ns     map[string]*nsRules
	byID   []*nsRules // by namespace id
}

// index numbers the namespaces (ids from nsID, extended with the rules'
// own namespaces) and keys exact hosts by Service index (svcOf).
func (idx *drIndex) index(nsID map[string]int, svcOf map[string]int) {
	for ns := range idx.ns {
		if _, ok := nsID[ns]; !ok {
			nsID[ns] = len(nsID)
		}
	}
	if _, ok := nsID[idx.root]; !ok {
		nsID[idx.root] = len(nsID)
	}
	idx.rootID = nsID[idx.root]
	idx.byID = make([]*nsRules, len(nsID))
	for ns, r := range idx.ns {
		idx.byID[nsID[ns]] = r
		r.bySvc = map[int][]*drEntry{}
		for host, es := range r.exact {
			if si, ok := svcOf[host]; ok {
				r.bySvc[si] = es
			}
		}
	}
}

func (idx *drIndex) at(id int) *nsRules {
	if id < 0 || id >= len(idx.byID) {
		return nil
	}
	return idx.byID[id]
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
		e := &drEntry{destRule: dr, vis: newVisibility(dr.exportTo, dr.Namespace, meshExport), name: dr.ref()}
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

// lookup returns the DestinationRule a sidecar client c uses for the
// Service with index si and host fqdn in namespace id sid: workload-selected
// rules of the client's namespace first, then the first namespace of
// client, service, root with any visible host match, the most specific host
// within it.
func (idx *drIndex) lookup(c *Client, sid, si int, fqdn string) *drEntry {
	cid := c.nsid - 1
	cr := idx.at(cid)
	if cr != nil && len(cr.selected) > 0 {
		var best *drEntry
		for _, e := range cr.selected {
			if hostMatches(e.host, fqdn) && selects(e.selector, c.Labels) && (best == nil || moreSpecific(e.host, best.host)) {
				best = e
			}
		}
		if best != nil {
			return best
		}
	}
	if e := cr.find(c.Namespace, si, fqdn); e != nil {
		return e
	}
	if sid != cid {
		if e := idx.at(sid).find(c.Namespace, si, fqdn); e != nil {
			return e
		}
	}
	if idx.rootID != cid && idx.rootID != sid {
		if e := idx.at(idx.rootID).find(c.Namespace, si, fqdn); e != nil {
			return e
		}
	}
	return nil
}

// find returns the most specific rule of r for the Service that is visible
// to clientNS.
func (r *nsRules) find(clientNS string, si int, fqdn string) *drEntry {
	if r == nil {
		return nil
	}
	for _, e := range r.bySvc[si] {
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

// Where a client TLS setting came from.
const (
	fromNone       uint8 = iota // no DestinationRule
	fromTop                     // the top-level trafficPolicy
	fromPort                    // a portLevelSettings entry
	fromSubset                  // the subset's trafficPolicy
	fromSubsetPort              // the subset's portLevelSettings entry
)

// clientTLS is the TLS a client originates for one route. Its reason is
// rendered only when asked for, so that evaluation does not allocate.
type clientTLS struct {
	mode    string // ClientIstioMutual ... ClientAuto, ClientNone
	policy  string // ns/name of the DestinationRule, or ""
	dr      *drEntry
	from    uint8
	set     bool // the setting carries tls
	port    int32
	subset  string
	missing bool // the routed subset is not defined
	labels  map[string]string
	vs      string // VirtualService routing to the subset
	client  Client // for ambient and proxy-less clients
	// sidecar names the Sidecar resource that does not import the host:
	// the client takes the passthrough cluster (plain TCP), or with
	// blocked (REGISTRY_ONLY) the black hole.
	sidecar string
	blocked bool
	fqdn    string
}

// resolveTLS returns the client TLS for (rule, subset, port); subset ""
// is the default route.
func resolveTLS(e *drEntry, subset string, port int32) clientTLS {
	if e == nil {
		return clientTLS{mode: ClientAuto, port: port}
	}
	tls, byPort := portTLS(e.spec.GetTrafficPolicy(), port)
	out := clientTLS{policy: e.name, dr: e, subset: subset, port: port, from: fromTop}
	if byPort {
		out.from = fromPort
	}
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
				out.from = fromSubset
				if sByPort {
					out.from = fromSubsetPort
				}
			}
			break
		}
		if !found {
			out.mode, out.missing = ClientAuto, true
			return out
		}
	}
	if tls == nil {
		out.mode = ClientAuto
		return out
	}
	out.mode, out.set = clientMode(tls.GetMode()), true
	return out
}

// clientMode names a TLS mode without going through protobuf reflection.
func clientMode(m networking.ClientTLSSettings_TLSmode) string {
	switch m {
	case networking.ClientTLSSettings_DISABLE:
		return ClientDisable
	case networking.ClientTLSSettings_SIMPLE:
		return ClientSimple
	case networking.ClientTLSSettings_MUTUAL:
		return ClientMutual
	case networking.ClientTLSSettings_ISTIO_MUTUAL:
		return ClientIstioMutual
	}
	return m.String()
}

// reason renders where the client's TLS comes from.
func (ct *clientTLS) reason() string {
	switch ct.mode {
	case ClientNone:
		return "client outside the mesh (no sidecar, not in ambient): it sends what the application sends"
	}
	if ct.sidecar != "" {
		if ct.blocked {
			return fmt.Sprintf("Sidecar %s does not import %s and outboundTrafficPolicy is REGISTRY_ONLY, so the client's proxy sends the connection to the BlackHoleCluster", ct.sidecar, ct.fqdn)
		}
		return fmt.Sprintf("Sidecar %s does not import %s, so the client's proxy forwards it through the PassthroughCluster as plain TCP: no DestinationRule, no auto mTLS", ct.sidecar, ct.fqdn)
	}
	if ct.client.Mesh == "ambient" {
		return "client in ambient: ztunnel sends HBONE (mTLS) to meshed destinations; DestinationRules apply only at waypoints"
	}
	if ct.dr == nil {
		return "no DestinationRule applies to this client, so auto mTLS decides"
	}
	name := ct.dr.name
	if len(ct.dr.merged) > 0 {
		name += " (merged with " + strings.Join(ct.dr.merged, ", ") + ")"
	}
	var where string
	switch ct.from {
	case fromTop:
		where = "its trafficPolicy"
	case fromPort:
		where = fmt.Sprintf("its portLevelSettings entry for port %d (which replaces the top-level policy)", ct.port)
	case fromSubset:
		where = fmt.Sprintf("subset %q", ct.subset)
	case fromSubsetPort:
		where = fmt.Sprintf("subset %q port %d", ct.subset, ct.port)
	}
	var r string
	switch {
	case ct.missing:
		r = fmt.Sprintf("a VirtualService routes to subset %q, which DestinationRule %s does not define", ct.subset, name)
	case !ct.set:
		r = fmt.Sprintf("DestinationRule %s applies but %s sets no tls, so auto mTLS decides", name, where)
	default:
		r = fmt.Sprintf("DestinationRule %s sets tls mode %s in %s", name, ct.mode, where)
	}
	if ct.vs != "" {
		r += fmt.Sprintf(" (VirtualService %s routes to subset %q)", ct.vs, ct.subset)
	}
	return r
}
