package istio

import (
	"fmt"
	"sort"

	security "istio.io/api/security/v1beta1"

	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// Server modes as the report spells them.
const (
	ModeStrict     = "STRICT"
	ModePermissive = "PERMISSIVE"
	ModeDisable    = "DISABLE"
	ModeNone       = "NONE"
)

// peerAuthIndex holds the PeerAuthentications that can apply, per level.
type peerAuthIndex struct {
	root string
	mesh *peerAuth            // oldest selector-less PA in the root namespace
	ns   map[string]*peerAuth // oldest selector-less PA per (non-root) namespace
	wl   map[string][]*peerAuth
}

// buildPeerAuth indexes pas and reports ignored duplicates and selector
// policies in the root namespace.
func (d *decoder) buildPeerAuth(pas []*peerAuth, root string) *peerAuthIndex {
	sort.SliceStable(pas, func(i, j int) bool { return older(pas[i].meta, pas[j].meta) })
	idx := &peerAuthIndex{root: root, ns: map[string]*peerAuth{}, wl: map[string][]*peerAuth{}}
	for _, pa := range pas {
		switch {
		case len(pa.selector) == 0 && pa.Namespace == root:
			if idx.mesh != nil {
				d.add(SevWarning, pa.meta, "a mesh-wide PeerAuthentication (%s) is already defined and is older; istiod ignores this one (Kiali KIA0002)", idx.mesh.ref())
				continue
			}
			idx.mesh = pa
		case len(pa.selector) == 0:
			if prev := idx.ns[pa.Namespace]; prev != nil {
				d.add(SevWarning, pa.meta, "a namespace-wide PeerAuthentication (%s) is already defined and is older; istiod ignores this one (Kiali KIA0002)", prev.ref())
				continue
			}
			idx.ns[pa.Namespace] = pa
		case pa.Namespace == root:
			d.add(SevWarning, pa.meta, "PeerAuthentications with a selector are ignored in the root namespace %s, even for its own pods; this one has no effect", root)
		default:
			idx.wl[pa.Namespace] = append(idx.wl[pa.Namespace], pa)
		}
	}
	return idx
}

// serverMode is the effective PeerAuthentication result for one workload
// and target port.
type serverMode struct {
	mode   security.PeerAuthentication_MutualTLS_Mode // never UNSET
	policy string                                     // ns/name that decided, "" for the default
	reason string
}

// compose returns the effective mode for a pod with labels in ns on the
// workload (target) port, following ComposePeerAuthentication: mesh, then
// namespace, then the oldest matching workload policy, then its
// portLevelMtls entry; UNSET inherits; no policy at all is PERMISSIVE.
func (idx *peerAuthIndex) compose(ns string, labels map[string]string, port int32) serverMode {
	sm := serverMode{mode: security.PeerAuthentication_MutualTLS_PERMISSIVE, reason: "no PeerAuthentication applies, so the mode is PERMISSIVE"}
	if p := idx.mesh; p != nil {
		if p.mode != security.PeerAuthentication_MutualTLS_UNSET {
			sm = serverMode{p.mode, p.ref(), fmt.Sprintf("mesh-wide PeerAuthentication %s sets %s", p.ref(), p.mode)}
		} else {
			sm = serverMode{security.PeerAuthentication_MutualTLS_PERMISSIVE, p.ref(), fmt.Sprintf("mesh-wide PeerAuthentication %s leaves the mode UNSET, which counts as PERMISSIVE", p.ref())}
		}
	}
	if ns == idx.root {
		return sm
	}
	if p := idx.ns[ns]; p != nil {
		if p.mode != security.PeerAuthentication_MutualTLS_UNSET {
			sm = serverMode{p.mode, p.ref(), fmt.Sprintf("namespace PeerAuthentication %s sets %s", p.ref(), p.mode)}
		} else {
			sm.reason += fmt.Sprintf("; namespace PeerAuthentication %s leaves the mode UNSET and inherits it", p.ref())
		}
		if p.portsIgnored {
			sm.reason += " (its portLevelMtls is ignored: it has no selector)"
		}
	}
	var wl *peerAuth
	for _, p := range idx.wl[ns] {
		if selects(p.selector, labels) {
			wl = p
			break
		}
	}
	if wl == nil {
		return sm
	}
	if wl.mode != security.PeerAuthentication_MutualTLS_UNSET {
		sm = serverMode{wl.mode, wl.ref(), fmt.Sprintf("workload PeerAuthentication %s sets %s", wl.ref(), wl.mode)}
	} else {
		sm.reason += fmt.Sprintf("; workload PeerAuthentication %s leaves the mode UNSET and inherits it", wl.ref())
	}
	if pm, ok := wl.ports[uint32(port)]; ok {
		if pm != security.PeerAuthentication_MutualTLS_UNSET {
			sm = serverMode{pm, wl.ref(), fmt.Sprintf("workload PeerAuthentication %s sets %s on target port %d (portLevelMtls)", wl.ref(), pm, port)}
		} else {
			sm.reason += fmt.Sprintf("; its portLevelMtls entry for port %d is UNSET and inherits", port)
		}
	}
	return sm
}

// namespaceMode is the mode auto mTLS reads for a service: the namespace
// policy of the service's namespace, else the mesh policy, else PERMISSIVE
// (BestEffortInferServiceMTLSMode). Workload policies are not seen.
func (idx *peerAuthIndex) namespaceMode(ns string) (security.PeerAuthentication_MutualTLS_Mode, string) {
	if ns != idx.root {
		if p := idx.ns[ns]; p != nil && p.mode != security.PeerAuthentication_MutualTLS_UNSET {
			return p.mode, p.ref()
		}
	}
	if p := idx.mesh; p != nil && p.mode != security.PeerAuthentication_MutualTLS_UNSET {
		return p.mode, p.ref()
	}
	return security.PeerAuthentication_MutualTLS_PERMISSIVE, ""
}

// backend is one distinct server behind a Service port.
type backend struct {
	name       string // ns/Kind/name of the workload, or ns/pod
	group      string // the owner workload of a pod
	more       int    // further pods of the group in the same state
	labels     map[string]string
	mesh       string
	tlsMode    bool // endpoint labelled (or, for templates, would be) security.istio.io/tlsMode=istio
	targetPort int32
	sm         serverMode
	excluded   bool // target port bypasses the sidecar
	waypoint   string
	reason     string    // serverReason, rendered once
	gateway    bool      // an Istio gateway proxy
	gwSeen     bool      // some Gateway selects it
	gw         *gwServer // the Gateway server on this Service port, or nil
}

// mode returns the server mode as reported: NONE when no proxy enforces
// anything on the port.
func (b *backend) mode() string {
	if b.mesh == inventory.MeshNone || b.excluded || (b.gateway && b.gwSeen) {
		return ModeNone
	}
	return modeName(b.sm.mode)
}

// modeName names a PeerAuthentication mode without protobuf reflection.
func modeName(m security.PeerAuthentication_MutualTLS_Mode) string {
	switch m {
	case security.PeerAuthentication_MutualTLS_STRICT:
		return ModeStrict
	case security.PeerAuthentication_MutualTLS_PERMISSIVE:
		return ModePermissive
	case security.PeerAuthentication_MutualTLS_DISABLE:
		return ModeDisable
	}
	return m.String()
}

// plaintextAccepted reports whether an out-of-mesh client gets through in
// plaintext.
func (b *backend) plaintextAccepted() bool {
	if b.gateway && b.gwSeen {
		return b.gw != nil && (b.gw.mode == "NONE" || b.gw.mode == "REDIRECT")
	}
	if b.mesh == inventory.MeshNone || b.excluded {
		return true
	}
	return b.sm.mode != security.PeerAuthentication_MutualTLS_STRICT
}

// serverReason describes the backend's server side in words.
func (b *backend) serverReason() string {
	switch {
	case b.gateway && b.gwSeen && b.gw != nil:
		return fmt.Sprintf("server %s is an Istio gateway: Gateway %s decides port %d (TLS mode %s), not PeerAuthentication", b.name, b.gw.gateway, b.gw.port, b.gw.mode)
	case b.gateway && b.gwSeen:
		return fmt.Sprintf("server %s is an Istio gateway, and no Gateway server selecting it listens on this port", b.name)
	case b.mesh == inventory.MeshNone:
		return fmt.Sprintf("server %s outside the mesh (no sidecar, not in ambient): nothing enforces mTLS on port %d", b.name, b.targetPort)
	case b.excluded:
		return fmt.Sprintf("server %s excludes port %d from sidecar capture (%s): the PeerAuthentication mode (%s) does not apply there and plaintext reaches the application", b.name, b.targetPort, annExcludeInbound, b.sm.mode)
	case b.mesh == inventory.MeshAmbient:
		r := fmt.Sprintf("server %s is captured by ambient (ztunnel) on port %d: %s", b.name, b.targetPort, b.sm.reason)
		if b.sm.mode != security.PeerAuthentication_MutualTLS_STRICT {
			r += "; in ambient only STRICT refuses plaintext, so plaintext is accepted"
		}
		if b.waypoint != "" && b.waypoint != "none" {
			r += "; the Service uses waypoint " + b.waypoint + ", which accepts HBONE only and applies DestinationRules for ambient clients"
		}
		return r
	default:
		return fmt.Sprintf("server %s (sidecar) on target port %d: %s", b.name, b.targetPort, b.sm.reason)
	}
}
