package discover

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/inventory"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

type builder struct {
	o   *options
	inv *inventory.Inventory

	namespaces map[string]*inventory.Namespace
	workloads  map[inventory.WorkloadRef]*inventory.Workload
	// owners maps ReplicaSet and Job references to their controller.
	owners map[inventory.WorkloadRef]inventory.WorkloadRef
	seen   map[string]string // kind/ns/name -> first source
	// podMesh holds the membership each pod of a workload shows.
	podMesh map[inventory.WorkloadRef][]podMembership
	// injectors are the injector revisions and tags the dump's
	// MutatingWebhookConfigurations name (istio.io/rev, istio.io/tag);
	// sawInjector is false when the dump holds none, and revision labels
	// are then taken at their word.
	injectors   map[string]bool
	sawInjector bool
}

// podMembership is one pod's own evidence of mesh membership.
type podMembership struct {
	pod  string
	mesh inventory.Mesh
}

func newBuilder(o *options) *builder {
	return &builder{
		o:          o,
		inv:        &inventory.Inventory{Cluster: o.cluster},
		namespaces: map[string]*inventory.Namespace{},
		workloads:  map[inventory.WorkloadRef]*inventory.Workload{},
		owners:     map[inventory.WorkloadRef]inventory.WorkloadRef{},
		seen:       map[string]string{},
		podMesh:    map[inventory.WorkloadRef][]podMembership{},
		injectors:  map[string]bool{},
	}
}

func (b *builder) problem(src, obj, format string, a ...any) {
	b.inv.Problems = append(b.inv.Problems, inventory.Problem{Source: src, Object: obj, Message: fmt.Sprintf(format, a...)})
}

func (b *builder) build(objs []Decoded) *inventory.Inventory {
	var (
		pods     []*podAt
		services []*serviceAt
		slices   []*discoveryv1.EndpointSlice
	)
	// Pass 1: namespaces, controllers, and the objects the others need.
	for _, d := range objs {
		key := d.GVK.GroupKind().String() + "/" + d.Namespace + "/" + d.Name
		if first, dup := b.seen[key]; dup {
			b.problem(d.Source, objectName(d.GVK.Kind, d.Namespace, d.Name), "duplicate object (first seen at %s); this copy is ignored", first)
			continue
		}
		b.seen[key] = d.Source
		if d.Namespace != "" {
			b.namespace(d.Namespace)
		}
		switch o := d.Object.(type) {
		case *corev1.Namespace:
			ns := b.namespace(o.Name)
			ns.Labels, ns.Annotations, ns.Declared = o.Labels, o.Annotations, true
		case *appsv1.Deployment:
			b.controller("Deployment", &o.ObjectMeta, &o.Spec.Template, d.Source)
		case *appsv1.StatefulSet:
			b.controller("StatefulSet", &o.ObjectMeta, &o.Spec.Template, d.Source)
		case *appsv1.DaemonSet:
			b.controller("DaemonSet", &o.ObjectMeta, &o.Spec.Template, d.Source)
		case *appsv1.ReplicaSet:
			if owner, ok := controllerOf(&o.ObjectMeta); ok {
				b.owners[inventory.WorkloadRef{Namespace: o.Namespace, Kind: "ReplicaSet", Name: o.Name}] = owner
				continue
			}
			b.controller("ReplicaSet", &o.ObjectMeta, &o.Spec.Template, d.Source)
		case *batchv1.Job:
			if owner, ok := controllerOf(&o.ObjectMeta); ok {
				b.owners[inventory.WorkloadRef{Namespace: o.Namespace, Kind: "Job", Name: o.Name}] = owner
				continue
			}
			b.controller("Job", &o.ObjectMeta, &o.Spec.Template, d.Source)
		case *batchv1.CronJob:
			b.controller("CronJob", &o.ObjectMeta, &o.Spec.JobTemplate.Spec.Template, d.Source)
		case *corev1.Pod:
			pods = append(pods, &podAt{o, d.Source})
		case *corev1.Service:
			services = append(services, &serviceAt{o, d.Source})
		case *discoveryv1.EndpointSlice:
			slices = append(slices, o)
		default:
			if d.GVK.Kind == "MutatingWebhookConfiguration" {
				b.injector(d.Object)
			}
			b.inv.Objects = append(b.inv.Objects, inventory.Object{
				APIVersion: d.GVK.GroupVersion().String(), Kind: d.GVK.Kind,
				Namespace: d.Namespace, Name: d.Name, Source: d.Source, Raw: d.Raw,
			})
		}
	}
	// Pass 2: pods, resolved to their owners.
	for _, p := range pods {
		b.pod(p)
	}
	// Mesh membership, once namespaces and pods are known: the pods decide
	// (the worst of them), the template only predicts when none is here.
	for ref, w := range b.workloads {
		if pods := b.podMesh[ref]; len(pods) > 0 {
			w.Mesh = worstPod(pods)
			continue
		}
		m := b.meshOfTemplate(w.Namespace, w.PodLabels, w.PodAnnotations, w.Containers, w.InitContainers)
		m.Reason = "predicted from " + m.Reason + " (no pod in the dump)"
		w.Mesh = m
	}
	for _, w := range b.workloads {
		sort.Strings(w.Pods)
		b.inv.Workloads = append(b.inv.Workloads, *w)
	}
	for _, ns := range b.namespaces {
		b.inv.Namespaces = append(b.inv.Namespaces, *ns)
	}
	b.inv.Sort()
	// Pass 3: services against the sorted workloads.
	for _, s := range services {
		b.service(s, slices)
	}
	b.inv.Sort()
	return b.inv
}

type podAt struct {
	*corev1.Pod
	source string
}

type serviceAt struct {
	*corev1.Service
	source string
}

func (b *builder) namespace(name string) *inventory.Namespace {
	ns, ok := b.namespaces[name]
	if !ok {
		ns = &inventory.Namespace{Name: name}
		b.namespaces[name] = ns
	}
	return ns
}

func controllerOf(m *metav1.ObjectMeta) (inventory.WorkloadRef, bool) {
	for _, r := range m.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			return inventory.WorkloadRef{Namespace: m.Namespace, Kind: r.Kind, Name: r.Name}, true
		}
	}
	if len(m.OwnerReferences) == 1 {
		r := m.OwnerReferences[0]
		return inventory.WorkloadRef{Namespace: m.Namespace, Kind: r.Kind, Name: r.Name}, true
	}
	return inventory.WorkloadRef{}, false
}

func (b *builder) controller(kind string, m *metav1.ObjectMeta, t *corev1.PodTemplateSpec, src string) *inventory.Workload {
	ref := inventory.WorkloadRef{Namespace: m.Namespace, Kind: kind, Name: m.Name}
	if ref.Namespace == "" {
		ref.Namespace = "default"
		b.namespace("default")
	}
	w := &inventory.Workload{
		WorkloadRef: ref, Labels: m.Labels,
		PodLabels: t.Labels, PodAnnotations: t.Annotations,
		ServiceAccount: t.Spec.ServiceAccountName,
		Containers:     containers(t.Spec.Containers),
		InitContainers: containers(t.Spec.InitContainers),
		Source:         src,
	}
	b.workloads[ref] = w
	return w
}

func containers(cs []corev1.Container) []inventory.Container {
	out := make([]inventory.Container, 0, len(cs))
	for _, c := range cs {
		ic := inventory.Container{Name: c.Name, Image: c.Image}
		for _, p := range c.Ports {
			proto := string(p.Protocol)
			if proto == "" {
				proto = "TCP"
			}
			ic.Ports = append(ic.Ports, inventory.ContainerPort{Name: p.Name, Port: p.ContainerPort, Protocol: proto})
		}
		for _, e := range c.Env {
			if e.ValueFrom == nil && e.Value != "" && isCryptoEnv(e.Name) {
				if ic.Env == nil {
					ic.Env = map[string]string{}
				}
				ic.Env[e.Name] = e.Value
			}
		}
		out = append(out, ic)
	}
	return out
}

// isCryptoEnv keeps only the environment variables that change a binary's
// crypto (GODEBUG's fips140, OpenSSL's configuration): nothing else of a
// container's environment is kept, so no secret passed as a literal is.
func isCryptoEnv(name string) bool {
	switch name {
	case "GODEBUG", "GOFIPS", "GOLANG_FIPS", "OPENSSL_CONF", "OPENSSL_MODULES", "OPENSSL_FORCE_FIPS_MODE":
		return true
	}
	return false
}

// ownerOf follows a pod's controller to the top-level workload.
func (b *builder) ownerOf(p *corev1.Pod) (inventory.WorkloadRef, bool) {
	ref, ok := controllerOf(&p.ObjectMeta)
	if !ok {
		return inventory.WorkloadRef{Namespace: p.Namespace, Kind: "Pod", Name: p.Name}, false
	}
	for i := 0; i < 4; i++ {
		up, ok := b.owners[ref]
		if !ok {
			break
		}
		ref = up
	}
	if _, known := b.workloads[ref]; known {
		return ref, true
	}
	// The intermediate object is missing from the dump: infer the owner by
	// the names Kubernetes gives (Deployment "web" -> ReplicaSet
	// "web-<pod-template-hash>"; CronJob "x" -> Job "x-<scheduled time>").
	switch ref.Kind {
	case "ReplicaSet":
		if h := p.Labels["pod-template-hash"]; h != "" {
			cand := inventory.WorkloadRef{Namespace: ref.Namespace, Kind: "Deployment", Name: strings.TrimSuffix(ref.Name, "-"+h)}
			if _, ok := b.workloads[cand]; ok || cand.Name != ref.Name {
				return cand, true
			}
		}
	case "Job":
		if i := strings.LastIndexByte(ref.Name, '-'); i > 0 {
			if _, err := strconv.Atoi(ref.Name[i+1:]); err == nil {
				cand := inventory.WorkloadRef{Namespace: ref.Namespace, Kind: "CronJob", Name: ref.Name[:i]}
				if _, ok := b.workloads[cand]; ok {
					return cand, true
				}
			}
		}
	}
	return ref, true
}

func (b *builder) pod(pa *podAt) {
	p := pa.Pod
	if p.Namespace == "" {
		p.Namespace = "default"
		b.namespace("default")
	}
	owner, _ := b.ownerOf(p)
	w := b.workloads[owner]
	if w == nil {
		// A bare pod, or a controller the dump does not hold: the pod stands
		// for its workload.
		w = &inventory.Workload{
			WorkloadRef: owner, Labels: p.Labels, PodLabels: p.Labels, PodAnnotations: p.Annotations,
			ServiceAccount: p.Spec.ServiceAccountName,
			Containers:     containers(p.Spec.Containers), InitContainers: containers(p.Spec.InitContainers),
			Source: pa.source,
		}
		b.workloads[owner] = w
	}
	w.Pods = append(w.Pods, p.Name)
	// A pod is the evidence of mesh membership: the injector and the CNI
	// have already decided, whatever the labels ask for.
	m := b.meshOfPod(p)
	b.podMesh[owner] = append(b.podMesh[owner], podMembership{p.Name, m})
	ip := inventory.Pod{
		Namespace: p.Namespace, Name: p.Name, IP: p.Status.PodIP, Node: p.Spec.NodeName,
		HostNetwork: p.Spec.HostNetwork, Labels: p.Labels, Annotations: p.Annotations, Owner: owner, Mesh: m,
	}
	for _, a := range p.Status.PodIPs {
		ip.IPs = append(ip.IPs, a.IP)
	}
	b.inv.Pods = append(b.inv.Pods, ip)
}

// injector records the revision or tag of an Istio sidecar injector
// webhook configuration.
func (b *builder) injector(o any) {
	mo, ok := o.(metav1.Object)
	if !ok {
		return
	}
	l := mo.GetLabels()
	rev, tag := l["istio.io/rev"], l["istio.io/tag"]
	if rev == "" && tag == "" && !strings.Contains(mo.GetName(), "istio-sidecar-injector") && !strings.Contains(mo.GetName(), "istio-revision-tag") {
		return
	}
	b.sawInjector = true
	if rev == "" {
		rev = "default"
	}
	b.injectors[rev] = true
	if tag != "" {
		b.injectors[tag] = true
	}
}

// meshOfPod reads membership from the pod itself, following Istio: a
// sidecar is an istio-proxy container, or an istio-proxy init container
// (the native sidecar of Kubernetes 1.29 and later), put there by the
// injector, which records itself in sidecar.istio.io/status; ambient is
// the ambient.istio.io/redirection=enabled annotation the CNI node agent
// sets once it redirects the pod's traffic to ztunnel. A pod with neither is
// not in the mesh, whatever its namespace or labels ask for: it was created
// before injection was turned on, or the webhook or CNI skipped it.
func (b *builder) meshOfPod(p *corev1.Pod) inventory.Mesh {
	m := inventory.Mesh{Kind: inventory.MeshNone, ExcludeInboundPorts: excludedPorts(p.Annotations)}
	name := "pod " + p.Name
	for _, c := range p.Spec.Containers {
		switch c.Name {
		case "istio-proxy":
			m.Kind, m.Reason = inventory.MeshSidecar, name+" runs an istio-proxy container"
			return m
		case "linkerd-proxy":
			m.Kind, m.Reason = inventory.MeshSidecar, name+" runs a linkerd-proxy container"
			return m
		}
	}
	for _, c := range p.Spec.InitContainers {
		if (c.Name == "istio-proxy" || c.Name == "linkerd-proxy") && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			m.Kind, m.Reason = inventory.MeshSidecar, name+" runs "+c.Name+" as a native sidecar (init container, restartPolicy Always)"
			return m
		}
	}
	if p.Labels["istio.io/dataplane-mode"] != "none" && p.Annotations["ambient.istio.io/redirection"] == "enabled" {
		m.Kind, m.Reason = inventory.MeshAmbient, name+" is redirected to ztunnel (ambient.istio.io/redirection=enabled)"
		return m
	}
	// Not in the mesh: say what the labels asked for, if anything.
	pred := b.meshOfTemplate(p.Namespace, p.Labels, p.Annotations, nil, nil)
	_, status := p.Annotations["sidecar.istio.io/status"]
	switch {
	case status:
		m.Reason = name + " has sidecar.istio.io/status but no istio-proxy container"
	case pred.Kind == inventory.MeshSidecar:
		m.Reason = name + " has no proxy container although " + pred.Reason + " asks for injection (created before injection was on, or skipped by the webhook)"
	case pred.Kind == inventory.MeshAmbient:
		m.Reason = name + " is not redirected to ztunnel (no ambient.istio.io/redirection=enabled) although " + pred.Reason + " asks for ambient"
	default:
		m.Reason = name + ": " + pred.Reason
	}
	return m
}

// meshRank orders membership from the worst reading: no mesh, then
// ambient (mTLS by ztunnel, without a sidecar's L7 policy), then sidecar.
func meshRank(kind string) int {
	switch kind {
	case inventory.MeshSidecar:
		return 2
	case inventory.MeshAmbient:
		return 1
	}
	return 0
}

// worstPod judges a workload by its worst pod: during a rollout some pods
// may be injected and others not, and a client may reach any of them.
func worstPod(pods []podMembership) inventory.Mesh {
	// By name, so the pod a reason names does not depend on the order of
	// the dump or of a live listing.
	sort.Slice(pods, func(a, b int) bool { return pods[a].pod < pods[b].pod })
	w := 0
	same := 0
	var excluded []int32
	seen := map[int32]bool{}
	for i, p := range pods {
		if meshRank(p.mesh.Kind) < meshRank(pods[w].mesh.Kind) {
			w = i
		}
		for _, port := range p.mesh.ExcludeInboundPorts {
			if !seen[port] {
				seen[port] = true
				excluded = append(excluded, port)
			}
		}
	}
	for _, p := range pods {
		if p.mesh.Kind == pods[w].mesh.Kind {
			same++
		}
	}
	m := pods[w].mesh
	m.ExcludeInboundPorts = excluded
	if same < len(pods) {
		m.Reason = fmt.Sprintf("judged by its worst pod: %d of %d pods %s; %s", same, len(pods), pods[w].mesh.Kind, m.Reason)
	}
	return m
}

func excludedPorts(ann map[string]string) []int32 {
	var out []int32
	if v := ann["traffic.sidecar.istio.io/excludeInboundPorts"]; v != "" {
		for _, f := range strings.Split(v, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
				out = append(out, int32(n))
			}
		}
	}
	return out
}

// meshOfTemplate decides mesh membership from a pod (template) and its
// namespace, following Istio's injection and ambient rules: an injected
// proxy container is decisive; a sidecar wins over ambient; the pod's
// sidecar.istio.io/inject label or annotation overrides the namespace's
// istio-injection or istio.io/rev label; ambient is istio.io/dataplane-mode=
// ambient on the namespace or pod, unless the pod says none.
func (b *builder) meshOfTemplate(ns string, podLabels, podAnn map[string]string, cs, init []inventory.Container) inventory.Mesh {
	m := inventory.Mesh{Kind: inventory.MeshNone, ExcludeInboundPorts: excludedPorts(podAnn)}
	for _, c := range append(append([]inventory.Container{}, cs...), init...) {
		switch c.Name {
		case "istio-proxy":
			m.Kind, m.Reason = inventory.MeshSidecar, "istio-proxy container injected"
			return m
		case "linkerd-proxy":
			m.Kind, m.Reason = inventory.MeshSidecar, "linkerd-proxy container injected"
			return m
		}
	}
	var nsLabels map[string]string
	if n := b.namespaces[ns]; n != nil {
		nsLabels = n.Labels
	}
	podInject, podSays := podLabels["sidecar.istio.io/inject"]
	if !podSays {
		podInject, podSays = podAnn["sidecar.istio.io/inject"]
	}
	nsInject := nsLabels["istio-injection"]
	_, nsRev := nsLabels["istio.io/rev"]
	_, podRev := podLabels["istio.io/rev"]
	switch {
	case nsInject == "disabled":
		// The namespace opts out; the pod label cannot opt back in.
	case podSays && podInject == "false":
		m.Reason = "pod sets sidecar.istio.io/inject=false"
	case nsInject == "enabled":
		m.Kind, m.Reason = inventory.MeshSidecar, "namespace label istio-injection=enabled"
		return m
	case nsRev && !b.knownRevision(nsLabels["istio.io/rev"]):
		m.Reason = "namespace label istio.io/rev=" + nsLabels["istio.io/rev"] + " names no injector revision or tag in the dump"
	case nsRev:
		m.Kind, m.Reason = inventory.MeshSidecar, "namespace label istio.io/rev="+nsLabels["istio.io/rev"]+b.revisionNote()
		return m
	case podSays && podInject == "true":
		m.Kind, m.Reason = inventory.MeshSidecar, "pod label sidecar.istio.io/inject=true"
		return m
	case podRev && !b.knownRevision(podLabels["istio.io/rev"]):
		m.Reason = "pod label istio.io/rev=" + podLabels["istio.io/rev"] + " names no injector revision or tag in the dump"
	case podRev:
		m.Kind, m.Reason = inventory.MeshSidecar, "pod label istio.io/rev="+podLabels["istio.io/rev"]+b.revisionNote()
		return m
	}
	if v := podAnn["linkerd.io/inject"]; v == "enabled" {
		m.Kind, m.Reason = inventory.MeshSidecar, "pod annotation linkerd.io/inject=enabled"
		return m
	}
	podMode := podLabels["istio.io/dataplane-mode"]
	switch {
	case podMode == "none":
		if m.Reason == "" {
			m.Reason = "pod label istio.io/dataplane-mode=none"
		}
	case podMode == "ambient":
		m.Kind, m.Reason = inventory.MeshAmbient, "pod label istio.io/dataplane-mode=ambient"
	case nsLabels["istio.io/dataplane-mode"] == "ambient":
		m.Kind, m.Reason = inventory.MeshAmbient, "namespace label istio.io/dataplane-mode=ambient"
	}
	if m.Reason == "" {
		m.Reason = "no injected proxy, no injection or ambient label"
	}
	return m
}

func (b *builder) service(sa *serviceAt, slices []*discoveryv1.EndpointSlice) {
	s := sa.Service
	if s.Namespace == "" {
		s.Namespace = "default"
	}
	ref := inventory.ServiceRef{Namespace: s.Namespace, Name: s.Name}
	obj := "Service " + ref.String()
	svc := inventory.Service{
		ServiceRef: ref, Type: string(s.Spec.Type), ClusterIP: s.Spec.ClusterIP, ClusterIPs: s.Spec.ClusterIPs,
		Headless: s.Spec.ClusterIP == corev1.ClusterIPNone, ExternalName: s.Spec.ExternalName,
		Selector: s.Spec.Selector, Labels: s.Labels, Source: sa.source,
	}
	if svc.Type == "" {
		svc.Type = string(corev1.ServiceTypeClusterIP)
	}
	if len(s.Spec.Selector) > 0 {
		sel := labels.SelectorFromSet(s.Spec.Selector)
		for _, w := range b.inv.Workloads {
			if w.Namespace == s.Namespace && w.Kind != "CronJob" && w.Kind != "Job" && sel.Matches(labels.Set(w.PodLabels)) {
				svc.Backends = append(svc.Backends, w.WorkloadRef)
			}
		}
		if len(svc.Backends) == 0 {
			b.problem(sa.source, obj, "selector %s matches no workload in the dump", sel)
		}
	}
	for _, sp := range s.Spec.Ports {
		p := inventory.ServicePort{Name: sp.Name, Port: sp.Port, Protocol: string(sp.Protocol), NodePort: sp.NodePort}
		if p.Protocol == "" {
			p.Protocol = "TCP"
		}
		if sp.AppProtocol != nil {
			p.AppProtocol = *sp.AppProtocol
		}
		switch {
		case svc.ExternalName != "":
			p.TargetPort = sp.Port
		case sp.TargetPort.Type == intstr.String:
			p.TargetPortName = sp.TargetPort.StrVal
			p.TargetPort = b.resolveNamed(svc.Backends, sp.TargetPort.StrVal)
			if p.TargetPort == 0 && len(svc.Backends) > 0 {
				b.problem(sa.source, obj, "targetPort %q (port %d) is not a named port of any selected container", sp.TargetPort.StrVal, sp.Port)
			}
		case sp.TargetPort.IntVal != 0:
			p.TargetPort = sp.TargetPort.IntVal
		default:
			p.TargetPort = sp.Port
		}
		svc.Ports = append(svc.Ports, p)
	}
	for _, sl := range slices {
		if sl.Namespace != s.Namespace || sl.Labels[discoveryv1.LabelServiceName] != s.Name {
			continue
		}
		for _, ep := range sl.Endpoints {
			ready := ep.Conditions.Ready == nil || *ep.Conditions.Ready
			pod := ""
			if ep.TargetRef != nil && ep.TargetRef.Kind == "Pod" {
				pod = ep.TargetRef.Name
			}
			for _, addr := range ep.Addresses {
				for _, port := range sl.Ports {
					e := inventory.Endpoint{IP: addr, Pod: pod, Ready: ready}
					if port.Port != nil {
						e.Port = *port.Port
					}
					if port.Name != nil {
						e.PortName = *port.Name
					}
					svc.Endpoints = append(svc.Endpoints, e)
				}
			}
		}
	}
	// A named target port the containers do not declare may still be
	// resolved by the EndpointSlice.
	for i := range svc.Ports {
		p := &svc.Ports[i]
		if p.TargetPort != 0 {
			continue
		}
		for _, e := range svc.Endpoints {
			if e.PortName == p.Name && e.Port != 0 {
				p.TargetPort = e.Port
				break
			}
		}
	}
	b.inv.Services = append(b.inv.Services, svc)
}

func (b *builder) resolveNamed(backends []inventory.WorkloadRef, name string) int32 {
	for _, ref := range backends {
		w := b.inv.Workload(ref)
		if w == nil {
			continue
		}
		for _, c := range w.Containers {
			for _, p := range c.Ports {
				if p.Name == name {
					return p.Port
				}
			}
		}
	}
	return 0
}

// knownRevision reports whether an istio.io/rev value selects an injector:
// a revision or a revision tag of a webhook configuration in the dump, or
// anything when the dump holds no injector configuration to judge by.
func (b *builder) knownRevision(rev string) bool {
	return !b.sawInjector || b.injectors[rev]
}

func (b *builder) revisionNote() string {
	if b.sawInjector {
		return ""
	}
	return " (no injector webhook configuration in the dump to check the revision against)"
}
