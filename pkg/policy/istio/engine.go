package istio

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	security "istio.io/api/security/v1beta1"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// Expected wire states.
const (
	ExpectMTLS      = "mtls"
	ExpectTLS       = "tls"
	ExpectPlaintext = "plaintext"
	ExpectBroken    = "broken"
)

// Config tunes the engine. The zero value reads everything from the
// inventory.
type Config struct {
	// RootNamespace overrides the mesh config's rootNamespace when set.
	RootNamespace string
	// ClusterDomain is the DNS suffix of Service hosts; "cluster.local"
	// when empty.
	ClusterDomain string
	// Logger receives debug messages; nil discards them.
	Logger *slog.Logger
}

// Engine holds the decoded configuration of one inventory. Build it once
// with NewEngine and evaluate as many paths as needed; it is not safe for
// concurrent use while being built, and read-only afterwards.
type Engine struct {
	inv       *inventory.Inventory
	ms        meshSettings
	domain    string
	log       *slog.Logger
	pa        *peerAuthIndex
	dr        *drIndex
	routed    map[string][]routedSubset // by host FQDN
	nsLabels  map[string]map[string]string
	wl        map[inventory.WorkloadRef]int
	svc       map[inventory.ServiceRef]int
	nsID      map[string]int
	pods      map[inventory.ServiceRef]int // pod ns/name (ServiceRef reused as a name pair)
	servers   [][]*serverSide              // per service, per port
	sidecars  map[string]*nsSidecars
	gateways  []evidence.GatewayTLS
	gwServers []gwServer
	findings  []evidence.Finding
}

// serverSide is what a Service port leads to, independent of the client.
type serverSide struct {
	si, sid  int // Service index, namespace id
	routed   []routedSubset
	fqdn     string
	backends []*backend
	// autoMode is the mode auto mTLS reads for the service and autoPolicy
	// the object that set it; autoReason explains a forced DISABLE.
	autoMode   security.PeerAuthentication_MutualTLS_Mode
	autoPolicy string
	autoReason string
	external   bool
	note       string // service-level remark (no backends, unresolved port)
}

// Client is the source of a path.
type Client struct {
	Namespace string
	Workload  string // name shown in the report
	Labels    map[string]string
	Mesh      string // inventory.MeshSidecar, MeshAmbient or MeshNone
	nsid      int    // namespace id + 1; 0 when not yet known
}

// NewEngine decodes the Istio configuration kept in inv and indexes it.
func NewEngine(inv *inventory.Inventory, cfg Config) *Engine {
	e := &Engine{inv: inv, domain: cfg.ClusterDomain, log: cfg.Logger}
	if e.domain == "" {
		e.domain = "cluster.local"
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	d := &decoder{}
	e.ms = d.readMesh(inv, cfg.RootNamespace)
	e.nsLabels = map[string]map[string]string{}
	for _, n := range inv.Namespaces {
		e.nsLabels[n.Name] = n.Labels
	}
	e.wl = make(map[inventory.WorkloadRef]int, len(inv.Workloads))
	for i := range inv.Workloads {
		e.wl[inv.Workloads[i].WorkloadRef] = i
	}
	e.svc = make(map[inventory.ServiceRef]int, len(inv.Services))
	for i := range inv.Services {
		e.svc[inv.Services[i].ServiceRef] = i
	}

	e.pods = make(map[inventory.ServiceRef]int, len(inv.Pods))
	for i := range inv.Pods {
		e.pods[inventory.ServiceRef{Namespace: inv.Pods[i].Namespace, Name: inv.Pods[i].Name}] = i
	}

	var pas []*peerAuth
	var drs []*destRule
	var scs []*sidecarRes
	e.routed = map[string][]routedSubset{}
	for _, o := range inv.Objects {
		switch o.Kind {
		case "PeerAuthentication":
			if pa, ok := d.peerAuthentication(o); ok {
				pas = append(pas, pa)
			}
		case "DestinationRule":
			if dr, ok := d.destinationRule(o, e.domain); ok {
				drs = append(drs, dr)
			}
		case "Sidecar":
			if sc, ok := d.sidecar(o); ok {
				scs = append(scs, sc)
			}
		case "VirtualService":
			if rs, ok := d.virtualService(o, e.domain); ok {
				for _, r := range rs {
					e.routed[r.host] = append(e.routed[r.host], r)
				}
			}
		case "Gateway":
			if strings.HasPrefix(o.APIVersion, "gateway.networking.k8s.io/") {
				if gs, servers, ok := d.apiGateway(o); ok {
					e.gateways = append(e.gateways, gs...)
					e.gwServers = append(e.gwServers, servers...)
				}
				continue
			}
			if gs, servers, ok := d.gateway(o); ok {
				e.gateways = append(e.gateways, gs...)
				e.gwServers = append(e.gwServers, servers...)
			}
		}
	}
	e.pa = d.buildPeerAuth(pas, e.ms.root)
	e.sidecars = d.buildSidecars(scs, e.ms.root)
	e.dr = d.buildDestRules(drs, e.ms.root, e.ms.exportTo)
	e.nsID = map[string]int{}
	for _, n := range inv.Namespaces {
		e.nsID[n.Name] = len(e.nsID)
	}
	svcOf := make(map[string]int, len(inv.Services))
	for i := range inv.Services {
		s := &inv.Services[i]
		if _, ok := e.nsID[s.Namespace]; !ok {
			e.nsID[s.Namespace] = len(e.nsID)
		}
		svcOf[s.Name+"."+s.Namespace+".svc."+e.domain] = i
	}
	e.dr.index(e.nsID, svcOf)
	e.checkSelectors(d, pas)
	e.checkHosts(d, drs)
	e.servers = make([][]*serverSide, len(inv.Services))
	for i := range inv.Services {
		s := &inv.Services[i]
		e.servers[i] = make([]*serverSide, len(s.Ports))
		for j := range s.Ports {
			ss := e.serverSide(s, s.Ports[j])
			ss.si, ss.sid = i, e.nsID[s.Namespace]
			ss.routed = e.subsetsFor(ss.fqdn, s.Ports[j].Port)
			e.servers[i][j] = ss
		}
	}
	e.findings = d.findings
	e.log.Debug("istio policy engine ready", "root", e.ms.root, "autoMtls", e.ms.autoMTLS,
		"peerAuthentications", len(pas), "destinationRules", len(drs), "findings", len(e.findings))
	return e
}

// RootNamespace returns the root namespace in effect.
func (e *Engine) RootNamespace() string { return e.ms.root }

// Findings returns the problems found in the configuration.
func (e *Engine) Findings() []evidence.Finding { return e.findings }

// Mesh returns the mesh-wide TLS settings.
func (e *Engine) Mesh() *evidence.MeshTLS { return e.ms.report(e.gateways) }

// checkSelectors reports workload PeerAuthentications that select nothing
// (Kiali KIA0004) and workloads selected by more than one (KIA0003).
func (e *Engine) checkSelectors(d *decoder, pas []*peerAuth) {
	if len(e.inv.Workloads) == 0 {
		return
	}
	byNS := map[string][]int{}
	for i := range e.inv.Workloads {
		byNS[e.inv.Workloads[i].Namespace] = append(byNS[e.inv.Workloads[i].Namespace], i)
	}
	for _, pa := range pas {
		if len(pa.selector) == 0 || pa.Namespace == e.ms.root {
			continue
		}
		n := 0
		for _, i := range byNS[pa.Namespace] {
			if selects(pa.selector, e.inv.Workloads[i].PodLabels) {
				n++
			}
		}
		if n == 0 {
			d.add(SevWarning, pa.meta, "selector matches no workload in namespace %s (Kiali KIA0004)", pa.Namespace)
		}
	}
	for ns, list := range e.pa.wl {
		if len(list) < 2 {
			continue
		}
		for _, i := range byNS[ns] {
			w := &e.inv.Workloads[i]
			var names []string
			for _, pa := range list {
				if selects(pa.selector, w.PodLabels) {
					names = append(names, pa.ref())
				}
			}
			if len(names) > 1 {
				d.findings = append(d.findings, evidence.Finding{Severity: SevWarning, Object: "PeerAuthentication " + names[0], Source: list[0].Source,
					Message: fmt.Sprintf("workload %s is selected by %d PeerAuthentications (%s); only the oldest, %s, applies, port settings included (Kiali KIA0003)", w.WorkloadRef, len(names), strings.Join(names, ", "), names[0])})
			}
		}
	}
}

// checkHosts reports DestinationRules whose exact host is no Service of the
// inventory (istioctl analyze IST0174).
func (e *Engine) checkHosts(d *decoder, drs []*destRule) {
	if len(e.inv.Services) == 0 {
		return
	}
	hosts := make(map[string]bool, len(e.inv.Services))
	for _, s := range e.inv.Services {
		hosts[s.Name+"."+s.Namespace+".svc."+e.domain] = true
	}
	for _, o := range e.inv.ObjectsOfKind("ServiceEntry") {
		var se struct {
			Spec struct {
				Hosts []string `json:"hosts"`
			} `json:"spec"`
		}
		if json.Unmarshal(o.Raw, &se) == nil {
			for _, h := range se.Spec.Hosts {
				hosts[resolveHost(h, o.Namespace, e.domain)] = true
			}
		}
	}
	wildSeen := map[string]bool{}
	for _, dr := range drs {
		if hosts[dr.host] || dr.host == "*" {
			continue
		}
		if strings.HasPrefix(dr.host, "*") {
			// A wildcard inside the cluster domain that covers no Service.
			if !strings.HasSuffix(dr.host, ".svc."+e.domain) {
				continue
			}
			matched, done := wildSeen[dr.host]
			if !done {
				for h := range hosts {
					if hostMatches(dr.host, h) {
						matched = true
						break
					}
				}
				wildSeen[dr.host] = matched
			}
			if matched {
				continue
			}
		}
		d.add(SevWarning, dr.meta, "host %q matches no Service or ServiceEntry in the inventory (istioctl analyze IST0174); the rule applies to nothing", dr.host)
	}
}

// serverSide resolves the backends of one Service port and their
// effective PeerAuthentication modes.
func (e *Engine) serverSide(s *inventory.Service, sp inventory.ServicePort) *serverSide {
	ss := &serverSide{fqdn: s.Name + "." + s.Namespace + ".svc." + e.domain}
	ss.autoMode, ss.autoPolicy = e.pa.namespaceMode(s.Namespace)
	if s.Type == "ExternalName" || s.ExternalName != "" {
		ss.external = true
	}
	type backendKey struct {
		group, mesh, policy string
		tlsMode, excluded   bool
		target              int32
		mode                security.PeerAuthentication_MutualTLS_Mode
	}
	seen := map[backendKey]*backend{}
	addBackend := func(b *backend) {
		b.sm = e.pa.compose(s.Namespace, b.labels, b.targetPort)
		group := b.group
		if group == "" {
			group = b.name
		}
		k := backendKey{group, b.mesh, b.sm.policy, b.tlsMode, b.excluded, b.targetPort, b.sm.mode}
		if first := seen[k]; first != nil {
			first.more++ // another pod of the same workload, in the same state
			return
		}
		seen[k] = b
		if isGateway(b.labels) {
			// Gateway proxies are endpoints for mesh mTLS only when labelled so.
			b.gateway, b.tlsMode = true, b.labels[labelTLSMode] == "istio"
			for i := range e.gwServers {
				g := &e.gwServers[i]
				if len(g.selector) > 0 && (g.ns == "" || g.ns == s.Namespace) && selects(g.selector, b.labels) {
					b.gwSeen = true
					if g.port == sp.Port {
						b.gw = g
						break
					}
				}
			}
		}
		if b.mesh == inventory.MeshAmbient {
			b.waypoint = s.Labels[labelUseWaypoint]
		}
		ss.backends = append(ss.backends, b)
	}
	// Pods behind the endpoints are the most precise; then the workloads
	// the selector matches.
	for _, ep := range s.Endpoints {
		if ep.Pod == "" || (ep.PortName != sp.Name && len(s.Ports) > 1) {
			continue
		}
		i, ok := e.pods[inventory.ServiceRef{Namespace: s.Namespace, Name: ep.Pod}]
		if !ok {
			continue
		}
		p := &e.inv.Pods[i]
		var w *inventory.Workload
		if wi, ok := e.wl[p.Owner]; ok {
			w = &e.inv.Workloads[wi]
		}
		b := &backend{name: p.Namespace + "/" + p.Name, group: p.Owner.String(), labels: p.Labels}
		m := p.Mesh
		if m.Kind == "" && w != nil {
			m = w.Mesh
		}
		var anns map[string]string
		var cs []inventory.Container
		if w != nil {
			anns, cs = w.PodAnnotations, w.Containers
		}
		b.mesh = m.Kind
		if b.mesh == "" {
			b.mesh, _ = inferMesh(p.Labels, anns, cs, nil, e.nsLabels[p.Namespace])
		}
		b.tlsMode = tlsModeOf(p.Labels, b.mesh)
		b.targetPort = ep.Port
		if b.targetPort == 0 {
			b.targetPort = resolveTarget(sp, cs)
		}
		b.excluded = b.mesh == inventory.MeshSidecar && containsPort(excludedPorts(m, anns), b.targetPort)
		addBackend(b)
	}
	if len(ss.backends) == 0 {
		refs := s.Backends
		if len(refs) == 0 && len(s.Selector) > 0 {
			for i := range e.inv.Workloads {
				w := &e.inv.Workloads[i]
				if w.Namespace == s.Namespace && selects(s.Selector, w.PodLabels) {
					refs = append(refs, w.WorkloadRef)
				}
			}
		}
		for _, ref := range refs {
			wi, ok := e.wl[ref]
			if !ok {
				continue
			}
			w := &e.inv.Workloads[wi]
			b := &backend{name: ref.String(), labels: w.PodLabels}
			b.mesh, _ = meshOfWorkload(w, e.nsLabels[w.Namespace])
			b.tlsMode = tlsModeOf(w.PodLabels, b.mesh)
			b.targetPort = resolveTarget(sp, w.Containers)
			b.excluded = b.mesh == inventory.MeshSidecar && containsPort(excludedPorts(w.Mesh, w.PodAnnotations), b.targetPort)
			addBackend(b)
		}
	}
	for _, b := range ss.backends {
		if b.more > 0 {
			b.name += fmt.Sprintf(" (and %d more pods of %s in the same state)", b.more, b.group)
		}
		b.reason = b.serverReason()
	}
	if len(ss.backends) == 0 {
		ss.note = fmt.Sprintf("no backend pod or workload was found for %s port %d, so the server side is unknown and is assumed to accept whatever the application accepts", s.ServiceRef, sp.Port)
	}
	if s.Headless {
		for _, b := range ss.backends {
			if !b.tlsMode {
				ss.autoMode = security.PeerAuthentication_MutualTLS_DISABLE
				ss.autoReason = fmt.Sprintf("the Service is headless and endpoint %s has no sidecar, so auto mTLS treats the whole service as DISABLE (istio/istio#27376)", b.name)
				break
			}
		}
	}
	return ss
}

// tlsModeOf reports whether an endpoint counts as meshed for clients: the
// injector's label, or for pod templates (which never carry it) a sidecar.
func tlsModeOf(labels map[string]string, mesh string) bool {
	if v, ok := labels[labelTLSMode]; ok {
		return v == "istio"
	}
	return mesh == inventory.MeshSidecar
}

// resolveTarget returns the container port a Service port leads to.
func resolveTarget(sp inventory.ServicePort, cs []inventory.Container) int32 {
	if sp.TargetPort > 0 {
		return sp.TargetPort
	}
	if sp.TargetPortName != "" {
		for _, c := range cs {
			for _, p := range c.Ports {
				if p.Name == sp.TargetPortName {
					return p.Port
				}
			}
		}
		return 0
	}
	return sp.Port
}

func containsPort(ps []int32, p int32) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// ClientOf returns the client for a workload of the inventory.
func (e *Engine) ClientOf(ref inventory.WorkloadRef) Client {
	c := Client{Namespace: ref.Namespace, Workload: ref.Name, Mesh: inventory.MeshNone}
	if id, ok := e.nsID[ref.Namespace]; ok {
		c.nsid = id + 1
	}
	if i, ok := e.wl[ref]; ok {
		w := &e.inv.Workloads[i]
		c.Labels = w.PodLabels
		c.Mesh, _ = meshOfWorkload(w, e.nsLabels[w.Namespace])
	}
	return c
}

// sendKind is what a client puts on the wire towards one backend.
type sendKind uint8

const (
	sendPlain  sendKind = iota // no mesh TLS
	sendMTLS                   // Istio mTLS (ISTIO_MUTUAL or auto)
	sendAppTLS                 // SIMPLE or MUTUAL with user certificates
	sendHBONE                  // HBONE tunnel (ambient)
)

// leg is one (route, backend) combination of a path.
type leg struct {
	route    int
	b        *backend // nil when the server side is unknown
	send     sendKind
	expected string
	why      string
	noSubset bool // the route's subset selects no backend
}

// Outcome is the prediction for one (client, Service port).
type Outcome struct {
	ServerMode, ServerPolicy string
	// ServerKind and ClientKind name the kinds of ServerPolicy and
	// ClientPolicy ("PeerAuthentication", "Gateway", "DestinationRule",
	// "Sidecar"), empty when no object decided.
	ServerKind, ClientKind   string
	ClientMode, ClientPolicy string
	Expected                 string
	PlaintextAccepted        bool
	TargetPort               int32

	e      *Engine
	ss     *serverSide
	route0 clientTLS
	routes []clientTLS // when VirtualServices route to subsets
	worst  leg
	legs   []leg // every leg, kept only when there is more than one
	nlegs  int
}

func (o *Outcome) route(i int) *clientTLS {
	if o.routes != nil {
		return &o.routes[i]
	}
	return &o.route0
}

// maxListed bounds the backends and routes a path's reasons list one by one.
const maxListed = 8

// Reasons returns the prediction's reasons in words an engineer can act on:
// where the client's TLS comes from, what each server enforces, and why the
// two give the expected state.
func (o *Outcome) Reasons() []string {
	if o.e == nil {
		return nil
	}
	var out []string
	n := 1
	if o.routes != nil {
		n = len(o.routes)
	}
	for i := 0; i < n; i++ {
		out = appendOnce(out, o.route(i).reason())
	}
	for i, b := range o.ss.backends {
		if i == maxListed {
			out = append(out, fmt.Sprintf("... and %d more distinct backends", len(o.ss.backends)-maxListed))
			break
		}
		out = append(out, b.reason)
	}
	if o.ss.note != "" {
		out = append(out, o.ss.note)
	}
	out = append(out, o.e.why(o, o.worst))
	if len(o.legs) > 1 {
		var states []string
		same := true
		for i, l := range o.legs {
			if i == maxListed {
				states = append(states, fmt.Sprintf("%d more", len(o.legs)-maxListed))
				break
			}
			name := "unknown server"
			if l.b != nil {
				name = l.b.name
			}
			if rt := o.route(l.route); rt.subset != "" {
				name += " (subset " + rt.subset + ")"
			}
			states = append(states, name+": "+l.expected)
			same = same && l.expected == o.legs[0].expected
		}
		if !same {
			out = append(out, "backends or routes differ ("+strings.Join(states, "; ")+"); the path is reported as its weakest state")
		}
	}
	return out
}

// why renders the verdict of one leg.
func (e *Engine) why(o *Outcome, l leg) string {
	if l.noSubset {
		return fmt.Sprintf("subset %q selects no backend pod (istioctl analyze IST0173): requests routed to it fail", o.route(l.route).subset)
	}
	rt := o.route(l.route)
	if l.b == nil || rt.client.Mesh != inventory.MeshSidecar || rt.mode != ClientAuto {
		return l.why
	}
	switch l.send {
	case sendPlain:
		return e.autoPlainWhy(o.ss, l.b) + "; " + l.why
	case sendMTLS:
		return autoWhy(l.b) + "; " + l.why
	}
	return l.why
}

// rank orders expected states from strongest to weakest.
func rank(expected string) int {
	switch expected {
	case ExpectMTLS:
		return 1
	case ExpectTLS:
		return 2
	case ExpectBroken:
		return 3
	case ExpectPlaintext:
		return 4
	}
	return 0
}

// serverRank orders server modes from weakest to strongest.
func serverRank(mode string) int {
	switch mode {
	case ModeDisable:
		return 1
	case ModePermissive:
		return 2
	case ModeStrict:
		return 3
	}
	return 0
}

// Evaluate predicts the wire state from c to the Service svc on its port
// port. The second result is false when the Service or port is not in the
// inventory. Evaluate is safe for concurrent use.
func (e *Engine) Evaluate(c Client, svc inventory.ServiceRef, port int32) (Outcome, bool) {
	si, ok := e.svc[svc]
	if !ok {
		return Outcome{}, false
	}
	s := &e.inv.Services[si]
	for j := range s.Ports {
		if s.Ports[j].Port == port {
			return e.evaluate(c, s, port, e.servers[si][j]), true
		}
	}
	return Outcome{}, false
}

// EvaluateService is Evaluate for the Service at index si of the
// inventory's Services, without the lookup by name.
func (e *Engine) EvaluateService(c Client, si int, port int32) (Outcome, bool) {
	if si < 0 || si >= len(e.inv.Services) {
		return Outcome{}, false
	}
	s := &e.inv.Services[si]
	for j := range s.Ports {
		if s.Ports[j].Port == port {
			return e.evaluate(c, s, port, e.servers[si][j]), true
		}
	}
	return Outcome{}, false
}

func (e *Engine) evaluate(c Client, s *inventory.Service, port int32, ss *serverSide) Outcome {
	o := Outcome{e: e, ss: ss, ServerMode: ModeNone}
	switch c.Mesh {
	case inventory.MeshSidecar:
		if c.nsid == 0 {
			if id, ok := e.nsID[c.Namespace]; ok {
				c.nsid = id + 1
			}
		}
		if sc := e.sidecarFor(&c); sc != nil && !sc.imports(s.Namespace, ss.fqdn) {
			mode := sc.outbound
			if mode == "" {
				mode = e.ms.outboundMode
			}
			o.route0 = clientTLS{mode: ClientDisable, policy: sc.name, client: c, sidecar: sc.name, blocked: mode == "REGISTRY_ONLY", fqdn: ss.fqdn, port: port}
			break
		}
		dr := e.dr.lookup(&c, ss.sid, ss.si, ss.fqdn)
		if subs := visibleRoutes(ss.routed, c.Namespace); len(subs) > 0 {
			for _, sub := range subs {
				ct := resolveTLS(dr, sub.subset, port)
				ct.vs, ct.client = sub.vsName, c
				o.routes = append(o.routes, ct)
			}
		} else {
			o.route0 = resolveTLS(dr, "", port)
			o.route0.client = c
		}
	case inventory.MeshAmbient:
		o.route0 = clientTLS{mode: ClientAuto, client: c}
	default:
		o.route0 = clientTLS{mode: ClientNone, client: c}
	}
	worst, weakest := 0, 99
	consider := func(l leg) {
		o.nlegs++
		if o.nlegs == 2 {
			o.legs = append(o.legs, o.worst)
		}
		if o.nlegs >= 2 {
			o.legs = append(o.legs, l)
		}
		rt := o.route(l.route)
		if r := rank(l.expected); r > worst {
			worst = r
			o.Expected = l.expected
			o.ClientMode, o.ClientPolicy = rt.mode, rt.policy
			switch {
			case rt.sidecar != "":
				o.ClientKind = "Sidecar"
			case rt.dr != nil:
				o.ClientKind = "DestinationRule"
			}
			o.worst = l
		} else if o.nlegs == 1 {
			o.worst = l
		}
		if l.b == nil {
			return
		}
		if sr := serverRank(l.b.mode()); sr < weakest {
			weakest = sr
			o.ServerMode, o.ServerPolicy, o.ServerKind = l.b.mode(), l.b.sm.policy, "PeerAuthentication"
			switch {
			case l.b.gateway && l.b.gw != nil:
				o.ServerPolicy, o.ServerKind = l.b.gw.gateway, "Gateway"
			case l.b.mesh == inventory.MeshNone || (l.b.gateway && l.b.gwSeen):
				o.ServerPolicy = ""
			}
			if o.ServerPolicy == "" {
				o.ServerKind = ""
			}
			o.TargetPort = l.b.targetPort
		}
		o.PlaintextAccepted = o.PlaintextAccepted || l.b.plaintextAccepted()
	}
	n := 1
	if o.routes != nil {
		n = len(o.routes)
	}
	for i := 0; i < n; i++ {
		rt := o.route(i)
		if rt.blocked {
			const why = "the BlackHoleCluster drops the connection"
			if len(ss.backends) == 0 {
				consider(leg{route: i, expected: ExpectBroken, why: why})
			}
			for _, b := range ss.backends {
				consider(leg{route: i, b: b, expected: ExpectBroken, why: why})
			}
			continue
		}
		if len(ss.backends) == 0 {
			send := e.send(c, rt, ss, nil)
			exp, why := outcome(send, nil)
			consider(leg{route: i, send: send, expected: exp, why: why})
			continue
		}
		matched := false
		for _, b := range ss.backends {
			if rt.labels != nil && !selects(rt.labels, b.labels) {
				continue
			}
			matched = true
			send := e.send(c, rt, ss, b)
			exp, why := outcome(send, b)
			consider(leg{route: i, b: b, send: send, expected: exp, why: why})
		}
		if !matched {
			consider(leg{route: i, expected: ExpectBroken, noSubset: true})
		}
	}
	if ss.note != "" {
		o.ServerMode, o.ServerPolicy, o.ServerKind = ModeNone, "", ""
		o.PlaintextAccepted = true
	}
	return o
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// subsetsFor returns the subsets VirtualServices route traffic for
// fqdn:port to, oldest VirtualService first.
func (e *Engine) subsetsFor(fqdn string, port int32) []routedSubset {
	var out []routedSubset
	for _, r := range e.routed[fqdn] {
		if r.port == 0 || r.port == uint32(port) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].vs != out[j].vs {
			return older(out[i].vs, out[j].vs)
		}
		return out[i].subset < out[j].subset
	})
	return out
}

// visibleRoutes returns the subsets of the oldest VirtualService visible
// from namespace ns (exportTo), each once: a sidecar uses one
// VirtualService per host.
func visibleRoutes(rs []routedSubset, ns string) []routedSubset {
	if len(rs) == 0 {
		return nil
	}
	var chosen *meta
	var out []routedSubset
	for i := range rs {
		r := &rs[i]
		if chosen == nil {
			v := newVisibility(r.exportTo, r.vs.Namespace, nil)
			if !v.visibleTo(ns) {
				continue
			}
			chosen = &r.vs
		}
		if r.vs != *chosen {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o.subset == r.subset
		}
		if !dup {
			out = append(out, *r)
		}
	}
	return out
}

// send decides what client c puts on the wire towards backend b (nil when
// the server side is unknown).
func (e *Engine) send(c Client, rt *clientTLS, ss *serverSide, b *backend) sendKind {
	switch c.Mesh {
	case inventory.MeshAmbient:
		if b != nil && b.mesh != inventory.MeshNone {
			return sendHBONE
		}
		return sendPlain
	case inventory.MeshSidecar:
	default:
		return sendPlain
	}
	if rt.sidecar != "" {
		return sendPlain // passthrough: plain TCP
	}
	switch rt.mode {
	case ClientIstioMutual:
		return sendMTLS
	case ClientMutual, ClientSimple:
		return sendAppTLS
	case ClientDisable:
		return sendPlain
	}
	// Auto mTLS.
	if ss.external || !e.ms.autoMTLS || b == nil {
		return sendPlain
	}
	if ss.autoMode == security.PeerAuthentication_MutualTLS_DISABLE {
		return sendPlain
	}
	if b.mesh == inventory.MeshAmbient {
		return sendHBONE
	}
	if b.tlsMode && b.sm.mode != security.PeerAuthentication_MutualTLS_DISABLE {
		return sendMTLS
	}
	return sendPlain
}

func autoWhy(b *backend) string {
	return fmt.Sprintf("auto mTLS sends mTLS: endpoint %s is meshed (%s=istio), port %d is %s", b.name, labelTLSMode, b.targetPort, b.sm.mode)
}

func (e *Engine) autoPlainWhy(ss *serverSide, b *backend) string {
	switch {
	case ss.external:
		return "the Service is mesh-external (ExternalName), so auto mTLS does not apply"
	case !e.ms.autoMTLS:
		return "enableAutoMtls is false in the mesh config and no DestinationRule sets TLS, so the client sends plaintext"
	case ss.autoReason != "":
		return ss.autoReason
	case ss.autoMode == security.PeerAuthentication_MutualTLS_DISABLE:
		return fmt.Sprintf("auto mTLS reads only the namespace/mesh mode of the service's namespace, which %s sets to DISABLE, so the client sends plaintext whatever workload policies say (istio/istio#56084)", ss.autoPolicy)
	case !b.tlsMode:
		return fmt.Sprintf("auto mTLS sends plaintext because endpoint %s lacks %s=istio (no sidecar)", b.name, labelTLSMode)
	default:
		return fmt.Sprintf("auto mTLS sends plaintext because endpoint %s has mode DISABLE on port %d", b.name, b.targetPort)
	}
}

// outcome applies the client/server table of the specification. b nil is
// an unknown server, treated as one without a proxy. The reasons are
// constants so that evaluation does not allocate.
func outcome(send sendKind, b *backend) (string, string) {
	mesh, excluded := inventory.MeshNone, false
	mode := security.PeerAuthentication_MutualTLS_PERMISSIVE
	if b != nil {
		mesh, excluded, mode = b.mesh, b.excluded, b.sm.mode
	}
	strict := mode == security.PeerAuthentication_MutualTLS_STRICT
	if b != nil && b.gateway && b.gwSeen {
		return gatewayOutcome(send, b)
	}
	switch {
	case mesh == inventory.MeshAmbient:
		switch send {
		case sendMTLS, sendHBONE:
			return ExpectMTLS, "the client tunnels over HBONE (mTLS on port 15008) to the ambient destination"
		case sendAppTLS:
			if strict {
				return ExpectBroken, "ztunnel's STRICT policy denies connections without a mesh identity"
			}
			return ExpectTLS, "application TLS passes through ztunnel, which accepts plaintext connections when not STRICT"
		default:
			if strict {
				return ExpectBroken, "ztunnel's STRICT policy denies the plaintext connection"
			}
			return ExpectPlaintext, "the plaintext connection is accepted: in ambient only STRICT refuses it"
		}
	case mesh == inventory.MeshNone || excluded:
		switch send {
		case sendMTLS:
			if excluded {
				return ExpectBroken, "the client sends Istio mTLS but the port bypasses the server's sidecar, so the application receives a TLS handshake it cannot answer (istio/istio#30311)"
			}
			return ExpectBroken, "the client sends Istio mTLS but no sidecar terminates it on the server (reachability notToNaked)"
		case sendHBONE:
			if mesh == inventory.MeshSidecar {
				return ExpectMTLS, "ztunnel tunnels over HBONE to the sidecar's 15008 listener, which always requires mTLS and delivers locally, so excludeInboundPorts does not matter"
			}
			return ExpectPlaintext, "ztunnel sends plaintext to a destination outside the mesh"
		case sendAppTLS:
			return ExpectTLS, "the client originates TLS with user certificates and the application terminates it"
		default:
			return ExpectPlaintext, "plaintext reaches the application: no server-side proxy enforces mTLS"
		}
	}
	// Sidecar server on a captured port.
	switch send {
	case sendHBONE:
		return ExpectMTLS, "ztunnel tunnels HBONE to the sidecar's 15008 listener, which requires mTLS"
	case sendMTLS:
		if mode == security.PeerAuthentication_MutualTLS_DISABLE {
			return ExpectBroken, "the client sends Istio mTLS but the server's mode is DISABLE: no filter chain matches (NR filter_chain_not_found), the client sees 503 or a reset"
		}
		return ExpectMTLS, "Istio mTLS, accepted by the server's sidecar"
	case sendAppTLS:
		if strict {
			return ExpectBroken, "the client sends TLS with non-mesh certificates and the server is STRICT: the handshake fails"
		}
		return ExpectTLS, "the client's application TLS passes through the server's sidecar, which is not STRICT (istio/istio#29589)"
	default:
		if strict {
			return ExpectBroken, "plaintext to a STRICT server is reset (NR filter_chain_not_found)"
		}
		if mode == security.PeerAuthentication_MutualTLS_DISABLE {
			return ExpectPlaintext, "the client sends plaintext and the server's mode is DISABLE"
		}
		return ExpectPlaintext, "plaintext to a PERMISSIVE server is accepted"
	}
}

// nsSidecars are the Sidecar resources of one namespace.
type nsSidecars struct {
	def      *sidecarRes   // the oldest without a workloadSelector
	selected []*sidecarRes // with a workloadSelector, oldest first
}

// buildSidecars indexes Sidecar resources per namespace, reporting the
// ones istiod ignores.
func (d *decoder) buildSidecars(scs []*sidecarRes, root string) map[string]*nsSidecars {
	sort.SliceStable(scs, func(i, j int) bool { return older(scs[i].meta, scs[j].meta) })
	out := map[string]*nsSidecars{}
	for _, sc := range scs {
		r := out[sc.Namespace]
		if r == nil {
			r = &nsSidecars{}
			out[sc.Namespace] = r
		}
		switch {
		case len(sc.selector) > 0 && sc.Namespace == root:
			d.add(SevWarning, sc.meta, "a Sidecar with a workloadSelector in the root namespace %s is ignored", root)
		case len(sc.selector) > 0:
			r.selected = append(r.selected, sc)
		case r.def != nil:
			d.add(SevWarning, sc.meta, "namespace %s already has an older Sidecar without workloadSelector (%s); istiod uses that one", sc.Namespace, r.def.ref())
		default:
			r.def = sc
		}
	}
	return out
}

// sidecarFor returns the Sidecar resource that configures client c's
// proxy: a selecting one of its namespace, else its namespace's default,
// else the root namespace's default.
func (e *Engine) sidecarFor(c *Client) *sidecarRes {
	if len(e.sidecars) == 0 {
		return nil
	}
	if r := e.sidecars[c.Namespace]; r != nil {
		for _, sc := range r.selected {
			if selects(sc.selector, c.Labels) {
				return sc
			}
		}
		if r.def != nil {
			return r.def
		}
	}
	if r := e.sidecars[e.ms.root]; r != nil {
		return r.def
	}
	return nil
}

// gatewayOutcome is what a gateway proxy's listener does with what the
// client sends: its Gateway server decides, not PeerAuthentication.
func gatewayOutcome(send sendKind, b *backend) (string, string) {
	if b.gw == nil {
		return ExpectBroken, "no Gateway server listens on this port of the gateway, so connections are refused"
	}
	switch b.gw.mode {
	case "NONE":
		if send == sendMTLS {
			return ExpectBroken, "the client sends Istio mTLS but the Gateway server on this port speaks plaintext"
		}
		return ExpectPlaintext, "the Gateway server on this port has no TLS: requests arrive in plaintext"
	case "REDIRECT":
		return ExpectPlaintext, "the Gateway server on this port accepts plaintext HTTP only to redirect it to HTTPS (the first request still travels in plaintext)"
	case "ISTIO_MUTUAL":
		if send == sendMTLS || send == sendHBONE {
			return ExpectMTLS, "the Gateway server terminates Istio mTLS"
		}
		return ExpectBroken, "the Gateway server requires Istio mTLS and the client does not send it"
	default:
		if send == sendMTLS {
			return ExpectBroken, "the client sends Istio mTLS but the Gateway server expects TLS with its own certificate"
		}
		return ExpectTLS, "the Gateway server on this port terminates (or passes through) TLS in mode " + b.gw.mode + ": clients must speak TLS"
	}
}

// isGateway reports whether pod labels mark an Istio gateway proxy.
func isGateway(labels map[string]string) bool {
	switch labels["istio"] {
	case "ingressgateway", "egressgateway", "eastwestgateway":
		return true
	}
	_, managed := labels["gateway.istio.io/managed"]
	_, api := labels["gateway.networking.k8s.io/gateway-name"]
	return managed || api
}

// PredictPath evaluates one path of the inventory.
func (e *Engine) PredictPath(p inventory.Path) evidence.PolicyPath {
	pp, _ := e.PredictPathKinds(p)
	return pp
}

// Kinds names the kinds of the objects a path's Server.Policy and
// Client.Policy refer to.
type Kinds struct{ Server, Client string }

// PredictPathKinds is PredictPath that also returns the kinds of the
// deciding objects.
func (e *Engine) PredictPathKinds(p inventory.Path) (evidence.PolicyPath, Kinds) {
	c := e.ClientOf(p.Source)
	pp := evidence.PolicyPath{
		PathID: p.ID,
		Source: evidence.PolicySource{Namespace: p.Source.Namespace, Workload: p.Source.Name, Mesh: c.Mesh},
		Destination: evidence.PolicyDestination{Namespace: p.Destination.Namespace, Service: p.Destination.Name,
			Port: int(p.Port.Port), TargetPort: int(p.Port.TargetPort)},
	}
	o, ok := Outcome{}, false
	if si, found := e.svc[p.Destination]; found {
		o, ok = e.EvaluateService(c, si, p.Port.Port)
	}
	if !ok {
		pp.Server = evidence.PolicySide{Mode: ModeNone}
		pp.Client = evidence.PolicySide{Mode: ClientNone}
		pp.Expected = ExpectPlaintext
		pp.PlaintextAccepted = true
		pp.Reasons = []string{fmt.Sprintf("Service %s port %d is not in the inventory, so nothing is known of its server side; plaintext is assumed", p.Destination, p.Port.Port)}
		return pp, Kinds{}
	}
	if pp.Destination.TargetPort == 0 {
		pp.Destination.TargetPort = int(o.TargetPort)
	}
	pp.Server = evidence.PolicySide{Mode: o.ServerMode, Policy: o.ServerPolicy}
	pp.Client = evidence.PolicySide{Mode: o.ClientMode, Policy: o.ClientPolicy}
	pp.Expected = o.Expected
	pp.PlaintextAccepted = o.PlaintextAccepted
	pp.Reasons = o.Reasons()
	return pp, Kinds{Server: o.ServerKind, Client: o.ClientKind}
}
