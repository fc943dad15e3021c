package discover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/inventory"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
)

// listPageSize is the Limit of every list request; the server hands back a
// Continue token for the rest.
const listPageSize = 500

// requestTimeout bounds each request (one page of a list, one get).
const requestTimeout = 30 * time.Second

// Cluster is a Source reading a live cluster through its API server. It
// lists, in every namespace: Namespaces, Pods, Services, EndpointSlices,
// Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, the
// mesh-config ConfigMaps (istio, istio-<rev>, cilium-config: other
// ConfigMaps are listed by metadata only and their data is never read), and
// Istio's PeerAuthentications, DestinationRules, Gateways, Sidecars,
// ServiceEntries and VirtualServices. Secrets are never read.
//
// A kind the credentials may not list, or whose CRD is not installed,
// becomes an inventory problem and the read goes on.
type Cluster struct {
	name    string
	kube    kubernetes.Interface
	dyn     dynamic.Interface
	meta    metadata.Interface
	disc    discovery.DiscoveryInterface
	dec     *decoder
	o       *options
	timeout time.Duration
	// pageSize is the Limit of each list request.
	pageSize int64
}

// istioKinds are the Istio kinds the policy engine reads.
var istioKinds = []struct {
	group, resource, kind string
}{
	{"security.istio.io", "peerauthentications", "PeerAuthentication"},
	{"networking.istio.io", "destinationrules", "DestinationRule"},
	{"networking.istio.io", "gateways", "Gateway"},
	{"networking.istio.io", "sidecars", "Sidecar"},
	{"networking.istio.io", "serviceentries", "ServiceEntry"},
	{"networking.istio.io", "virtualservices", "VirtualService"},
}

// NewCluster returns a Source over the cluster cfg reaches. cfg is copied;
// a zero QPS or Burst gets 50 and 100 (client-go's 5 and 10 make a large
// cluster's read slow), a zero Timeout 30 seconds per request. WithCluster names the cluster (Describe then says
// "cluster:NAME"); otherwise Describe names the API server's host.
func NewCluster(cfg *rest.Config, opts ...Option) (*Cluster, error) {
	if cfg == nil {
		return nil, errors.New("reading the cluster: no client configuration")
	}
	c := rest.CopyConfig(cfg)
	if c.QPS == 0 {
		c.QPS = 50
	}
	if c.Burst == 0 {
		c.Burst = 100
	}
	if c.Timeout == 0 {
		c.Timeout = requestTimeout // bounds the discovery requests too
	}
	if c.UserAgent == "" {
		c.UserAgent = "sc8scan"
	}
	kube, err := kubernetes.NewForConfig(c)
	if err != nil {
		return nil, fmt.Errorf("creating the Kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(c)
	if err != nil {
		return nil, fmt.Errorf("creating the dynamic client: %w", err)
	}
	meta, err := metadata.NewForConfig(c)
	if err != nil {
		return nil, fmt.Errorf("creating the metadata client: %w", err)
	}
	dec, err := newDecoder()
	if err != nil {
		return nil, err
	}
	o := newOptions(opts)
	return &Cluster{name: hostOf(c, o.cluster), kube: kube, dyn: dyn, meta: meta, disc: kube.Discovery(),
		dec: dec, o: o, timeout: requestTimeout, pageSize: listPageSize}, nil
}

// hostOf is the cluster's name as the caller gave it, else the API server's
// host.
func hostOf(cfg *rest.Config, named string) string {
	if named != "" && named != newOptions(nil).cluster {
		return named
	}
	if u, err := url.Parse(cfg.Host); err == nil && u.Host != "" {
		return u.Host
	}
	return cfg.Host
}

// FromCluster reads the cluster cfg reaches and builds the inventory, as
// FromDir does for manifests.
func FromCluster(ctx context.Context, cfg *rest.Config, opts ...Option) (*inventory.Inventory, error) {
	c, err := NewCluster(cfg, opts...)
	if err != nil {
		return nil, err
	}
	return build(ctx, c, c.o)
}

// Describe names the source: "cluster:NAME" (the name given with
// WithCluster, else the API server's host).
func (c *Cluster) Describe() string { return "cluster:" + c.name }

// Objects lists every kind the scanner reads. Problems (a forbidden kind, a
// missing CRD) do not stop the read; an unreachable API server, an
// authentication failure or a cancelled context do.
func (c *Cluster) Objects(ctx context.Context) ([]Decoded, []inventory.Problem, error) {
	r := &liveReader{c: c}
	typed := []struct {
		kind, resource, group string
		list                  func(context.Context, metav1.ListOptions) (runtime.Object, error)
		apiVersion            schema.GroupVersion
	}{
		{"Namespace", "namespaces", "", func(ctx context.Context, lo metav1.ListOptions) (runtime.Object, error) {
			return c.kube.CoreV1().Namespaces().List(ctx, lo)
		}, corev1.SchemeGroupVersion},
		{"Pod", "pods", "", func(ctx context.Context, lo metav1.ListOptions) (runtime.Object, error) {
			return c.kube.CoreV1().Pods("").List(ctx, lo)
		}, corev1.SchemeGroupVersion},
		{"Service", "services", "", func(ctx context.Context, lo metav1.ListOptions) (runtime.Object, error) {
			return c.kube.CoreV1().Services("").List(ctx, lo)
		}, corev1.SchemeGroupVersion},
		{"EndpointSlice", "endpointslices", "discovery.k8s.io", func(ctx context.Context, lo metav1.ListOptions) (runtime.Object, error) {
			return c.kube.DiscoveryV1().EndpointSlices("").List(ctx, lo)
		}, discoveryv1.SchemeGroupVersion},
		{"Deployment", "deployments", "apps", func(ctx context.Context, lo metav1.ListOptions) (runtime.Object, error) {
			return c.kube.AppsV1().Deployments("").List(ctx, lo)
		}, appsv1.SchemeGroupVersion},
		{"StatefulSet", "statefulsets", "apps", func(ctx context.Context, lo metav1.ListOptions) (runtime.Object, error) {
			return c.kube.AppsV1().StatefulSets("").List(ctx, lo)
		}, appsv1.SchemeGroupVersion},
		{"DaemonSet", "daemonsets", "apps", func(ctx context.Context, lo metav1.ListOptions) (runtime.Object, error) {
			return c.kube.AppsV1().DaemonSets("").List(ctx, lo)
		}, appsv1.SchemeGroupVersion},
		{"ReplicaSet", "replicasets", "apps", func(ctx context.Context, lo metav1.ListOptions) (runtime.Object, error) {
			return c.kube.AppsV1().ReplicaSets("").List(ctx, lo)
		}, appsv1.SchemeGroupVersion},
		{"Job", "jobs", "batch", func(ctx context.Context, lo metav1.ListOptions) (runtime.Object, error) {
			return c.kube.BatchV1().Jobs("").List(ctx, lo)
		}, batchv1.SchemeGroupVersion},
		{"CronJob", "cronjobs", "batch", func(ctx context.Context, lo metav1.ListOptions) (runtime.Object, error) {
			return c.kube.BatchV1().CronJobs("").List(ctx, lo)
		}, batchv1.SchemeGroupVersion},
	}
	for _, t := range typed {
		gr := schema.GroupResource{Group: t.group, Resource: t.resource}
		if err := r.listTyped(ctx, t.kind, gr, t.apiVersion.WithKind(t.kind), t.list); err != nil {
			return nil, nil, err
		}
		if r.full() {
			return r.objs, r.problems, nil
		}
	}
	if err := r.meshConfigMaps(ctx); err != nil {
		return nil, nil, err
	}
	for _, k := range istioKinds {
		if r.full() {
			break
		}
		if err := r.listIstio(ctx, k.group, k.resource, k.kind); err != nil {
			return nil, nil, err
		}
	}
	return r.objs, r.problems, nil
}

type liveReader struct {
	c        *Cluster
	objs     []Decoded
	problems []inventory.Problem
	// preferred caches the preferred version of each API group (nil map:
	// not asked yet).
	preferred map[string]string
}

func (r *liveReader) problem(obj, format string, a ...any) {
	r.problems = append(r.problems, inventory.Problem{Source: r.c.Describe(), Object: obj, Message: fmt.Sprintf(format, a...)})
}

func (r *liveReader) full() bool {
	if len(r.objs) < r.c.o.maxObjects {
		return false
	}
	if n := len(r.problems); n == 0 || !strings.HasPrefix(r.problems[n-1].Message, "stopped after") {
		r.problem("", "stopped after %d objects (the limit); later kinds were not read", r.c.o.maxObjects)
	}
	return true
}

// refused turns an error the read can go on after into a problem and
// returns nil; any other error is returned wrapped.
func (r *liveReader) refused(err error, kind string, gr schema.GroupResource, verb string) error {
	what := gr.String()
	switch {
	case apierrors.IsForbidden(err):
		r.problem(kind, "forbidden: the credentials may not %s %s in all namespaces (RBAC); no %s was read", verb, what, kind)
		return nil
	case apierrors.IsNotFound(err):
		r.problem(kind, "the API server does not serve %s (CRD not installed); no %s was read", what, kind)
		return nil
	case apierrors.IsMethodNotSupported(err), apierrors.IsBadRequest(err):
		r.problem(kind, "cannot %s %s: %v", verb, what, err)
		return nil
	}
	return fmt.Errorf("listing %s: %w", what, err)
}

// pages runs list page by page (Limit/Continue), each page under its own
// timeout, until the list ends or the object limit is reached.
func (r *liveReader) pages(ctx context.Context, list func(context.Context, metav1.ListOptions) (metav1.ListInterface, error)) error {
	lo := metav1.ListOptions{Limit: r.c.pageSize}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		pctx, cancel := context.WithTimeout(ctx, r.c.timeout)
		l, err := list(pctx, lo)
		cancel()
		if err != nil {
			if apierrors.IsResourceExpired(err) && lo.Continue != "" {
				// The continue token outlived etcd's compaction: the list is
				// restarted from a fresh snapshot, dropping what was read.
				return errRestart
			}
			return err
		}
		lo.Continue = l.GetContinue()
		if lo.Continue == "" || r.full() {
			return nil
		}
	}
}

var errRestart = errors.New("list expired; restart")

// listTyped lists one built-in kind through the typed client and keeps each
// item as the manifest reader would have read it.
func (r *liveReader) listTyped(ctx context.Context, kind string, gr schema.GroupResource, gvk schema.GroupVersionKind, list func(context.Context, metav1.ListOptions) (runtime.Object, error)) error {
	for attempt := 0; ; attempt++ {
		mark := len(r.objs)
		err := r.pages(ctx, func(ctx context.Context, lo metav1.ListOptions) (metav1.ListInterface, error) {
			obj, err := list(ctx, lo)
			if err != nil {
				return nil, err
			}
			items, err := itemsOf(obj)
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				if r.full() {
					break
				}
				r.keepTyped(it, gvk)
			}
			return obj.(metav1.ListInterface), nil
		})
		if errors.Is(err, errRestart) && attempt < 2 {
			r.objs = r.objs[:mark]
			continue
		}
		if err != nil {
			return r.refused(err, kind, gr, "list")
		}
		r.c.o.log.Debug("listed", "kind", kind, "objects", len(r.objs)-mark)
		return nil
	}
}

// itemsOf returns pointers to the items of a typed list.
func itemsOf(list runtime.Object) ([]runtime.Object, error) {
	var out []runtime.Object
	switch l := list.(type) {
	case *corev1.NamespaceList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *corev1.PodList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *corev1.ServiceList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *discoveryv1.EndpointSliceList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *appsv1.DeploymentList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *appsv1.StatefulSetList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *appsv1.DaemonSetList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *appsv1.ReplicaSetList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *batchv1.JobList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *batchv1.CronJobList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	default:
		return nil, fmt.Errorf("unexpected list type %T", list)
	}
	return out, nil
}

// keepTyped sets the TypeMeta typed lists drop, drops managedFields (server
// bookkeeping no reader needs), and keeps the object with its JSON.
func (r *liveReader) keepTyped(obj runtime.Object, gvk schema.GroupVersionKind) {
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	m, err := metaOf(obj)
	if err != nil {
		r.problem(gvk.Kind, "%v", err)
		return
	}
	m.SetManagedFields(nil)
	js, err := json.Marshal(obj)
	if err != nil {
		r.problem(objectName(gvk.Kind, m.GetNamespace(), m.GetName()), "encoding: %v", err)
		return
	}
	r.objs = append(r.objs, Decoded{GVK: gvk, Namespace: m.GetNamespace(), Name: m.GetName(), Object: obj, Raw: js,
		Source: liveSource(gvk.Kind, m.GetNamespace(), m.GetName())})
}

func metaOf(obj runtime.Object) (metav1.Object, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("%T has no object metadata", obj)
	}
	return m, nil
}

// liveSource names where a live object came from, as "file#n" does for a
// manifest.
func liveSource(kind, ns, name string) string {
	if ns == "" {
		return "live:" + kind + "/" + name
	}
	return "live:" + kind + "/" + ns + "/" + name
}

// isMeshConfig reports whether a ConfigMap holds mesh configuration the
// policy engines read: Istio's istio and istio-<rev> (not its CA bundle,
// injector, gateway or leader-election maps) and Cilium's cilium-config.
func isMeshConfig(name string) bool {
	switch {
	case name == "istio", name == "cilium-config":
		return true
	case !strings.HasPrefix(name, "istio-"):
		return false
	case name == "istio-ca-root-cert", strings.HasPrefix(name, "istio-sidecar-injector"),
		strings.HasPrefix(name, "istio-gateway-"), strings.HasPrefix(name, "istio-leader"):
		return false
	}
	return true
}

// meshConfigMaps lists ConfigMaps by metadata only (their data never leaves
// the API server) and gets the mesh-config ones in full.
func (r *liveReader) meshConfigMaps(ctx context.Context) error {
	gr := schema.GroupResource{Resource: "configmaps"}
	var names []metav1.PartialObjectMetadata
	err := r.pages(ctx, func(ctx context.Context, lo metav1.ListOptions) (metav1.ListInterface, error) {
		pl, err := r.c.meta.Resource(corev1.SchemeGroupVersion.WithResource("configmaps")).Namespace("").List(ctx, lo)
		if err != nil {
			return nil, err
		}
		for _, m := range pl.Items {
			if isMeshConfig(m.Name) {
				names = append(names, m)
			}
		}
		return pl, nil
	})
	if errors.Is(err, errRestart) {
		err = fmt.Errorf("the ConfigMap list expired twice")
	}
	if err != nil {
		return r.refused(err, "ConfigMap", gr, "list")
	}
	sort.Slice(names, func(i, j int) bool {
		if names[i].Namespace != names[j].Namespace {
			return names[i].Namespace < names[j].Namespace
		}
		return names[i].Name < names[j].Name
	})
	gvk := corev1.SchemeGroupVersion.WithKind("ConfigMap")
	for _, m := range names {
		if r.full() {
			return nil
		}
		gctx, cancel := context.WithTimeout(ctx, r.c.timeout)
		cm, err := r.c.kube.CoreV1().ConfigMaps(m.Namespace).Get(gctx, m.Name, metav1.GetOptions{})
		cancel()
		if apierrors.IsNotFound(err) {
			continue // deleted since the list
		}
		if err != nil {
			if err := r.refused(err, "ConfigMap", gr, "get"); err != nil {
				return err
			}
			continue
		}
		cm.BinaryData = nil
		r.keepTyped(cm, gvk)
	}
	return nil
}

// preferredVersion returns the version the API server prefers for group, or
// "" when it does not serve the group.
func (r *liveReader) preferredVersion(ctx context.Context, group string) (string, error) {
	if r.preferred == nil {
		groups, err := r.c.disc.ServerGroups()
		if err != nil {
			return "", fmt.Errorf("discovering API groups: %w", err)
		}
		r.preferred = map[string]string{}
		for _, g := range groups.Groups {
			r.preferred[g.Name] = g.PreferredVersion.Version
		}
	}
	return r.preferred[group], ctx.Err()
}

// listIstio lists one Istio kind through the dynamic client, at the version
// the API server prefers, decoding each item with the Istio scheme as the
// manifest reader does.
func (r *liveReader) listIstio(ctx context.Context, group, resource, kind string) error {
	gr := schema.GroupResource{Group: group, Resource: resource}
	v, err := r.preferredVersion(ctx, group)
	if err != nil {
		return err
	}
	if v == "" {
		r.problem(kind, "the API server does not serve %s (CRD not installed); no %s was read", gr, kind)
		return nil
	}
	res := gr.WithVersion(v)
	for attempt := 0; ; attempt++ {
		mark := len(r.objs)
		err := r.pages(ctx, func(ctx context.Context, lo metav1.ListOptions) (metav1.ListInterface, error) {
			l, err := r.c.dyn.Resource(res).Namespace("").List(ctx, lo)
			if err != nil {
				return nil, err
			}
			for i := range l.Items {
				if r.full() {
					break
				}
				u := &l.Items[i]
				u.SetManagedFields(nil)
				js, err := u.MarshalJSON()
				name := objectName(kind, u.GetNamespace(), u.GetName())
				if err != nil {
					r.problem(name, "encoding: %v", err)
					continue
				}
				gvk := u.GroupVersionKind()
				d := Decoded{GVK: gvk, Namespace: u.GetNamespace(), Name: u.GetName(), Raw: js,
					Source: liveSource(kind, u.GetNamespace(), u.GetName())}
				obj, err := r.c.dec.decode(js, gvk)
				if err != nil {
					r.problem(name, "does not decode as %s: %v", gvk, err)
				}
				d.Object = obj
				r.objs = append(r.objs, d)
			}
			return l, nil
		})
		if errors.Is(err, errRestart) && attempt < 2 {
			r.objs = r.objs[:mark]
			continue
		}
		if err != nil {
			return r.refused(err, kind, gr, "list")
		}
		r.c.o.log.Debug("listed", "kind", kind, "version", v, "objects", len(r.objs)-mark)
		return nil
	}
}
