package evaluate

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// row builds the row of one Service port: its destination cells, then
// one class per set of sources the evidence cannot tell apart. Nothing
// here is per path: a class is decided once, whatever its size.
func (ix *index) row(svc *inventory.Service, sp inventory.ServicePort) matrix.Row {
	d := ix.destination(svc, sp)
	row := matrix.Row{ID: matrix.RowID(ix.in.Inventory.Cluster, d), Destination: d}
	for _, c := range matrix.DestinationChecks {
		row.Cells = append(row.Cells, matrix.Cell{Check: c.ID, Status: matrix.NotTested, Reason: ix.missingReason(c, d)})
	}
	k := svcKey(d.Namespace, d.Service, d.Port)
	var pe pathEvidence
	if r := ix.in.Evidence.Probes; r != nil {
		if idx := ix.probes[k]; len(idx) > 0 {
			pe.probe, pe.probeID = &r.Results[idx[0]], probeRef(idx[0])
		}
		if idx := ix.meshProbes[k]; len(idx) > 0 {
			pe.mesh, pe.meshID = &r.Results[idx[0]], probeRef(idx[0])
		}
	}
	var port *evidence.PolicyPort
	if r := ix.in.Evidence.Policy; r != nil {
		if i, ok := ix.policy[k]; ok {
			port = &r.Ports[i]
			pe.policy, pe.policyID = portView(port), fmt.Sprintf("%s#ports[%d]", PolicyDoc, i)
		}
	}
	// Flows to the port, by source workload.
	bySource := map[matrix.Endpoint][]int{}
	if r := ix.in.Evidence.Flows; r != nil {
		for _, i := range ix.flows[k] {
			pe.flows = append(pe.flows, &r.Flows[i])
			pe.flowIDs = append(pe.flowIDs, fmt.Sprintf("%s#flows[%d]", FlowDoc, i))
			if src := r.Flows[i].Source; src != nil && src.Workload != "" {
				kind, name, _ := strings.Cut(src.Workload, "/")
				e := matrix.Endpoint{Namespace: src.Namespace, Kind: kind, Name: name}
				bySource[e] = append(bySource[e], i)
			}
		}
	}
	pe.refusal = meshRefusal(pe, d)
	ix.decideRow(&row, pe, svc)
	// Several probes of one port (its ClusterIP and each backend pod):
	// each is judged, and the worst reading of every cell wins.
	alts := ix.otherProbes(pe, k, d)
	for _, alt := range alts {
		other := matrix.Row{Destination: d}
		for _, c := range matrix.DestinationChecks {
			other.Cells = append(other.Cells, matrix.Cell{Check: c.ID, Status: matrix.NotTested, Reason: ix.missingReason(c, d)})
		}
		ix.decideRow(&other, alt, svc)
		worsen(row.Cells, other.Cells)
	}

	server := ix.serverEnd(svc)
	waivers := ix.waiversFor(d)
	for _, pc := range ix.policyClasses(port) {
		for _, part := range ix.split(pc.members, bySource, waivers) {
			cpe := pathEvidence{probe: pe.probe, probeID: pe.probeID, refusal: pe.refusal}
			if pc.class != nil {
				cpe.policy, cpe.policyID = classView(pc.class), fmt.Sprintf("%s#ports[%d].classes[%d]", PolicyDoc, ix.policy[k], pc.index)
			}
			for _, i := range part.flows {
				cpe.flows = append(cpe.flows, &ix.in.Evidence.Flows.Flows[i])
				cpe.flowIDs = append(cpe.flowIDs, fmt.Sprintf("%s#flows[%d]", FlowDoc, i))
			}
			key := pc.key
			if part.client.verdict != "" {
				key += "; client images " + part.client.verdict
			}
			if part.traffic != "" {
				key += "; traffic " + part.traffic
			}
			if part.waiver != "" {
				key += "; " + part.waiver
			}
			c := matrix.Class{ID: matrix.ClassID(row.ID, key+"\x00"+pc.idKey), Key: key, Mesh: pc.mesh,
				Group: ix.groups.add(part.members), Members: len(part.members)}
			for _, chk := range matrix.SourceChecks {
				c.Cells = append(c.Cells, matrix.Cell{Check: chk.ID, Status: matrix.NotTested, Reason: ix.missingReason(chk, d)})
			}
			fips := ix.fipsVerdict(part.client, server, svc)
			ix.decideClass(&c, cpe, d, fips, svc.ExternalName)
			for _, alt := range alts {
				other := c
				other.Cells = nil
				for _, chk := range matrix.SourceChecks {
					other.Cells = append(other.Cells, matrix.Cell{Check: chk.ID, Status: matrix.NotTested, Reason: ix.missingReason(chk, d)})
				}
				acpe := cpe
				acpe.probe, acpe.probeID, acpe.refusal = alt.probe, alt.probeID, alt.refusal
				ix.decideClass(&other, acpe, d, fips, svc.ExternalName)
				worsen(c.Cells, other.Cells)
			}
			row.Classes = append(row.Classes, c)
		}
	}
	return row
}

func probeRef(i int) string { return fmt.Sprintf("%s#results[%d]", ProbeDoc, i) }

// otherProbes returns pe with each further out-of-mesh probe of port k in
// place of the first, its refusal decided anew.
func (ix *index) otherProbes(pe pathEvidence, k string, d matrix.Destination) []pathEvidence {
	idx := ix.probes[k]
	if len(idx) < 2 {
		return nil
	}
	out := make([]pathEvidence, 0, len(idx)-1)
	for _, i := range idx[1:] {
		alt := pe
		alt.probe, alt.probeID = &ix.in.Evidence.Probes.Results[i], probeRef(i)
		alt.refusal = meshRefusal(alt, d)
		out = append(out, alt)
	}
	return out
}

// worsen replaces each cell of cells with its counterpart in other when
// other's status is worse: the worse reading of ambiguous evidence wins.
func worsen(cells, other []matrix.Cell) {
	for i := range cells {
		if matrix.Worst(cells[i].Status, other[i].Status) != cells[i].Status {
			cells[i] = other[i]
		}
	}
}

// portView is the port-level policy prediction in the shape the
// destination checks read: the weakest server side over the classes, and
// mutual TLS as expected when a meshed class gets it.
func portView(p *evidence.PolicyPort) *evidence.PolicyPath {
	v := &evidence.PolicyPath{Server: p.Server, PlaintextAccepted: p.PlaintextAccepted,
		Client: evidence.PolicySide{Mode: "NONE"}, Expected: "plaintext"}
	worst := 0
	for _, c := range p.Classes {
		if c.Mesh != inventory.MeshNone && c.Expected == "mtls" {
			v.Expected, v.Client = "mtls", c.Client
			break
		}
		if r := expectRank(c.Expected); r > worst {
			worst, v.Expected, v.Client = r, c.Expected, c.Client
		}
	}
	return v
}

func expectRank(e string) int {
	switch e {
	case "mtls":
		return 1
	case "tls":
		return 2
	case "broken":
		return 3
	case "plaintext":
		return 4
	}
	return 0
}

func classView(c *evidence.PolicyClass) *evidence.PolicyPath {
	return &evidence.PolicyPath{Source: evidence.PolicySource{Mesh: c.Mesh}, Server: c.Server, Client: c.Client,
		Expected: c.Expected, PlaintextAccepted: c.PlaintextAccepted, Reasons: c.Reasons, Network: c.Network}
}

// policyClass is one class as the policy (or, without it, the inventory's
// mesh modes) draws it.
type policyClass struct {
	class   *evidence.PolicyClass
	index   int
	mesh    string
	key     string // in words
	idKey   string // what else tells classes with the same words apart
	members []matrix.Endpoint
}

func (ix *index) policyClasses(port *evidence.PolicyPort) []policyClass {
	if port == nil {
		out := make([]policyClass, 0, len(ix.byMesh))
		for _, ms := range ix.byMesh {
			out = append(out, policyClass{mesh: ms[0].Mesh, key: "mesh " + ms[0].Mesh, members: ms})
		}
		return out
	}
	out := make([]policyClass, 0, len(port.Classes))
	for i := range port.Classes {
		c := &port.Classes[i]
		key := fmt.Sprintf("mesh %s; client %s%s; server %s%s; expected %s", c.Mesh, c.Client.Mode, by(c.Client.Policy), c.Server.Mode, by(c.Server.Policy), c.Expected)
		out = append(out, policyClass{class: c, index: i, mesh: c.Mesh, key: key, idKey: strings.Join(c.Reasons, "\x00"), members: ix.members[c.Group]})
	}
	return out
}

// part is a piece of a policy class after the splits.
type part struct {
	members []matrix.Endpoint
	client  fipsEnd
	traffic string
	waiver  string
	flows   []int
}

// split cuts a policy class by what else tells its members apart: the
// FIPS verdict of their images, the traffic seen from them, and the
// waivers that name some of them. Members are visited once per row only
// when the class has observed members or waivers to split by; the FIPS
// split is the same for every row and is kept per member list.
func (ix *index) split(members []matrix.Endpoint, bySource map[matrix.Endpoint][]int, waivers []*sourceWaiver) []part {
	byFIPS := ix.fipsSplit(members)
	if len(bySource) == 0 && len(waivers) == 0 {
		return byFIPS
	}
	var out []part
	for _, p := range byFIPS {
		var order []string
		subs := map[string]*part{}
		for _, m := range p.members {
			key := m.Namespace + "/" + m.Kind + "/" + m.Name
			var traffic string
			flows := bySource[matrix.Endpoint{Namespace: m.Namespace, Kind: m.Kind, Name: m.Name}]
			if len(flows) > 0 {
				traffic = ix.trafficOf(flows)
			}
			var ws []string
			for _, w := range waivers {
				if w.sources[key] {
					ws = append(ws, w.id)
				}
			}
			waiver := ""
			if len(ws) > 0 {
				waiver = "waiver " + strings.Join(ws, ", ") + " names these sources"
			}
			sk := traffic + "\x00" + waiver
			sp := subs[sk]
			if sp == nil {
				sp = &part{client: p.client, traffic: traffic, waiver: waiver}
				subs[sk] = sp
				order = append(order, sk)
			}
			sp.members = append(sp.members, m)
			sp.flows = append(sp.flows, flows...)
		}
		if len(order) == 1 && subs[order[0]].traffic == "" && subs[order[0]].waiver == "" {
			out = append(out, p)
			continue
		}
		for _, k := range order {
			out = append(out, *subs[k])
		}
	}
	return out
}

// trafficOf names what the capture saw from one source to the port.
func (ix *index) trafficOf(flows []int) string {
	var plain, enc int
	for _, i := range flows {
		f := &ix.in.Evidence.Flows.Flows[i]
		switch {
		case f.Encrypted:
			enc++
		case f.Plaintext != nil && f.Plaintext.Protocol != "":
			plain++
		}
	}
	switch {
	case plain > 0:
		return "observed in cleartext"
	case enc > 0:
		return "observed encrypted"
	}
	return "observed, not classified"
}

// fipsEnd is the FIPS verdict of one end.
type fipsEnd struct {
	verdict string
	reason  string
	ev      []string
}

// fipsSplit splits members by the FIPS verdict of their images, once per
// member list.
func (ix *index) fipsSplit(members []matrix.Endpoint) []part {
	if ix.in.Evidence.Images == nil || len(members) == 0 {
		return []part{{members: members}}
	}
	gid := ix.groups.id(members)
	if ps, ok := ix.splits[gid]; ok {
		return ps
	}
	var order []string
	by := map[string]*part{}
	reasons := map[string][]fipsEnd{}
	for _, m := range members {
		v, ok := ix.clients[m]
		if !ok {
			w := ix.in.Inventory.Workload(inventory.WorkloadRef{Namespace: m.Namespace, Kind: m.Kind, Name: m.Name})
			v.verdict, v.reason, v.ev = ix.endVerdict("client", []*inventory.Workload{w})
			ix.clients[m] = v
		}
		p := by[v.verdict]
		if p == nil {
			p = &part{}
			by[v.verdict] = p
			order = append(order, v.verdict)
		}
		p.members = append(p.members, m)
		reasons[v.verdict] = append(reasons[v.verdict], v)
	}
	var out []part
	for _, vd := range order {
		p := by[vd]
		p.client = summarizeEnd(vd, reasons[vd], p.members)
		out = append(out, *p)
	}
	if ix.splits == nil {
		ix.splits = map[string][]part{}
	}
	ix.splits[gid] = out
	return out
}

// summarizeEnd rolls the members' client-end verdicts (all the same) into
// one: the reason when they share it, else the distinct reasons (at most
// maxReasons, each with its first member); the evidence of at most
// maxEvidence images.
func summarizeEnd(verdict string, vs []fipsEnd, members []matrix.Endpoint) fipsEnd {
	const maxEvidence, maxReasons = 8, 4
	out := fipsEnd{verdict: verdict}
	var order []string
	first := map[string]matrix.Endpoint{}
	seen := map[string]bool{}
	for i, v := range vs {
		if _, ok := first[v.reason]; !ok {
			first[v.reason] = members[i]
			order = append(order, v.reason)
		}
		for _, e := range v.ev {
			if !seen[e] && len(out.ev) < maxEvidence {
				seen[e] = true
				out.ev = append(out.ev, e)
			}
		}
	}
	if len(order) == 1 {
		out.reason = order[0]
		if len(vs) > 1 {
			out.reason += fmt.Sprintf(" (all %d members)", len(vs))
		}
		return out
	}
	var parts []string
	for i, r := range order {
		if i == maxReasons {
			parts = append(parts, fmt.Sprintf("and %d more", len(order)-maxReasons))
			break
		}
		parts = append(parts, fmt.Sprintf("%s: %s", first[r], strings.TrimPrefix(r, "client: ")))
	}
	out.reason = fmt.Sprintf("client: %s in all %d members (%s)", verdict, len(vs), strings.Join(parts, "; "))
	return out
}

// serverEnd is the FIPS verdict of the workloads behind the Service.
func (ix *index) serverEnd(s *inventory.Service) fipsEnd {
	if ix.in.Evidence.Images == nil {
		return fipsEnd{}
	}
	var servers []*inventory.Workload
	for _, b := range s.Backends {
		if w := ix.in.Inventory.Workload(b); w != nil {
			servers = append(servers, w)
		}
	}
	v, r, ev := ix.endVerdict("server", servers)
	return fipsEnd{verdict: v, reason: r, ev: ev}
}

// fipsVerdict judges the images at both ends of a class's paths.
func (ix *index) fipsVerdict(client, server fipsEnd, s *inventory.Service) verdict {
	if ix.in.Evidence.Images == nil {
		return verdict{}
	}
	if s.ExternalName != "" {
		return verdict{matrix.NotTested, "the server end is outside the cluster (ExternalName); its images cannot be inspected", nil}
	}
	if client.verdict == "" {
		client = fipsEnd{verdict: "unknown", reason: "client: no workload or image known"}
	}
	ev := append(append([]string(nil), client.ev...), server.ev...)
	reason := client.reason + "; " + server.reason
	switch {
	case client.verdict == "not-validated" || server.verdict == "not-validated":
		return verdict{matrix.Fail, reason, ev}
	case client.verdict == "validated" && server.verdict == "validated":
		return verdict{matrix.Pass, reason, ev}
	case client.verdict == "error" || server.verdict == "error":
		return verdict{matrix.Error, reason, ev}
	}
	return verdict{matrix.NotTested, reason, ev}
}

// groupSet holds the matrix's member lists, each once.
type groupSet struct {
	byID map[string]bool
	list []matrix.Group
	// ids caches the id of a member list by its backing array: the lists
	// of the policy report and of the FIPS splits are shared by every row
	// and never change, so each is hashed once.
	ids map[sliceKey]string
}

type sliceKey struct {
	first *matrix.Endpoint
	n     int
}

func (g *groupSet) id(members []matrix.Endpoint) string {
	if len(members) == 0 {
		return matrix.GroupID(nil)
	}
	k := sliceKey{&members[0], len(members)}
	if id, ok := g.ids[k]; ok {
		return id
	}
	if g.ids == nil {
		g.ids = map[sliceKey]string{}
	}
	id := matrix.GroupID(members)
	g.ids[k] = id
	return id
}

func (g *groupSet) add(members []matrix.Endpoint) string {
	id := g.id(members)
	if !g.byID[id] {
		g.byID[id] = true
		g.list = append(g.list, matrix.Group{ID: id, Members: members})
	}
	return id
}

// sourceWaiver is a waiver that names sources: the classes it touches are
// split so that it waives whole classes.
type sourceWaiver struct {
	id          string
	destination string
	rowID       string
	sources     map[string]bool // "ns/Kind/name" of the matching workloads
}

func (ix *index) sourceWaiversOf(ws []Waiver) []sourceWaiver {
	var out []sourceWaiver
	for _, w := range ws {
		if w.Source == "" {
			continue
		}
		sw := sourceWaiver{id: w.ID, destination: w.Destination, rowID: w.RowID, sources: map[string]bool{}}
		for _, wl := range ix.in.Inventory.Workloads {
			if ok, _ := path.Match(w.Source, wl.WorkloadRef.String()); ok {
				sw.sources[wl.WorkloadRef.String()] = true
			}
		}
		out = append(out, sw)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// waiversFor returns the source waivers whose destination matches d.
func (ix *index) waiversFor(d matrix.Destination) []*sourceWaiver {
	var out []*sourceWaiver
	dst := fmt.Sprintf("%s/%s:%d", d.Namespace, d.Service, d.Port)
	for i := range ix.waivers {
		w := &ix.waivers[i]
		if len(w.sources) == 0 {
			continue
		}
		if w.destination != "" {
			if ok, _ := path.Match(w.destination, dst); !ok {
				continue
			}
		}
		if w.rowID != "" && w.rowID != matrix.RowID(ix.in.Inventory.Cluster, d) {
			continue
		}
		out = append(out, w)
	}
	return out
}
