package policy

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy/cilium"
	"github.com/sc8scan/sc8scan/pkg/policy/istio"
	"github.com/sc8scan/sc8scan/pkg/policy/linkerd"
)

// ErrNothingToEvaluate is returned when the inventory holds neither
// Services nor policy objects.
var ErrNothingToEvaluate = errors.New("the inventory has no services and no mesh configuration to evaluate")

type options struct {
	log           *slog.Logger
	rootNamespace string
	clusterDomain string
	scanner       string
}

// Option configures Predict.
type Option func(*options)

// WithLogger sets the logger for debug messages. Default: discard.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithRootNamespace overrides Istio's root namespace. Default: the mesh
// config's rootNamespace, else the namespace of the istio ConfigMap, else
// istio-system.
func WithRootNamespace(ns string) Option { return func(o *options) { o.rootNamespace = ns } }

// WithClusterDomain sets the DNS suffix of Service hosts. Default:
// cluster.local.
func WithClusterDomain(d string) Option { return func(o *options) { o.clusterDomain = d } }

// WithScanner names the binary in the report header. Default: sc8scan.
func WithScanner(name string) Option { return func(o *options) { o.scanner = name } }

// Predictor predicts for one inventory. Build it with New.
type Predictor struct {
	inv *inventory.Inventory
	o   *options
	e   *istio.Engine
	l   *linkerd.Engine
	c   *cilium.Engine
	// types are the client archetypes: workloads that every engine treats
	// alike, whatever the destination.
	types []*archetype
	byRef map[inventory.WorkloadRef]int
}

// archetype is a set of workloads the engines cannot tell apart as
// clients.
type archetype struct {
	client  istio.Client
	rep     inventory.WorkloadRef // the first member, standing for all
	members []inventory.WorkloadRef
	linkerd bool // runs the Linkerd proxy
	ztunnel string
}

// New indexes inv for prediction.
func New(inv *inventory.Inventory, opts ...Option) (*Predictor, error) {
	o := &options{log: slog.New(slog.DiscardHandler), scanner: "sc8scan"}
	for _, opt := range opts {
		opt(o)
	}
	if inv == nil || (len(inv.Services) == 0 && len(inv.Objects) == 0) {
		return nil, ErrNothingToEvaluate
	}
	p := &Predictor{inv: inv, o: o,
		e:     istio.NewEngine(inv, istio.Config{RootNamespace: o.rootNamespace, ClusterDomain: o.clusterDomain, Logger: o.log}),
		l:     linkerd.NewEngine(inv),
		c:     cilium.NewEngine(inv),
		byRef: make(map[inventory.WorkloadRef]int, len(inv.Workloads)),
	}
	keys := map[string]int{}
	for i := range inv.Workloads {
		ref := inv.Workloads[i].WorkloadRef
		c := p.e.ClientOf(ref)
		lk := p.l.ClientKey(ref)
		zk := p.c.ZtunnelKey(ref.Namespace)
		key := p.e.ClientKey(c) + "\x01" + lk + "\x01" + zk
		t, ok := keys[key]
		if !ok {
			t = len(p.types)
			keys[key] = t
			p.types = append(p.types, &archetype{client: c, rep: ref, linkerd: p.l.ClientMeshed(ref), ztunnel: zk})
		}
		p.types[t].members = append(p.types[t].members, ref)
		p.byRef[ref] = t
	}
	return p, nil
}

// Predict returns, for every TCP Service port of inv, what the declared
// mesh policy predicts on the wire from each class of clients (Linkerd
// decides where either end runs the Linkerd proxy, Istio elsewhere;
// Cilium's transparent encryption is added beside them), with the
// mesh-wide TLS settings and the findings on the policy objects. Every
// workload of the inventory is a client of every port, its own Services'
// included. Cost grows with ports x client archetypes, not with paths. It
// fails only when nothing can be evaluated.
func Predict(inv *inventory.Inventory, opts ...Option) (*evidence.PolicyReport, error) {
	p, err := New(inv, opts...)
	if err != nil {
		return nil, err
	}
	return p.Report(), nil
}

// Report predicts every port.
func (p *Predictor) Report() *evidence.PolicyReport {
	rep := &evidence.PolicyReport{
		Header:   evidence.NewHeader(evidence.KindPolicyReport, p.o.scanner),
		Mesh:     p.e.Mesh(),
		Findings: append(p.e.Findings(), p.c.Findings...),
	}
	rep.APIVersion = evidence.PolicyAPIVersion
	g := &groups{p: p, byKey: map[string]string{}}
	var cf conflictSet
	for si := range p.inv.Services {
		s := &p.inv.Services[si]
		for _, sp := range s.Ports {
			if sp.Protocol != "TCP" {
				continue // SC-8 probes and mesh mTLS speak of TCP ports
			}
			pp, kinds := p.port(si, sp, g)
			cf.add(pp, kinds, g)
			rep.Ports = append(rep.Ports, pp)
		}
	}
	rep.Groups = g.list
	rep.Findings = append(rep.Findings, cf.findings()...)
	p.o.log.Debug("policy predicted", "ports", len(rep.Ports), "archetypes", len(p.types), "groups", len(rep.Groups), "findings", len(rep.Findings))
	return rep
}

// prediction is one archetype's outcome towards one port.
type prediction struct {
	pp   evidence.PolicyPath
	kind istio.Kinds
}

func (p *Predictor) port(si int, sp inventory.ServicePort, g *groups) (out evidence.PolicyPort, kinds []istio.Kinds) {
	s := &p.inv.Services[si]
	out.Destination = evidence.PolicyDestination{Namespace: s.Namespace, Service: s.Name,
		Port: int(sp.Port), TargetPort: int(sp.TargetPort)}
	serverLinkerd := p.l.ServerMeshed(s.ServiceRef)
	// Reasons are rendered once per distinct outcome, not once per
	// archetype.
	reasons := map[string][]string{}
	type class struct {
		pred  prediction
		types []int
	}
	var classes []*class
	byKey := map[string]*class{}
	for t, a := range p.types {
		var pr prediction
		var key string
		if serverLinkerd || a.linkerd {
			pr.pp = p.l.Predict(inventory.NewPath(p.inv.Cluster, a.rep, s.ServiceRef, sp))
			key = "linkerd\x00" + classKey(pr, a.ztunnel)
		} else {
			o, _ := p.e.EvaluateService(a.client, si, sp.Port)
			// The outcome's key determines its fields and reasons: it
			// stands for them in the class key too.
			ok := o.Key()
			key = "istio\x00" + a.client.Mesh + "\x00" + a.ztunnel + "\x00" + ok
			rs, seen := reasons[ok]
			if !seen {
				rs = o.Reasons()
				reasons[ok] = rs
			}
			pr.pp = evidence.PolicyPath{Server: evidence.PolicySide{Mode: o.ServerMode, Policy: o.ServerPolicy},
				Client: evidence.PolicySide{Mode: o.ClientMode, Policy: o.ClientPolicy}, Expected: o.Expected,
				PlaintextAccepted: o.PlaintextAccepted, Reasons: rs, Source: evidence.PolicySource{Mesh: a.client.Mesh}}
			pr.kind = istio.Kinds{Server: o.ServerKind, Client: o.ClientKind}
			if out.Destination.TargetPort == 0 {
				out.Destination.TargetPort = int(o.TargetPort)
			}
		}
		c := byKey[key]
		if c == nil {
			c = &class{pred: pr}
			byKey[key] = c
			classes = append(classes, c)
		}
		c.types = append(c.types, t)
	}
	weakest := 99
	for _, c := range classes {
		pp := c.pred.pp
		id := g.of(c.types)
		pc := evidence.PolicyClass{Group: id, Mesh: pp.Source.Mesh, Server: pp.Server, Client: pp.Client,
			Expected: pp.Expected, PlaintextAccepted: pp.PlaintextAccepted, Reasons: pp.Reasons}
		if pc.Mesh == "" {
			pc.Mesh = inventory.MeshNone
		}
		if p.c.Enabled() {
			a := p.types[c.types[0]]
			pc.Network, pc.Reasons = p.c.AnnotateClass(a.rep.Namespace, g.nodes(id, c.types), s.ServiceRef, append([]string(nil), pc.Reasons...))
		}
		if r := serverRank(pc.Server.Mode); r < weakest {
			weakest, out.Server = r, pc.Server
		}
		out.PlaintextAccepted = out.PlaintextAccepted || pc.PlaintextAccepted
		out.Classes = append(out.Classes, pc)
		kinds = append(kinds, c.pred.kind)
	}
	if len(classes) == 0 {
		out.Server = evidence.PolicySide{Mode: istio.ModeNone}
		out.PlaintextAccepted = true
	}
	return out, kinds
}

func serverRank(mode string) int {
	switch mode {
	case istio.ModeDisable, istio.ModeNone:
		return 1
	case istio.ModePermissive:
		return 2
	case istio.ModeStrict:
		return 3
	}
	return 0
}

func classKey(pr prediction, ztunnel string) string {
	pp := pr.pp
	parts := []string{pp.Source.Mesh, pp.Server.Mode, pp.Server.Policy, pp.Client.Mode, pp.Client.Policy, pp.Expected,
		strconv.FormatBool(pp.PlaintextAccepted), pr.kind.Server, pr.kind.Client, ztunnel}
	parts = append(parts, pp.Reasons...)
	return strings.Join(parts, "\x00")
}

// groups numbers the member lists of classes: the same set of
// archetypes is one group wherever it appears.
type groups struct {
	p     *Predictor
	byKey map[string]string // archetype list -> group id
	list  []evidence.SourceGroup
	hist  map[string]map[string]int // group id -> pods per node
	size  map[string]int            // group id -> members
}

func (g *groups) of(types []int) string {
	b := make([]byte, 0, 4*len(types))
	for _, t := range types {
		b = strconv.AppendInt(b, int64(t), 36)
		b = append(b, ',')
	}
	key := string(b)
	if id, ok := g.byKey[key]; ok {
		return id
	}
	var members []evidence.PolicySource
	var names strings.Builder
	for _, t := range types {
		a := g.p.types[t]
		for _, m := range a.members {
			members = append(members, evidence.PolicySource{Namespace: m.Namespace, Kind: m.Kind, Workload: m.Name, Mesh: a.client.Mesh})
			names.WriteString(m.String())
			names.WriteByte(0)
		}
	}
	id := inventory.UUIDv5(groupNamespace, g.p.inv.Cluster+"\x00"+names.String())
	g.byKey[key] = id
	if g.size == nil {
		g.size = map[string]int{}
	}
	g.size[id] = len(members)
	g.list = append(g.list, evidence.SourceGroup{ID: id, Members: members})
	return id
}

func (g *groups) nodes(id string, types []int) map[string]int {
	if h, ok := g.hist[id]; ok {
		return h
	}
	if g.hist == nil {
		g.hist = map[string]map[string]int{}
	}
	var refs []inventory.WorkloadRef
	for _, t := range types {
		refs = append(refs, g.p.types[t].members...)
	}
	h := g.p.c.Nodes(refs)
	g.hist[id] = h
	return h
}

// groupNamespace is the UUIDv5 namespace of policy group ids: the
// UUIDv5 of "sc8scan.dev/policy-group" in RFC 9562's URL namespace.
var groupNamespace = inventory.UUIDv5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "sc8scan.dev/policy-group")

// PredictPath returns the prediction for the one path from src to the
// Service port, as Report predicts it for src's class.
func (p *Predictor) PredictPath(src inventory.WorkloadRef, svc inventory.ServiceRef, port int32) (evidence.PolicyPath, bool) {
	for si := range p.inv.Services {
		s := &p.inv.Services[si]
		if s.ServiceRef != svc {
			continue
		}
		for _, sp := range s.Ports {
			if sp.Port != port {
				continue
			}
			path := inventory.NewPath(p.inv.Cluster, src, svc, sp)
			var pp evidence.PolicyPath
			if p.l.Applies(path) {
				pp = p.l.Predict(path)
			} else {
				pp = p.e.PredictPath(path)
			}
			p.c.Annotate(path, &pp)
			pp.Source.Kind = src.Kind
			return pp, true
		}
	}
	return evidence.PolicyPath{}, false
}

func (g *groups) first(id string) *evidence.PolicySource {
	for i := len(g.list) - 1; i >= 0; i-- {
		if g.list[i].ID == id {
			return &g.list[i].Members[0]
		}
	}
	return nil
}
