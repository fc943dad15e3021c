package discover_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/sc8scan/sc8scan/pkg/discover"
	"github.com/sc8scan/sc8scan/pkg/internal/kubetest"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

const demoDir = "../../testdata/demo"

// systemNamespaces are the namespaces a kube-apiserver makes itself.
var systemNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true, "kube-node-lease": true}

// applier applies manifests to the test server as `kubectl apply
// --server-side --validate=strict` does.
type applier struct {
	t      *testing.T
	kube   kubernetes.Interface
	dyn    dynamic.Interface
	mapper meta.RESTMapper
}

func newApplier(t *testing.T, s *kubetest.Server) *applier {
	t.Helper()
	cfg := s.Config(kubetest.Admin)
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &applier{t: t, kube: kube, dyn: dyn,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(kube.Discovery()))}
}

// clean drops what a dump holds that a create refuses or the server owns.
func clean(u *unstructured.Unstructured) *unstructured.Unstructured {
	u = u.DeepCopy()
	for _, f := range []string{"resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink"} {
		unstructured.RemoveNestedField(u.Object, "metadata", f)
	}
	return u
}

// apply server-side applies u (status left out); with dryRun nothing is
// stored, but every validation and admission step runs.
func (a *applier) apply(ctx context.Context, u *unstructured.Unstructured, dryRun bool) error {
	u = clean(u)
	status, hasStatus := u.Object["status"]
	delete(u.Object, "status")
	m, err := a.mapper.RESTMapping(u.GroupVersionKind().GroupKind(), u.GroupVersionKind().Version)
	if err != nil {
		return fmt.Errorf("mapping %s: %w", u.GroupVersionKind(), err)
	}
	ri := a.dyn.Resource(m.Resource)
	var r dynamic.ResourceInterface = ri
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		r = ri.Namespace(u.GetNamespace())
	}
	opts := metav1.ApplyOptions{FieldManager: "sc8scan-test", Force: true}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	// kubectl's default: unknown and duplicate fields are errors.
	body, err := json.Marshal(u.Object)
	if err != nil {
		return err
	}
	var last error
	for i := 0; i < 60; i++ {
		_, last = r.Patch(ctx, u.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{
			FieldManager: opts.FieldManager, Force: &opts.Force, DryRun: opts.DryRun, FieldValidation: "Strict"})
		// A Service with a chosen ClusterIP waits for the default
		// ServiceCIDR the API server makes at start.
		if last != nil && u.GetKind() == "Service" && strings.Contains(last.Error(), "ServiceCIDR") {
			time.Sleep(500 * time.Millisecond)
			continue
		}
		break
	}
	if last != nil || dryRun || !hasStatus || u.GetKind() != "Pod" {
		return last
	}
	// No kubelet runs: play its part and write the pod's status (IPs,
	// phase) as the dump recorded it.
	st := &unstructured.Unstructured{Object: map[string]any{"apiVersion": u.GetAPIVersion(), "kind": u.GetKind(),
		"metadata": map[string]any{"name": u.GetName(), "namespace": u.GetNamespace()}, "status": status}}
	body, err = json.Marshal(st.Object)
	if err != nil {
		return err
	}
	_, err = r.Patch(ctx, u.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: "sc8scan-test-kubelet", Force: &opts.Force}, "status")
	return err
}

// ensureNamespace creates ns bare if it does not exist.
func (a *applier) ensureNamespace(ctx context.Context, ns string) {
	a.t.Helper()
	_, err := a.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		a.t.Fatalf("creating namespace %s: %v", ns, err)
	}
}

// ensureServiceAccounts creates the ServiceAccounts pods refer to (the
// controller manager, which would make "default", does not run), as the
// ServiceAccount admission plugin wants them.
func (a *applier) ensureServiceAccounts(ctx context.Context, objs []*unstructured.Unstructured) {
	a.t.Helper()
	seen := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() != "Pod" {
			continue
		}
		sa, _, _ := unstructured.NestedString(o.Object, "spec", "serviceAccountName")
		if sa == "" {
			sa = "default"
		}
		ns := o.GetNamespace()
		if seen[ns+"/"+sa] {
			continue
		}
		seen[ns+"/"+sa] = true
		a.ensureNamespace(ctx, ns)
		_, err := a.kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			a.t.Fatalf("creating ServiceAccount %s/%s: %v", ns, sa, err)
		}
	}
}

// readDir reads every object of the manifests below dir, Namespaces first.
func readDir(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s (%v)", dir, err)
	}
	var objs []*unstructured.Unstructured
	for _, f := range files {
		o, err := kubetest.ReadObjects(f)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o...)
	}
	sort.SliceStable(objs, func(i, j int) bool {
		return objs[i].GetKind() == "Namespace" && objs[j].GetKind() != "Namespace"
	})
	return objs
}

// TestLiveCluster runs the live reader against a real kube-apiserver and
// etcd with Istio's CRDs: Istio manifests are validated by the server, the
// demo cluster is applied and read back, RBAC refusals become problems,
// and the CLI scans the cluster through a kubeconfig.
func TestLiveCluster(t *testing.T) {
	s := kubetest.Shared(t)
	ctx := context.Background()
	a := newApplier(t, s)

	// Before the demo is applied: dry runs of other dumps must not meet
	// its allocated ClusterIPs.
	t.Run("policy manifests validated by the API server", func(t *testing.T) { testPolicyManifests(t, a) })
	t.Run("invalid Istio modes refused", func(t *testing.T) { testInvalidModes(t, a) })

	objs := readDir(t, demoDir)
	a.ensureServiceAccounts(ctx, objs)
	for _, o := range objs {
		if err := a.apply(ctx, o, false); err != nil {
			t.Fatalf("applying %s %s/%s: %v", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
	}
	t.Run("live and manifest inventories agree", func(t *testing.T) { testSameInventory(t, s) })
	t.Run("RBAC refusals are problems", func(t *testing.T) { testForbidden(t, s, a) })
	t.Run("scan --kubeconfig", func(t *testing.T) { testCLI(t, s) })
}

// testPolicyManifests applies (dry run, strict field validation) every
// object of testdata/policy: the valid dumps must be accepted whole; of the
// bad dump, the objects the real server refuses are listed.
func testPolicyManifests(t *testing.T, a *applier) {
	ctx := context.Background()
	dirs, _ := filepath.Glob("../../testdata/policy/*")
	if len(dirs) == 0 {
		t.Fatal("no manifests under testdata/policy")
	}
	istio := 0
	refused := map[string]string{}
	for _, dir := range dirs {
		bad := filepath.Base(dir) == "bad"
		objs := readDir(t, dir)
		a.ensureServiceAccounts(ctx, objs)
		for _, o := range objs {
			if o.GetNamespace() != "" {
				a.ensureNamespace(ctx, o.GetNamespace())
			}
			if o.GetKind() == "Namespace" {
				a.ensureNamespace(ctx, o.GetName())
			}
			if strings.HasSuffix(o.GroupVersionKind().Group, "istio.io") {
				istio++
			}
			err := a.apply(ctx, o, true)
			switch {
			case err != nil && bad:
				refused[o.GetKind()+" "+o.GetName()] = err.Error()
			case err != nil:
				t.Errorf("%s: %s %s/%s refused by the API server: %v", filepath.Base(dir), o.GetKind(), o.GetNamespace(), o.GetName(), err)
			}
		}
	}
	if istio < 40 {
		t.Errorf("only %d Istio objects under testdata/policy were validated", istio)
	}
	got := map[string]bool{}
	for k, msg := range refused {
		got[k] = true
		t.Logf("bad dump: %s refused: %s", k, msg)
	}
	// The unknown field and the invalid mode are refused by the schema; the
	// real server also runs the CRD's CEL rules (portLevelMtls requires a
	// selector), which an offline schema check does not.
	want := map[string]bool{"PeerAuthentication typo": true, "PeerAuthentication invalid-mode": true, "PeerAuthentication ports-without-selector": true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("objects of the bad dump refused by the API server (-want +got):\n%s", d)
	}
}

// testInvalidModes: the API server refuses Istio objects whose TLS modes are
// not in the CRDs' enums, at every served version, and accepts the valid
// ones.
func testInvalidModes(t *testing.T, a *applier) {
	ctx := context.Background()
	a.ensureNamespace(ctx, "sc8-validation")
	cases := []struct {
		name, doc string
		ok        bool
	}{
		{"PeerAuthentication v1 STRICT", `{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"a"},"spec":{"mtls":{"mode":"STRICT"}}}`, true},
		{"PeerAuthentication v1 STRICTEST", `{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"a"},"spec":{"mtls":{"mode":"STRICTEST"}}}`, false},
		{"PeerAuthentication v1beta1 mode strict (case)", `{"apiVersion":"security.istio.io/v1beta1","kind":"PeerAuthentication","metadata":{"name":"a"},"spec":{"mtls":{"mode":"strict"}}}`, false},
		{"PeerAuthentication v1 port mode PERMISSIVE with selector", `{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"a"},"spec":{"selector":{"matchLabels":{"app":"x"}},"portLevelMtls":{"8080":{"mode":"PERMISSIVE"}}}}`, true},
		{"PeerAuthentication v1 port mode MUTUAL", `{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"a"},"spec":{"selector":{"matchLabels":{"app":"x"}},"portLevelMtls":{"8080":{"mode":"MUTUAL"}}}}`, false},
		{"DestinationRule v1 ISTIO_MUTUAL", `{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"d"},"spec":{"host":"x","trafficPolicy":{"tls":{"mode":"ISTIO_MUTUAL"}}}}`, true},
		{"DestinationRule v1 STRICT", `{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"d"},"spec":{"host":"x","trafficPolicy":{"tls":{"mode":"STRICT"}}}}`, false},
		{"DestinationRule v1alpha3 MTLS", `{"apiVersion":"networking.istio.io/v1alpha3","kind":"DestinationRule","metadata":{"name":"d"},"spec":{"host":"x","trafficPolicy":{"tls":{"mode":"MTLS"}}}}`, false},
		{"DestinationRule v1beta1 port SIMPLE", `{"apiVersion":"networking.istio.io/v1beta1","kind":"DestinationRule","metadata":{"name":"d"},"spec":{"host":"x","trafficPolicy":{"portLevelSettings":[{"port":{"number":443},"tls":{"mode":"SIMPLE"}}]}}}`, true},
		{"Gateway v1 server mode ISTIO_MUTUAL", `{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"g"},"spec":{"servers":[{"port":{"number":443,"name":"https","protocol":"HTTPS"},"hosts":["*"],"tls":{"mode":"ISTIO_MUTUAL"}}]}}`, true},
		{"Gateway v1 server mode OPTIONAL", `{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"g"},"spec":{"servers":[{"port":{"number":443,"name":"https","protocol":"HTTPS"},"hosts":["*"],"tls":{"mode":"OPTIONAL"}}]}}`, false},
		{"Gateway v1 minProtocolVersion TLSV9", `{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"g"},"spec":{"servers":[{"port":{"number":443,"name":"https","protocol":"HTTPS"},"hosts":["*"],"tls":{"mode":"SIMPLE","minProtocolVersion":"TLSV9"}}]}}`, false},
	}
	for _, tc := range cases {
		u := &unstructured.Unstructured{}
		if err := json.Unmarshal([]byte(tc.doc), &u.Object); err != nil {
			t.Fatal(err)
		}
		u.SetNamespace("sc8-validation")
		err := a.apply(ctx, u, true)
		if tc.ok && err != nil {
			t.Errorf("%s: refused: %v", tc.name, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s: accepted, want refused", tc.name)
		}
		if !tc.ok && err != nil && !apierrors.IsInvalid(err) && !apierrors.IsBadRequest(err) {
			t.Errorf("%s: refused for another reason: %v", tc.name, err)
		}
	}
}

// demoNamespaces are the namespaces of the demo dump.
func demoNamespaces(inv *inventory.Inventory) map[string]bool {
	out := map[string]bool{}
	for _, n := range inv.Namespaces {
		out[n.Name] = true
	}
	return out
}

// within keeps the parts of inv in the namespaces ns (and the paths whose
// both ends are there), with sources cleared: the rest of the inventory
// must then be equal.
func within(inv *inventory.Inventory, ns map[string]bool) *inventory.Inventory {
	out := &inventory.Inventory{Cluster: inv.Cluster}
	for _, n := range inv.Namespaces {
		if ns[n.Name] {
			out.Namespaces = append(out.Namespaces, n)
		}
	}
	for _, w := range inv.Workloads {
		if ns[w.Namespace] {
			w.Source = ""
			out.Workloads = append(out.Workloads, w)
		}
	}
	for _, p := range inv.Pods {
		if ns[p.Namespace] {
			out.Pods = append(out.Pods, p)
		}
	}
	for _, s := range inv.Services {
		if ns[s.Namespace] {
			s.Source = ""
			out.Services = append(out.Services, s)
		}
	}
	for _, o := range inv.Objects {
		if ns[o.Namespace] {
			o.Source = ""
			out.Objects = append(out.Objects, o)
		}
	}
	return out
}

// objectContent is what a kept object says: everything but the metadata
// the server writes and the type.
func objectContent(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "metadata")
	delete(m, "status")
	delete(m, "apiVersion")
	delete(m, "kind")
	return m
}

func testSameInventory(t *testing.T, s *kubetest.Server) {
	ctx := context.Background()
	manifest, err := discover.FromDir(ctx, demoDir, discover.WithCluster("demo-east"))
	if err != nil {
		t.Fatal(err)
	}
	live, err := discover.FromCluster(ctx, s.Config(kubetest.Admin), discover.WithCluster("demo-east"))
	if err != nil {
		t.Fatal(err)
	}
	if live.Source != "cluster:demo-east" {
		t.Errorf("live source = %q, want cluster:demo-east", live.Source)
	}
	for _, p := range live.Problems {
		t.Errorf("live problem: %s %s: %s", p.Source, p.Object, p.Message)
	}
	ns := demoNamespaces(manifest)
	// Every other namespace is the server's own or one the validation tests
	// made, and holds no workload.
	for _, n := range live.Namespaces {
		if !ns[n.Name] && !systemNamespaces[n.Name] && !strings.HasPrefix(n.Name, "sc8-") {
			found := false
			for _, w := range live.Workloads {
				found = found || w.Namespace == n.Name
			}
			if found {
				t.Errorf("namespace %s holds workloads the demo does not", n.Name)
			}
		}
	}
	want, got := within(manifest, ns), within(live, ns)
	if len(want.Workloads) == 0 || want.PathCount() == 0 || len(want.Objects) == 0 {
		t.Fatalf("demo inventory is empty: %d workloads, %d paths, %d objects", len(want.Workloads), want.PathCount(), len(want.Objects))
	}
	nodePortsAllocated(t, want, got)
	opts := []cmp.Option{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(inventory.Object{}, "Raw")}
	for _, c := range []struct {
		name      string
		want, got any
	}{
		{"namespaces", want.Namespaces, got.Namespaces},
		{"workloads", want.Workloads, got.Workloads},
		{"pods", want.Pods, got.Pods},
		{"services", want.Services, got.Services},
		{"objects", want.Objects, got.Objects},
	} {
		if d := cmp.Diff(c.want, c.got, opts...); d != "" {
			t.Errorf("%s (-manifests +cluster):\n%s", c.name, d)
		}
	}
	for i := range want.Objects {
		if i >= len(got.Objects) {
			break
		}
		if d := cmp.Diff(objectContent(t, want.Objects[i].Raw), objectContent(t, got.Objects[i].Raw)); d != "" {
			t.Errorf("%s %s/%s content (-manifests +cluster):\n%s", want.Objects[i].Kind, want.Objects[i].Namespace, want.Objects[i].Name, d)
		}
	}
	// The TCP ports the live cluster adds (the rows of its matrix) are
	// the API server's own Service.
	ports := map[string]bool{}
	for _, s := range manifest.Services {
		for _, p := range s.Ports {
			ports[fmt.Sprintf("%s:%d", s.ServiceRef, p.Port)] = true
		}
	}
	for _, s := range live.Services {
		for _, p := range s.Ports {
			if !ports[fmt.Sprintf("%s:%d", s.ServiceRef, p.Port)] && (s.Namespace != "default" || s.Name != "kubernetes") {
				t.Errorf("live port %s:%d is not in the demo", s.ServiceRef, p.Port)
			}
		}
	}
	// No Secret and no other ConfigMap is ever kept.
	for _, o := range live.Objects {
		if o.Kind == "Secret" || o.Kind == "ConfigMap" && o.Name != "istio" && !strings.HasPrefix(o.Name, "istio-") {
			t.Errorf("live inventory keeps %s %s/%s", o.Kind, o.Namespace, o.Name)
		}
	}
}

// testForbidden binds the reader to a ClusterRole without the Istio kinds
// and without EndpointSlices: each becomes a problem naming the kind and
// the verb, and the rest still comes.
func testForbidden(t *testing.T, s *kubetest.Server, a *applier) {
	ctx := context.Background()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "sc8-partial-reader"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"namespaces", "pods", "services", "configmaps"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets", "daemonsets", "replicasets"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"batch"}, Resources: []string{"jobs", "cronjobs"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"security.istio.io"}, Resources: []string{"peerauthentications"}, Verbs: []string{"get", "list"}},
	}}
	if _, err := a.kube.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	bind := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "sc8-partial-reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
		Subjects: []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: kubetest.Reader}}}
	if _, err := a.kube.RbacV1().ClusterRoleBindings().Create(ctx, bind, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	var inv *inventory.Inventory
	var err error
	// RBAC's authorizer cache picks the binding up within a moment.
	for i := 0; i < 50; i++ {
		inv, err = discover.FromCluster(ctx, s.Config(kubetest.Reader), discover.WithCluster("demo-east"))
		if err == nil && len(inv.Workloads) > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range inv.Problems {
		got = append(got, p.Object+": "+p.Message)
	}
	want := []string{
		"EndpointSlice: forbidden: the credentials may not list endpointslices.discovery.k8s.io in all namespaces (RBAC); no EndpointSlice was read",
		"DestinationRule: forbidden: the credentials may not list destinationrules.networking.istio.io in all namespaces (RBAC); no DestinationRule was read",
		"Gateway: forbidden: the credentials may not list gateways.networking.istio.io in all namespaces (RBAC); no Gateway was read",
		"Sidecar: forbidden: the credentials may not list sidecars.networking.istio.io in all namespaces (RBAC); no Sidecar was read",
		"ServiceEntry: forbidden: the credentials may not list serviceentries.networking.istio.io in all namespaces (RBAC); no ServiceEntry was read",
		"VirtualService: forbidden: the credentials may not list virtualservices.networking.istio.io in all namespaces (RBAC); no VirtualService was read",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	full, err := discover.FromCluster(ctx, s.Config(kubetest.Admin), discover.WithCluster("demo-east"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Workloads) != len(full.Workloads) || inv.PathCount() != full.PathCount() || len(inv.Services) != len(full.Services) {
		t.Errorf("reader saw %d workloads, %d services, %d paths; admin %d, %d, %d",
			len(inv.Workloads), len(inv.Services), inv.PathCount(), len(full.Workloads), len(full.Services), full.PathCount())
	}
	kinds := map[string]int{}
	for _, o := range inv.Objects {
		kinds[o.Kind]++
	}
	if kinds["PeerAuthentication"] == 0 || kinds["DestinationRule"] != 0 || kinds["Gateway"] != 0 {
		t.Errorf("reader kept objects %v, want PeerAuthentications and no DestinationRule or Gateway", kinds)
	}
	for _, sv := range inv.Services {
		if len(sv.Endpoints) != 0 {
			t.Errorf("service %s has endpoints though EndpointSlices are forbidden", sv.ServiceRef)
		}
	}
	// No rights at all but discovery: every kind is a problem, and a read of
	// nothing is an error (ErrNoObjects), never an empty inventory.
	if err := a.kube.RbacV1().ClusterRoleBindings().Delete(ctx, bind.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		_, err = discover.FromCluster(ctx, s.Config(kubetest.Reader))
		if errors.Is(err, discover.ErrNoObjects) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !errors.Is(err, discover.ErrNoObjects) {
		t.Errorf("reader without rights: err = %v, want ErrNoObjects", err)
	}
}

// nodePortsAllocated checks the node ports the API server allocated where
// the dump names none (a LoadBalancer Service applied without them) and
// clears them in got: the dump, trimmed, left them out.
func nodePortsAllocated(t *testing.T, want, got *inventory.Inventory) {
	t.Helper()
	declared := map[string]int32{}
	key := func(s inventory.ServiceRef, p inventory.ServicePort) string { return fmt.Sprintf("%s:%d", s, p.Port) }
	for _, s := range want.Services {
		for _, p := range s.Ports {
			declared[key(s.ServiceRef, p)] = p.NodePort
		}
	}
	fix := func(s inventory.ServiceRef, p *inventory.ServicePort) {
		if declared[key(s, *p)] != 0 || p.NodePort == 0 {
			return
		}
		if p.NodePort < 30000 || p.NodePort > 32767 {
			t.Errorf("%s port %d: node port %d outside the default range", s, p.Port, p.NodePort)
		}
		p.NodePort = 0
	}
	for i := range got.Services {
		s := &got.Services[i]
		for j := range s.Ports {
			if s.Type != "LoadBalancer" && s.Type != "NodePort" && s.Ports[j].NodePort != 0 {
				t.Errorf("%s (%s) has node port %d", s.ServiceRef, s.Type, s.Ports[j].NodePort)
			}
			fix(s.ServiceRef, &s.Ports[j])
		}
	}
}
