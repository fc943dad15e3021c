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
	// evidence. Then let the evidence fill what it can.
	for _, p := range inv.Paths {
		row := matrix.Row{PathID: p.ID, Source: ix.endpoint(p.Source), Destination: ix.destination(p)}
		for _, c := range matrix.Catalog {
			row.Cells = append(row.Cells, matrix.Cell{Check: c.ID, Status: matrix.NotTested, Reason: ix.missingReason(c, p)})
		}
		ix.decide(&row, p)
		m.Rows = append(m.Rows, row)
	}
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
	in       Input
	probes   map[string][]int // "ns/svc:port" -> result indexes
	policy   map[string]int   // path id -> policy path index
	flows    map[string][]int // path id -> flow indexes
	images   map[string][]int // image ref -> image indexes (one per pod environment)
	services map[inventory.ServiceRef]*inventory.Service
}

func svcKey(ns, name string, port int) string { return fmt.Sprintf("%s/%s:%d", ns, name, port) }

func newIndex(in Input) *index {
	ix := &index{in: in, probes: map[string][]int{}, policy: map[string]int{}, flows: map[string][]int{}, images: map[string][]int{},
		services: map[inventory.ServiceRef]*inventory.Service{}}
	inv := in.Inventory
	for i := range inv.Services {
		ix.services[inv.Services[i].ServiceRef] = &inv.Services[i]
	}
	if r := in.Evidence.Probes; r != nil {
		hosts := ix.hostNames()
		for i, res := range r.Results {
			if s := res.Target.Service; s != nil {
				k := svcKey(s.Namespace, s.Name, s.Port)
				ix.probes[k] = append(ix.probes[k], i)
				continue
			}
			if ref, ok := hosts[strings.ToLower(strings.TrimSuffix(res.Target.Host, "."))]; ok {
				k := svcKey(ref.Namespace, ref.Name, res.Target.Port)
				ix.probes[k] = append(ix.probes[k], i)
			}
		}
	}
	if r := in.Evidence.Policy; r != nil {
		for i, p := range r.Paths {
			if p.PathID != "" {
				ix.policy[p.PathID] = i
			}
		}
	}
	if r := in.Evidence.Flows; r != nil {
		for i, f := range r.Flows {
			if f.PathID != "" {
				ix.flows[f.PathID] = append(ix.flows[f.PathID], i)
			}
		}
	}
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

func (ix *index) endpoint(ref inventory.WorkloadRef) matrix.Endpoint {
	e := matrix.Endpoint{Namespace: ref.Namespace, Kind: ref.Kind, Name: ref.Name, Mesh: inventory.MeshNone}
	if w := ix.in.Inventory.Workload(ref); w != nil {
		e.Mesh = w.Mesh.Kind
	}
	return e
}

func (ix *index) destination(p inventory.Path) matrix.Destination {
	d := matrix.Destination{Namespace: p.Destination.Namespace, Service: p.Destination.Name, Port: int(p.Port.Port),
		PortName: p.Port.Name, AppProtocol: p.Port.AppProtocol, TargetPort: int(p.Port.TargetPort)}
	if s := ix.services[p.Destination]; s != nil {
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
func (ix *index) missingReason(c matrix.Check, p inventory.Path) string {
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
			k := svcKey(p.Destination.Namespace, p.Destination.Name, int(p.Port.Port))
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
		fmt.Sprintf("%d namespaces, %d workloads, %d services with %d ports, %d paths", len(inv.Namespaces), len(inv.Workloads), len(inv.Services), ports, len(inv.Paths)),
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
