package istio

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	networking "istio.io/api/networking/v1alpha3"
	security "istio.io/api/security/v1beta1"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// Finding severities.
const (
	SevError   = "error"
	SevWarning = "warning"
	SevInfo    = "info"
)

// maxObjectBytes bounds the size of one decoded object; the API server's own
// limit for a request body is 3 MiB.
const maxObjectBytes = 3 << 20

// meta is the part of an object's metadata the engine uses.
type meta struct {
	Kind      string
	Namespace string
	Name      string
	Source    string
	Created   time.Time
}

// ref renders the object as "ns/name".
func (m meta) ref() string { return m.Namespace + "/" + m.Name }

// object renders the object as "Kind ns/name", the form findings use.
func (m meta) object() string { return m.Kind + " " + m.ref() }

// older orders objects as istiod does (sortConfigByCreationTime): the oldest
// creationTimestamp first, then the name, then the namespace.
func older(a, b meta) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.Before(b.Created)
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.Namespace < b.Namespace
}

// envelope is a Kubernetes object with its spec kept raw.
type envelope struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name              string            `json:"name"`
		Namespace         string            `json:"namespace"`
		CreationTimestamp string            `json:"creationTimestamp"`
		Labels            map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec json.RawMessage   `json:"spec"`
	Data map[string]string `json:"data"`
}

// decoder turns kept inventory objects into typed Istio config and collects
// findings on the way.
type decoder struct {
	findings []evidence.Finding
}

func (d *decoder) add(sev string, m meta, format string, a ...any) {
	d.findings = append(d.findings, evidence.Finding{Severity: sev, Object: m.object(), Source: m.Source, Message: fmt.Sprintf(format, a...)})
}

// open reads the envelope of o. It returns false (with a finding) when the
// object cannot be read at all.
func (d *decoder) open(o inventory.Object, groups ...string) (envelope, meta, bool) {
	m := meta{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, Source: o.Source}
	var env envelope
	if len(o.Raw) > maxObjectBytes {
		d.add(SevError, m, "object is %d bytes, more than the %d the API server accepts; not applied", len(o.Raw), maxObjectBytes)
		return env, m, false
	}
	if err := json.Unmarshal(o.Raw, &env); err != nil {
		d.add(SevError, m, "reading object: %v; not applied", err)
		return env, m, false
	}
	if env.Metadata.Namespace != "" {
		m.Namespace = env.Metadata.Namespace
	}
	if env.Metadata.Name != "" {
		m.Name = env.Metadata.Name
	}
	if m.Namespace == "" {
		m.Namespace = "default"
	}
	if ts := env.Metadata.CreationTimestamp; ts != "" {
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			d.add(SevWarning, m, "creationTimestamp %q is not RFC 3339 (%v); ordering falls back to the name", ts, err)
		} else {
			m.Created = t
		}
	}
	apiVersion := env.APIVersion
	if apiVersion == "" {
		apiVersion = o.APIVersion
	}
	if len(groups) > 0 && apiVersion != "" {
		group, version, _ := strings.Cut(apiVersion, "/")
		if !contains(groups, group) {
			return env, m, false // another API group's kind of the same name
		}
		if group != "gateway.networking.k8s.io" && !knownVersion(o.Kind, version) {
			d.add(SevWarning, m, "apiVersion %s is not served by the Istio 1.32 CRDs; decoded as the current version", apiVersion)
		}
	}
	return env, m, true
}

func knownVersion(kind, version string) bool {
	switch kind {
	case "PeerAuthentication":
		return version == "v1" || version == "v1beta1"
	default:
		return version == "v1" || version == "v1beta1" || version == "v1alpha3"
	}
}

// spec decodes raw into msg as the API server would accept it: unknown
// fields are pruned (a warning), invalid values reject the object (an
// error, and false).
func (d *decoder) spec(m meta, raw json.RawMessage, msg proto.Message) bool {
	return d.decodeAt(m, "spec", raw, msg)
}

// decodeAt is spec for a document found at root (for findings' paths).
func (d *decoder) decodeAt(m meta, root string, raw json.RawMessage, msg proto.Message) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return true
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		d.add(SevError, m, "invalid spec: %v; not applied", err)
		return false
	}
	var pruned []string
	prune(msg.ProtoReflect().Descriptor(), v, root, &pruned)
	if len(pruned) > 0 {
		sort.Strings(pruned)
		d.add(SevWarning, m, "unknown field %s: the CRD does not define it, the API server prunes it, so it has no effect", quoteList(pruned))
		b, err := json.Marshal(v)
		if err != nil {
			d.add(SevError, m, "invalid spec: %v; not applied", err)
			return false
		}
		raw = b
	}
	if err := protojson.Unmarshal(raw, msg); err != nil {
		proto.Reset(msg)
		d.add(SevError, m, "invalid spec: %s; the API server rejects this object, so it is not applied", protoErr(err))
		return false
	}
	return true
}

// prune removes from v, in place, every key the message md does not define,
// recording each removed path.
func prune(md protoreflect.MessageDescriptor, v any, path string, removed *[]string) {
	obj, ok := v.(map[string]any)
	if !ok || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return
	}
	fields := md.Fields()
	for k, val := range obj {
		fd := fields.ByJSONName(k)
		if fd == nil {
			fd = fields.ByTextName(k)
		}
		if fd == nil {
			delete(obj, k)
			*removed = append(*removed, path+"."+k)
			continue
		}
		switch {
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				if mv, ok := val.(map[string]any); ok {
					for mk, e := range mv {
						prune(fd.MapValue().Message(), e, path+"."+k+"."+mk, removed)
					}
				}
			}
		case fd.Kind() == protoreflect.MessageKind:
			if fd.IsList() {
				if list, ok := val.([]any); ok {
					for i, e := range list {
						prune(fd.Message(), e, fmt.Sprintf("%s.%s[%d]", path, k, i), removed)
					}
				}
				continue
			}
			prune(fd.Message(), val, path+"."+k, removed)
		}
	}
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// protoErr strips the library prefix from protojson errors.
func protoErr(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "proto: ")
	s = strings.TrimPrefix(s, "proto:\u00a0")
	return s
}

// peerAuth is one decoded PeerAuthentication.
type peerAuth struct {
	meta
	selector map[string]string
	mode     security.PeerAuthentication_MutualTLS_Mode
	ports    map[uint32]security.PeerAuthentication_MutualTLS_Mode
	// portsIgnored is set when portLevelMtls is present but may not apply.
	portsIgnored bool
}

func (d *decoder) peerAuthentication(o inventory.Object) (*peerAuth, bool) {
	env, m, ok := d.open(o, "security.istio.io")
	if !ok {
		return nil, false
	}
	var spec security.PeerAuthentication
	if !d.spec(m, env.Spec, &spec) {
		return nil, false
	}
	pa := &peerAuth{meta: m, selector: spec.GetSelector().GetMatchLabels(), mode: spec.GetMtls().GetMode()}
	for k, v := range pa.selector {
		if k == "" || strings.Contains(k, "*") || strings.Contains(v, "*") {
			d.add(SevError, m, "selector label %q=%q: wildcards and empty keys are not allowed (CRD rule); the API server rejects this object, and where it exists anyway it selects no pod", k, v)
			return nil, false
		}
	}
	if len(spec.GetPortLevelMtls()) > 0 {
		if len(pa.selector) == 0 {
			d.add(SevError, m, "portLevelMtls requires a selector (CRD rule \"portLevelMtls requires selector\"): the API server rejects this object; where it exists anyway, istiod applies its mode but never its port settings")
			pa.portsIgnored = true
		} else {
			pa.ports = map[uint32]security.PeerAuthentication_MutualTLS_Mode{}
			for port, mt := range spec.GetPortLevelMtls() {
				if port == 0 || port > 65535 {
					d.add(SevError, m, "portLevelMtls port %d must be between 1 and 65535 (CRD rule): the API server rejects this object; where it exists anyway, that entry matches no port", port)
					continue
				}
				pa.ports[port] = mt.GetMode()
			}
		}
	}
	return pa, true
}

// destRule is one decoded DestinationRule with its host resolved.
type destRule struct {
	meta
	host     string // FQDN, "*" or a wildcard
	spec     *networking.DestinationRule
	exportTo []string
	selector map[string]string
	// merged lists the names of same-host rules merged into this one.
	merged []string
}

func (d *decoder) destinationRule(o inventory.Object, domain string) (*destRule, bool) {
	env, m, ok := d.open(o, "networking.istio.io")
	if !ok {
		return nil, false
	}
	spec := &networking.DestinationRule{}
	if !d.spec(m, env.Spec, spec) {
		return nil, false
	}
	if spec.GetHost() == "" {
		d.add(SevError, m, "host is required (CRD validation); not applied")
		return nil, false
	}
	dr := &destRule{meta: m, host: resolveHost(spec.GetHost(), m.Namespace, domain), spec: spec,
		exportTo: spec.GetExportTo(), selector: spec.GetWorkloadSelector().GetMatchLabels()}
	seen := map[string]bool{}
	for _, s := range spec.GetSubsets() {
		if seen[s.GetName()] {
			d.add(SevWarning, m, "subset %q is defined twice; istiod keeps the first", s.GetName())
		}
		seen[s.GetName()] = true
	}
	for _, pl := range spec.GetTrafficPolicy().GetPortLevelSettings() {
		if pl.GetPort().GetNumber() == 0 {
			d.add(SevWarning, m, "portLevelSettings entry without a port number matches no port")
		}
	}
	d.checkCA(m, "trafficPolicy", spec.GetTrafficPolicy())
	for _, s := range spec.GetSubsets() {
		d.checkCA(m, "subset "+s.GetName(), s.GetTrafficPolicy())
	}
	return dr, true
}

// checkCA reports SIMPLE or MUTUAL origination without CA certificates, as
// istioctl analyze does (IST0128/IST0129): the server is not verified.
func (d *decoder) checkCA(m meta, where string, tp *networking.TrafficPolicy) {
	if tp == nil {
		return
	}
	check := func(at string, tls *networking.ClientTLSSettings) {
		if tls == nil {
			return
		}
		mode := tls.GetMode()
		if (mode == networking.ClientTLSSettings_SIMPLE || mode == networking.ClientTLSSettings_MUTUAL) &&
			tls.GetCaCertificates() == "" && tls.GetCredentialName() == "" && !tls.GetInsecureSkipVerify().GetValue() {
			d.add(SevWarning, m, "%s sets TLS mode %s but no caCertificates or credentialName; the server certificate is checked only against the proxy's system roots (istioctl analyze IST0128/IST0129)", at, mode)
		}
		if tls.GetInsecureSkipVerify().GetValue() {
			d.add(SevWarning, m, "%s sets insecureSkipVerify: the server is not authenticated (SC-23)", at)
		}
	}
	check(where, tp.GetTls())
	for _, pl := range tp.GetPortLevelSettings() {
		check(fmt.Sprintf("%s port %d", where, pl.GetPort().GetNumber()), pl.GetTls())
	}
}

// routedSubset is a (host, subset) a VirtualService sends the host's own
// traffic to.
type routedSubset struct {
	host, subset string
	port         uint32 // 0: any port
	vs           meta
	vsName       string // ns/name, rendered once
	exportTo     []string
}

func (d *decoder) virtualService(o inventory.Object, domain string) ([]routedSubset, bool) {
	env, m, ok := d.open(o, "networking.istio.io")
	if !ok {
		return nil, false
	}
	var spec networking.VirtualService
	if !d.spec(m, env.Spec, &spec) {
		return nil, false
	}
	if gws := spec.GetGateways(); len(gws) > 0 && !contains(gws, "mesh") {
		return nil, true // bound to gateways only: sidecars never use it
	}
	var hosts []string
	for _, h := range spec.GetHosts() {
		hosts = append(hosts, resolveHost(h, m.Namespace, domain))
	}
	var out []routedSubset
	add := func(dst *networking.Destination) {
		if dst.GetSubset() == "" || dst.GetHost() == "" {
			return
		}
		host := resolveHost(dst.GetHost(), m.Namespace, domain)
		for _, h := range hosts {
			// Only routes that keep a host's traffic on that host pick its
			// subsets; a route elsewhere sends the traffic to another Service.
			if hostMatches(h, host) {
				out = append(out, routedSubset{host: host, subset: dst.GetSubset(), port: dst.GetPort().GetNumber(), vs: m, vsName: m.ref(), exportTo: spec.GetExportTo()})
				return
			}
		}
	}
	for _, r := range spec.GetHttp() {
		for _, rd := range r.GetRoute() {
			add(rd.GetDestination())
		}
		add(r.GetMirror())
	}
	for _, r := range spec.GetTcp() {
		for _, rd := range r.GetRoute() {
			add(rd.GetDestination())
		}
	}
	for _, r := range spec.GetTls() {
		for _, rd := range r.GetRoute() {
			add(rd.GetDestination())
		}
	}
	return out, true
}

// gwServer is one server of a Gateway, as the gateway pods it selects
// serve it.
type gwServer struct {
	gateway  string // ns/name
	ns       string // when set, only pods of this namespace
	selector map[string]string
	port     int32 // the Service port the server listens on
	mode     string
}

func (d *decoder) gateway(o inventory.Object) ([]evidence.GatewayTLS, []gwServer, bool) {
	env, m, ok := d.open(o, "networking.istio.io")
	if !ok {
		return nil, nil, false
	}
	var spec networking.Gateway
	if !d.spec(m, env.Spec, &spec) {
		return nil, nil, false
	}
	var out []evidence.GatewayTLS
	var servers []gwServer
	for _, s := range spec.GetServers() {
		g := evidence.GatewayTLS{Gateway: m.ref(), Port: int(s.GetPort().GetNumber()), Hosts: s.GetHosts()}
		tls := s.GetTls()
		switch {
		case tls == nil:
			g.Mode = "NONE"
			if p := strings.ToUpper(s.GetPort().GetProtocol()); p == "HTTPS" || p == "TLS" {
				d.add(SevError, m, "server on port %d speaks %s but has no tls block", s.GetPort().GetNumber(), p)
			}
		default:
			g.Mode = tls.GetMode().String()
			if tls.GetHttpsRedirect() && g.Mode == "PASSTHROUGH" && tls.GetCredentialName() == "" {
				g.Mode = "REDIRECT"
			}
			if v := tls.GetMinProtocolVersion(); v != networking.ServerTLSSettings_TLS_AUTO {
				g.MinProtocolVersion = v.String()
			}
			g.CipherSuites = tls.GetCipherSuites()
			if v := tls.GetMinProtocolVersion(); v == networking.ServerTLSSettings_TLSV1_0 || v == networking.ServerTLSSettings_TLSV1_1 {
				d.add(SevWarning, m, "server on port %d allows %s; SP 800-52r2 requires TLS 1.2 or later", s.GetPort().GetNumber(), v)
			}
		}
		out = append(out, g)
		servers = append(servers, gwServer{gateway: m.ref(), selector: spec.GetSelector(), port: int32(s.GetPort().GetNumber()), mode: g.Mode})
	}
	return out, servers, true
}

// apiGateway reads a Kubernetes Gateway API Gateway (as Istio implements
// it: one deployment per Gateway, pods labelled with the Gateway's name).
func (d *decoder) apiGateway(o inventory.Object) ([]evidence.GatewayTLS, []gwServer, bool) {
	env, m, ok := d.open(o, "gateway.networking.k8s.io")
	if !ok {
		return nil, nil, false
	}
	var spec struct {
		GatewayClassName string `json:"gatewayClassName"`
		Listeners        []struct {
			Name     string `json:"name"`
			Port     int32  `json:"port"`
			Protocol string `json:"protocol"`
			Hostname string `json:"hostname"`
			TLS      *struct {
				Mode string `json:"mode"`
			} `json:"tls"`
		} `json:"listeners"`
	}
	if len(env.Spec) > 0 {
		if err := json.Unmarshal(env.Spec, &spec); err != nil {
			d.add(SevError, m, "invalid spec: %v; not evaluated", err)
			return nil, nil, false
		}
	}
	var out []evidence.GatewayTLS
	var servers []gwServer
	for _, l := range spec.Listeners {
		g := evidence.GatewayTLS{Gateway: m.ref(), Port: int(l.Port)}
		if l.Hostname != "" {
			g.Hosts = []string{l.Hostname}
		}
		switch {
		case l.TLS != nil && l.TLS.Mode != "":
			g.Mode = strings.ToUpper(l.TLS.Mode)
		case l.Protocol == "HTTPS" || l.Protocol == "TLS":
			g.Mode = "TERMINATE" // the Gateway API default
		default:
			g.Mode = "NONE"
		}
		out = append(out, g)
		servers = append(servers, gwServer{gateway: m.ref(), ns: m.Namespace,
			selector: map[string]string{"gateway.networking.k8s.io/gateway-name": m.Name}, port: l.Port, mode: g.Mode})
	}
	return out, servers, true
}

// sidecarRes is one decoded Sidecar resource: which hosts its proxies
// import, and where the others go.
type sidecarRes struct {
	meta
	name     string // ns/name, rendered once
	selector map[string]string
	hosts    [][2]string // namespace, dnsName; nil imports everything
	outbound string      // "ALLOW_ANY", "REGISTRY_ONLY", or "" for the mesh default
}

func (d *decoder) sidecar(o inventory.Object) (*sidecarRes, bool) {
	env, m, ok := d.open(o, "networking.istio.io")
	if !ok {
		return nil, false
	}
	var spec networking.Sidecar
	if !d.spec(m, env.Spec, &spec) {
		return nil, false
	}
	sc := &sidecarRes{meta: m, name: m.ref(), selector: spec.GetWorkloadSelector().GetLabels()}
	if p := spec.GetOutboundTrafficPolicy(); p != nil {
		sc.outbound = p.GetMode().String()
	}
	for _, l := range spec.GetEgress() {
		for _, h := range l.GetHosts() {
			ns, host, ok := strings.Cut(h, "/")
			if !ok || ns == "" || host == "" {
				d.add(SevError, m, "egress host %q is not namespace/dnsName; istiod rejects it, and it imports nothing", h)
				continue
			}
			if ns == "." {
				ns = m.Namespace
			}
			sc.hosts = append(sc.hosts, [2]string{ns, host})
		}
	}
	if len(spec.GetEgress()) > 0 && sc.hosts == nil {
		sc.hosts = [][2]string{} // egress listeners that import nothing
	}
	return sc, true
}

// imports reports whether the Sidecar's proxies know the Service fqdn in
// namespace ns.
func (sc *sidecarRes) imports(ns, fqdn string) bool {
	if sc.hosts == nil {
		return true
	}
	for _, h := range sc.hosts {
		if (h[0] == "*" || h[0] == ns) && hostMatches(h[1], fqdn) {
			return true
		}
	}
	return false
}

// resolveHost turns a short host into an FQDN in ns, as istiod's
// ResolveShortnameToFQDN does: hosts with a dot and "*" stay as they are.
func resolveHost(host, ns, domain string) string {
	if host == "*" || strings.Contains(host, ".") {
		return host
	}
	return host + "." + ns + ".svc." + domain
}

// hostMatches reports whether the rule host h covers the service FQDN.
func hostMatches(h, fqdn string) bool {
	if h == fqdn {
		return true
	}
	if h == "*" {
		return true
	}
	if strings.HasPrefix(h, "*") {
		return strings.HasSuffix(fqdn, h[1:])
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
