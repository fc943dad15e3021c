package evaluate

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/version"
)

// Evidence is what the producers found. Any field may be nil: the checks it
// would decide stay NOT-TESTED, saying which evidence was missing.
type Evidence struct {
	Probes *evidence.ProbeReport
	Policy *evidence.PolicyReport
	Flows  *evidence.FlowReport
	Images *evidence.ImageReport
	// Skipped says why an evidence kind was not gathered ("probe": "no
	// probe targets: ..."); it becomes the reason of the cells it leaves
	// NOT-TESTED.
	Skipped map[string]string
	// Unprobed says, per Service port ("ns/name:port"), why it was not
	// probed although probes ran.
	Unprobed map[string]string
}

// Evidence document ids, used as prefixes of the cell evidence ids.
const (
	ProbeDoc  = "probe-report"
	PolicyDoc = "policy-report"
	FlowDoc   = "flow-report"
	ImageDoc  = "image-report"
)

// Input is everything Evaluate needs besides the evidence.
type Input struct {
	Inventory *inventory.Inventory
	Evidence  Evidence
	// Profile judges versions and suites (default sp800-52r2).
	Profile *cryptoref.Profile
	// Now is the evaluation time: certificate validity and waiver expiry
	// are judged against it.
	Now     time.Time
	Waivers []Waiver
	Scanner version.Info
}

// Evaluate builds the matrix.
func Evaluate(in Input) (*matrix.Matrix, error) {
	if in.Inventory == nil {
		return nil, fmt.Errorf("evaluating: no inventory")
	}
	if in.Profile == nil {
		p, err := cryptoref.LookupProfile("sp800-52r2")
		if err != nil {
			return nil, err
		}
		in.Profile = p
	}
	if err := validateWaivers(in.Waivers); err != nil {
		return nil, err
	}
	inv := in.Inventory
	m := &matrix.Matrix{
		APIVersion: matrix.APIVersion, Kind: matrix.Kind, Scanner: in.Scanner,
		Cluster: inv.Cluster, Source: inv.Source, GeneratedAt: in.Now.UTC(), Profile: in.Profile.Name,
		Controls: matrix.Controls, Checks: matrix.Catalog,
	}
	for _, p := range inv.Problems {
		m.Problems = append(m.Problems, problemText(p))
	}
	if pol := in.Evidence.Policy; pol != nil {
		for _, f := range pol.Findings {
			m.Problems = append(m.Problems, fmt.Sprintf("mesh policy %s: %s: %s", f.Severity, f.Object, f.Message))
		}
	}
	ix := newIndex(in)
	// Decide every cell first: NOT-TESTED with the reason of the missing
	// evidence. Then let the evidence fill what it can. One row per TCP
	// Service port; classes under it.
	for si := range inv.Services {
		s := &inv.Services[si]
		for _, sp := range s.Ports {
			if sp.Protocol != "TCP" {
				continue // SC-8 probes and mesh mTLS speak of TCP ports
			}
			m.Rows = append(m.Rows, ix.row(s, sp))
		}
	}
	m.Groups = ix.groups.list
	applyWaivers(m, in.Waivers, in.Now)
	m.Evidence = ix.documents()
	m.Scope = ix.scope()
	m.Summarize()
	return m, nil
}

func problemText(p inventory.Problem) string {
	var parts []string
	if p.Source != "" {
		parts = append(parts, p.Source)
	}
	if p.Object != "" {
		parts = append(parts, p.Object)
	}
	parts = append(parts, p.Message)
	return strings.Join(parts, ": ")
}

// index holds the evidence keyed for the joins.
type index struct {
	in     Input
	probes map[string][]int // "ns/svc:port" -> result indexes
	// meshProbes are the results of probes run inside the mesh, by port.
	meshProbes map[string][]int
	policy     map[string]int   // "ns/svc:port" -> policy port index
	flows      map[string][]int // "ns/svc:port" -> flow indexes
	images     map[string][]int // image ref -> image indexes (one per pod environment)
	services   map[inventory.ServiceRef]*inventory.Service
	// members are the policy report's groups as matrix endpoints.
	members map[string][]matrix.Endpoint
	// byMesh groups every workload by mesh kind, for classes when there
	// is no policy evidence.
	byMesh  [][]matrix.Endpoint
	clients map[matrix.Endpoint]fipsEnd // client-end FIPS verdict per workload
	groups  groupSet
	waivers []sourceWaiver
	splits  map[string][]part // member list id -> its FIPS split
}

func svcKey(ns, name string, port int) string { return fmt.Sprintf("%s/%s:%d", ns, name, port) }

func newIndex(in Input) *index {
	ix := &index{in: in, probes: map[string][]int{}, meshProbes: map[string][]int{}, policy: map[string]int{}, flows: map[string][]int{}, images: map[string][]int{},
		services: map[inventory.ServiceRef]*inventory.Service{}, clients: map[matrix.Endpoint]fipsEnd{}}
	ix.groups.byID = map[string]bool{}
	inv := in.Inventory
	for i := range inv.Services {
		ix.services[inv.Services[i].ServiceRef] = &inv.Services[i]
	}
	if r := in.Evidence.Probes; r != nil {
		hosts := ix.hostNames()
		for i, res := range r.Results {
			// A probe from inside the mesh says what a mesh client gets,
			// not what the port accepts: it is kept apart.
			into := ix.probes
			if res.InMesh != "" {
				into = ix.meshProbes
			}
			if s := res.Target.Service; s != nil {
				k := svcKey(s.Namespace, s.Name, s.Port)
				into[k] = append(into[k], i)
				continue
			}
			if ref, ok := hosts[strings.ToLower(strings.TrimSuffix(res.Target.Host, "."))]; ok {
				k := svcKey(ref.Namespace, ref.Name, res.Target.Port)
				into[k] = append(into[k], i)
			}
		}
	}
	if r := in.Evidence.Policy; r != nil {
		for i, p := range r.Ports {
			ix.policy[svcKey(p.Destination.Namespace, p.Destination.Service, p.Destination.Port)] = i
		}
		ix.members = make(map[string][]matrix.Endpoint, len(r.Groups))
		for _, g := range r.Groups {
			es := make([]matrix.Endpoint, 0, len(g.Members))
			for _, m := range g.Members {
				es = append(es, matrix.Endpoint{Namespace: m.Namespace, Kind: m.Kind, Name: m.Workload, Mesh: m.Mesh})
			}
			ix.members[g.ID] = es
		}
	}
	if r := in.Evidence.Flows; r != nil {
		for i, f := range r.Flows {
			if d := f.Destination; d != nil && d.Service != "" && d.Port != 0 {
				k := svcKey(d.Namespace, d.Service, d.Port)
				ix.flows[k] = append(ix.flows[k], i)
			}
		}
	}
	byKind := map[string]int{}
	for _, w := range inv.Workloads {
		e := matrix.Endpoint{Namespace: w.Namespace, Kind: w.Kind, Name: w.Name, Mesh: w.Mesh.Kind}
		if e.Mesh == "" {
			e.Mesh = inventory.MeshNone
		}
		k, ok := byKind[e.Mesh]
		if !ok {
			k = len(ix.byMesh)
			byKind[e.Mesh] = k
			ix.byMesh = append(ix.byMesh, nil)
		}
		ix.byMesh[k] = append(ix.byMesh[k], e)
	}
	ix.waivers = ix.sourceWaiversOf(in.Waivers)
	if r := in.Evidence.Images; r != nil {
		for i, im := range r.Images {
			ix.images[im.Ref] = append(ix.images[im.Ref], i)
		}
	}
	return ix
}

// hostNames maps the names and ClusterIPs a probe target may use to the
// Service they stand for.
func (ix *index) hostNames() map[string]inventory.ServiceRef {
	out := map[string]inventory.ServiceRef{}
	for _, s := range ix.in.Inventory.Services {
		for _, n := range []string{
			s.Name + "." + s.Namespace, s.Name + "." + s.Namespace + ".svc",
			s.Name + "." + s.Namespace + ".svc.cluster.local",
		} {
			out[n] = s.ServiceRef
		}
		for _, ip := range append([]string{s.ClusterIP}, s.ClusterIPs...) {
			if ip != "" && ip != "None" {
				out[ip] = s.ServiceRef
			}
		}
	}
	return out
}

func (ix *index) destination(svc *inventory.Service, sp inventory.ServicePort) matrix.Destination {
	d := matrix.Destination{Namespace: svc.Namespace, Service: svc.Name, Port: int(sp.Port),
		PortName: sp.Name, AppProtocol: sp.AppProtocol, TargetPort: int(sp.TargetPort)}
	if s := svc; s != nil {
		kinds := map[string]bool{}
		for _, b := range s.Backends {
			if w := ix.in.Inventory.Workload(b); w != nil {
				kinds[w.Mesh.Kind] = true
			}
		}
		var ks []string
		for k := range kinds {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		d.Mesh = strings.Join(ks, ",")
		if s.ExternalName != "" {
			d.Mesh = "external"
		}
	}
	return d
}

// missingReason is the NOT-TESTED reason of a cell before evidence is
// applied: which evidence could decide it and why none came.
func (ix *index) missingReason(c matrix.Check, d matrix.Destination) string {
	var why []string
	for _, kind := range c.Evidence {
		if s := ix.in.Evidence.Skipped[kind]; s != "" {
			why = append(why, kind+": "+s)
			continue
		}
		if !ix.has(kind) {
			why = append(why, kind+": not gathered in this run")
			continue
		}
		if kind == "probe" {
			k := svcKey(d.Namespace, d.Service, d.Port)
			if len(ix.probes[k]) == 0 {
				if r := ix.in.Evidence.Unprobed[k]; r != "" {
					why = append(why, "probe: "+r)
				} else {
					why = append(why, "probe: this port was not probed")
				}
			}
		}
	}
	if len(why) == 0 {
		return "no evidence reached this cell"
	}
	return "no evidence: " + strings.Join(why, "; ")
}

func (ix *index) has(kind string) bool {
	switch kind {
	case "probe":
		return ix.in.Evidence.Probes != nil
	case "policy":
		return ix.in.Evidence.Policy != nil
	case "capture":
		return ix.in.Evidence.Flows != nil
	case "images":
		return ix.in.Evidence.Images != nil
	}
	return false
}

func (ix *index) documents() []matrix.Evidence {
	var out []matrix.Evidence
	add := func(present bool, id, kind string) {
		if present {
			out = append(out, matrix.Evidence{ID: id, Kind: kind, File: "evidence/" + id + ".json"})
		}
	}
	add(ix.in.Evidence.Probes != nil, ProbeDoc, evidence.KindProbeReport)
	add(ix.in.Evidence.Policy != nil, PolicyDoc, evidence.KindPolicyReport)
	add(ix.in.Evidence.Flows != nil, FlowDoc, evidence.KindFlowReport)
	add(ix.in.Evidence.Images != nil, ImageDoc, evidence.KindImageReport)
	return out
}

func (ix *index) scope() []string {
	inv := ix.in.Inventory
	var ports int
	for _, s := range inv.Services {
		ports += len(s.Ports)
	}
	s := []string{
		fmt.Sprintf("source: %s (cluster %q)", inv.Source, inv.Cluster),
		fmt.Sprintf("%d namespaces, %d workloads, %d services with %d ports (%d TCP: the rows), %d paths (every workload to every TCP port)", len(inv.Namespaces), len(inv.Workloads), len(inv.Services), ports, inv.TCPPorts(), inv.PathCount()),
		fmt.Sprintf("profile: %s (%s)", ix.in.Profile.Name, ix.in.Profile.Title),
	}
	kinds := []string{"probe", "policy", "capture", "images"}
	for _, k := range kinds {
		switch {
		case ix.has(k):
			s = append(s, k+": gathered")
		case ix.in.Evidence.Skipped[k] != "":
			s = append(s, k+": not gathered: "+ix.in.Evidence.Skipped[k])
		default:
			s = append(s, k+": not gathered")
		}
	}
	return s
}
