package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/dispatch"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/evidence/frame"
	"github.com/sc8scan/sc8scan/pkg/image"
	"github.com/sc8scan/sc8scan/pkg/internal/kubenode"
	"github.com/sc8scan/sc8scan/pkg/internal/kubetest"
	"github.com/sc8scan/sc8scan/pkg/internal/lab"
	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/scan"
	"github.com/sc8scan/sc8scan/probes/plan"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
)

const (
	// extraTo is how many Services the test cluster has in all.
	extraTo = 20

	scannerImage = "docker.io/local/sc8scan:e2e"
	labImage     = "docker.io/local/sc8lab:e2e"
)

// cluster is the node of this package's tests with the demo's servers
// running on it.
type cluster struct {
	node     *kubenode.Node
	cs       kubernetes.Interface
	services []string // ns/name of every Service served
	// serves maps a Service to the demo Service whose endpoints its pod
	// serves: itself, or for the extra Services the mTLS payments-api.
	serves   map[string]string
	caBundle string // the server pods' CAs
	nginx    *nginxServer
}

// startCluster starts a node, builds and imports the sc8scan image and the
// lab server image, and runs one pod per demo Service serving that
// Service's demo endpoints on their own ports.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	n := kubenode.Start(t)
	root := repoRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = t.TempDir()
	}
	cache = filepath.Join(cache, "sc8scan", "e2e-bins")
	tmp := t.TempDir()
	start := time.Now()
	img, err := image.Build(ctx, image.Options{Root: root, Out: filepath.Join(tmp, "image"), Tag: scannerImage, CacheDir: cache})
	if err != nil {
		t.Fatalf("building the sc8scan image: %v", err)
	}
	labTar := filepath.Join(tmp, "sc8lab.tar")
	if err := kubenode.GoImage(ctx, cache, filepath.Join(root, "pkg/internal/lab/cmd/sc8lab"), labImage, labTar); err != nil {
		t.Fatalf("building the lab image: %v", err)
	}
	ngx := newNginx(t, time.Now())
	if err := n.ImportImage(ctx, img.Archive, labTar, ngx.archive); err != nil {
		t.Fatal(err)
	}
	t.Logf("images built and imported in %s", time.Since(start).Round(time.Second))
	cs, err := kubernetes.NewForConfig(n.Rest)
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{node: n, cs: cs, nginx: ngx}
	// The demo's namespaces with their mesh labels, Istio's CRDs and the
	// demo's Istio policies, as in testdata/demo.
	c.kubectl(t, "apply", "-f", filepath.Join(root, "testdata/demo/namespaces.yaml"))
	crds, err := kubetest.IstioCRDFile()
	if err != nil {
		t.Fatal(err)
	}
	c.kubectl(t, "apply", "--server-side", "-f", crds)
	c.kubectl(t, "wait", "--for=condition=Established", "--timeout=2m", "crd", "--all")
	c.kubectl(t, "apply", "-f", filepath.Join(root, "testdata/demo/istio.yaml"))
	c.deployDemo(ctx, t)
	c.deployNginx(ctx, t)
	return c
}

// deployDemo creates, for every Service of lab.DemoSpecs, its namespace,
// a Deployment of the lab image serving it and the Service itself.
func (c *cluster) deployDemo(ctx context.Context, t *testing.T) {
	t.Helper()
	ports := map[string][]corev1.ServicePort{}
	for _, s := range lab.DemoSpecs() {
		ref := s.Namespace + "/" + s.Service
		if _, ok := ports[ref]; !ok {
			c.services = append(c.services, ref)
		}
		ports[ref] = append(ports[ref], corev1.ServicePort{Name: fmt.Sprintf("p%d", s.Port), Port: int32(s.Port), TargetPort: intstr.FromInt32(int32(s.Port)), Protocol: corev1.ProtocolTCP})
	}
	// Extra copies of the mTLS API make the cluster the 20 Services the
	// timing in the README speaks of.
	c.serves = map[string]string{}
	for _, ref := range c.services {
		c.serves[ref] = ref
	}
	api := ports["payments/payments-api"]
	for i := len(c.services); i < extraTo; i++ {
		ref := fmt.Sprintf("extra/api-%d", i)
		c.services = append(c.services, ref)
		c.serves[ref] = "payments/payments-api"
		ports[ref] = api
	}
	sort.Strings(c.services)
	made := map[string]bool{}
	for _, ref := range c.services {
		ns, name, _ := strings.Cut(ref, "/")
		if !made[ns] {
			made[ns] = true
			if _, err := c.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatal(err)
			}
		}
		c.serve(ctx, t, ns, name, labImage, []string{"/sc8lab", "-serve-service", c.serves[ref]}, ports[ref])
	}
	// Wait for every server pod to run and write its CA.
	var cas []string
	for _, ref := range c.services {
		ns, name, _ := strings.Cut(ref, "/")
		ca := c.waitCA(ctx, t, ns, name)
		cas = append(cas, ca)
	}
	c.caBundle = strings.Join(cas, "")
	// And for their endpoints to be ready, so the inventory has pod IPs.
	for _, ref := range c.services {
		ns, name, _ := strings.Cut(ref, "/")
		c.waitReady(ctx, t, ns, name)
	}
}

// waitReady waits, at most two minutes, for a Service's first endpoint to
// be ready.
func (c *cluster) waitReady(ctx context.Context, t *testing.T, ns, name string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		sl, err := c.cs.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=" + name})
		if err == nil && len(sl.Items) > 0 && len(sl.Items[0].Endpoints) > 0 && sl.Items[0].Endpoints[0].Conditions.Ready != nil && *sl.Items[0].Endpoints[0].Conditions.Ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Service %s/%s has no ready endpoint", ns, name)
		}
		time.Sleep(time.Second)
	}
}

// deployNginx runs the nginx image behind Service web/nginx:8443.
func (c *cluster) deployNginx(ctx context.Context, t *testing.T) {
	t.Helper()
	if _, err := c.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "web"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c.serve(ctx, t, "web", "nginx", nginxImage, nil, []corev1.ServicePort{{Name: "https", Port: 8443, TargetPort: intstr.FromInt32(8443), Protocol: corev1.ProtocolTCP}})
	c.waitReady(ctx, t, "web", "nginx")
	c.services = append(c.services, "web/nginx")
	c.caBundle += c.nginx.ca
}

// serve creates a one-replica Deployment of image (command, when given,
// replaces its entrypoint) declaring the ports, and the Service in front
// of it, both named name.
func (c *cluster) serve(ctx context.Context, t *testing.T, ns, name, image string, command []string, ports []corev1.ServicePort) {
	t.Helper()
	labels := map[string]string{"app": name}
	var cports []corev1.ContainerPort
	for _, p := range ports {
		cports = append(cports, corev1.ContainerPort{Name: p.Name, ContainerPort: p.Port, Protocol: corev1.ProtocolTCP})
	}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken:  ptr(false),
					TerminationGracePeriodSeconds: ptr(int64(1)),
					Containers:                    []corev1.Container{{Name: "server", Image: image, ImagePullPolicy: corev1.PullNever, Command: command, Ports: cports}},
				},
			},
		},
	}
	if _, err := c.cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: corev1.ServiceSpec{Selector: labels, Ports: ports}}
	if _, err := c.cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// waitCA waits for the server pod of a Service to run and returns the CA
// it wrote to its log.
func (c *cluster) waitCA(ctx context.Context, t *testing.T, ns, name string) string {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		pods, err := c.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
		if err == nil {
			for _, p := range pods.Items {
				if p.Status.Phase != corev1.PodRunning {
					continue
				}
				rc, err := c.cs.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{}).Stream(ctx)
				if err != nil {
					continue
				}
				frames, _ := frame.Read(rc, 1<<20)
				rc.Close()
				for _, f := range frames {
					if f.Kind == "CA" {
						return string(f.Data)
					}
				}
			}
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("the server pod of %s/%s did not start or write its CA", ns, name)
	return ""
}

// TestInCluster runs in-cluster scans on a real node serving the demo:
// one as the least-privileged identity of deploy/ compared cell by cell
// with the same servers probed from this machine, one interrupted and one
// killed mid-run, each leaving nothing behind.
func TestInCluster(t *testing.T) {
	c := startCluster(t)
	t.Run("scan", c.testScan)
	t.Run("mesh-vantage-not-in-the-mesh", c.testMeshVantageNotInjected)
	bin := buildScanner(t)
	t.Run("interrupted", func(t *testing.T) { c.testStopped(t, bin, os.Interrupt) })
	t.Run("killed", func(t *testing.T) { c.testStopped(t, bin, os.Kill) })
}

// testScan scans the demo's servers twice: from this machine against the
// same servers on loopback (the lab, as make demo does) and from probe
// pods inside the cluster with the sensor capturing, as the ServiceAccount
// of deploy/overlays/capture. Every destination cell must agree; the run
// must leave nothing behind; the sensor's flows must map to the Services
// they reached.
func (c *cluster) testScan(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	now := time.Now()
	scanner := c.leastPrivilege(ctx, t, "overlays/capture")

	// From this machine: the lab's endpoints stand in for each Service port.
	l, err := lab.Start(lab.DemoSpecs(), now)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	targets := append(l.Targets, scan.Target{Service: evidence.ServicePort{Namespace: "web", Name: "nginx", Port: 8443}, Address: c.nginx.loopback})
	outside, err := scan.Run(ctx, scan.Options{Kube: c.node.Rest, Cluster: "e2e", Targets: targets, CABundle: string(l.CA.PEM) + c.nginx.ca, Probe: true, Policy: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}

	// From inside: probe Jobs and the sensor.
	var progress strings.Builder
	start := time.Now()
	inside, err := scan.Run(ctx, scan.Options{Kube: scanner, Cluster: "e2e", CABundle: c.caBundle, Probe: true, Policy: true, Now: func() time.Time { return now },
		InCluster: &dispatch.Options{Image: scannerImage, PullPolicy: corev1.PullNever, CaptureFor: 20 * time.Second, Deadline: 5 * time.Minute, Progress: &progress}})
	if err != nil {
		t.Fatalf("in-cluster scan: %v\n%s", err, progress.String())
	}
	t.Logf("in-cluster scan of %d Services took %s:\n%s", len(c.services), time.Since(start).Round(time.Second), progress.String())
	for _, p := range inside.Inventory.Problems {
		if strings.HasPrefix(p.Source, "in-cluster run") {
			t.Errorf("in-cluster run problem: %s", p.Message)
		}
	}

	// Every probe result came from a pod, out of the mesh, and the pod
	// IPs as well as the ClusterIPs were probed.
	probes := inside.Evidence.Probes
	hosts := map[string]bool{}
	for _, r := range probes.Results {
		hosts[r.Target.Host] = true
		if !strings.HasPrefix(r.Vantage, "in-cluster pod of Job sc8scan/") || r.InMesh != "" {
			t.Errorf("result for %s:%d from vantage %q", r.Target.Host, r.Target.Port, r.Vantage)
		}
	}
	for _, s := range inside.Inventory.Services {
		if !hosts[s.ClusterIP] {
			t.Errorf("ClusterIP %s of %s not probed", s.ClusterIP, s.ServiceRef)
		}
		for _, e := range s.Endpoints {
			if !hosts[e.IP] {
				t.Errorf("pod IP %s of %s not probed", e.IP, s.ServiceRef)
			}
		}
	}

	// Cell by cell, the destination checks agree with the lab's.
	served := map[string]bool{"web/nginx:8443": true}
	for _, s := range lab.DemoSpecs() {
		served[fmt.Sprintf("%s/%s:%d", s.Namespace, s.Service, s.Port)] = true
	}
	rows := map[string]*matrix.Row{}
	for i := range outside.Matrix.Rows {
		r := &outside.Matrix.Rows[i]
		rows[fmt.Sprintf("%s/%s:%d", r.Destination.Namespace, r.Destination.Service, r.Destination.Port)] = r
	}
	compared := 0
	for i := range inside.Matrix.Rows {
		in := &inside.Matrix.Rows[i]
		k := fmt.Sprintf("%s/%s:%d", in.Destination.Namespace, in.Destination.Service, in.Destination.Port)
		out := rows[k]
		if !served[k] {
			continue // the cluster's own Services (kubernetes, kube-dns)
		}
		if out == nil {
			t.Errorf("row %s only in the in-cluster matrix", k)
			continue
		}
		for _, ck := range matrix.DestinationChecks {
			a, b := out.Cell(ck.ID), in.Cell(ck.ID)
			if a.Status != b.Status {
				t.Errorf("%s %s: lab %s (%s), in cluster %s (%s)", k, ck.ID, a.Status, a.Reason, b.Status, b.Reason)
			}
			compared++
		}
	}
	if want := (len(lab.DemoSpecs()) + 1) * len(matrix.DestinationChecks); compared != want {
		t.Errorf("compared %d cells, want %d", compared, want)
	}

	// The sensor saw the probes' connections and mapped them to Services.
	flows := inside.Evidence.Flows
	if flows == nil || len(flows.Flows) == 0 {
		t.Fatalf("no flows from the sensor")
	}
	mapped, tlsFlows := 0, 0
	for _, f := range flows.Flows {
		if f.Destination != nil && f.Destination.Service != "" {
			mapped++
		}
		if f.TLS != nil && f.TLS.Version != "" {
			tlsFlows++
		}
	}
	if mapped == 0 || tlsFlows == 0 {
		t.Errorf("%d flows, %d mapped to a Service, %d TLS: want both", len(flows.Flows), mapped, tlsFlows)
	}
	t.Logf("sensor: %d flows, %d mapped to a Service, %d TLS, %d packets", len(flows.Flows), mapped, tlsFlows, flows.Stats.Packets)
	c.assertNothingLeft(ctx, t, 2*time.Minute)
	c.removeDeploy(ctx, t, "overlays/capture")
}

// runKinds are the kinds of object a run makes and labels.
var runKinds = []struct {
	kind string
	gvr  schema.GroupVersionResource
}{
	{"pod", schema.GroupVersionResource{Version: "v1", Resource: "pods"}},
	{"Job", schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}},
	{"ConfigMap", schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}},
	{"ServiceAccount", schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}},
	{"DaemonSet", schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "daemonsets"}},
}

// leftovers lists what of any run is still there: objects with a run
// label (pods, Jobs, ConfigMaps, ServiceAccounts, DaemonSets) and, when
// runNamespaces, namespaces labelled as the scanner's.
func (c *cluster) leftovers(ctx context.Context, t *testing.T, runNamespaces bool) []string {
	t.Helper()
	cs := c.cs
	meta, err := metadata.NewForConfig(c.node.Rest)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, k := range runKinds {
		list, err := meta.Resource(k.gvr).Namespace("").List(ctx, metav1.ListOptions{LabelSelector: dispatch.LabelRun})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list.Items {
			left = append(left, k.kind+" "+o.Namespace+"/"+o.Name)
		}
	}
	if runNamespaces {
		nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: dispatch.LabelManagedBy + "=sc8scan"})
		if err != nil {
			t.Fatal(err)
		}
		for _, ns := range nss.Items {
			if ns.Status.Phase != corev1.NamespaceTerminating && ns.DeletionTimestamp == nil {
				left = append(left, "namespace "+ns.Name)
			}
		}
	}
	return left
}

// assertNothingLeft waits, at most within, until no object of any run is
// left, and fails naming what is.
func (c *cluster) assertNothingLeft(ctx context.Context, t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		left := c.leftovers(ctx, t, false)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("left behind after %s: %s", within, strings.Join(left, ", "))
		}
		time.Sleep(2 * time.Second)
	}
}

func ptr[T any](v T) *T { return &v }

// testMeshVantageNotInjected asks for an in-mesh vantage on a cluster with
// no Istio control plane: the pods of the mesh namespace run without a
// sidecar, and the run must say so and keep none of their results as a
// mesh client's view, while the out-of-mesh results stand.
func (c *cluster) testMeshVantageNotInjected(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	svc, err := c.cs.CoreV1().Services("monitoring").Get(ctx, "node-exporter", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp := &evidence.ServicePort{Namespace: "monitoring", Name: "node-exporter", Port: 9100}
	p := plan.Plan{Targets: []plan.Target{{Host: svc.Spec.ClusterIP, Port: 9100, Service: sp}}, Limits: plan.Limits{ConnTimeout: plan.Duration(3 * time.Second)}}
	res, err := dispatch.Run(ctx, c.node.Rest, p, dispatch.Options{Image: scannerImage, PullPolicy: corev1.PullNever, MeshVantage: dispatch.VantageSidecar, Deadline: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var said bool
	for _, pr := range res.Problems {
		said = said || strings.Contains(pr, "the in-mesh vantage is not in the mesh") && strings.Contains(pr, "no istio-proxy sidecar")
	}
	if !said {
		t.Errorf("problems %q do not say the in-mesh vantage was not in the mesh", res.Problems)
	}
	var outside, inside int
	for _, r := range res.Probes.Results {
		switch {
		case r.InMesh == "":
			outside++
			if !r.Plaintext.Tested || !r.Plaintext.Accepted {
				t.Errorf("out-of-mesh probe of node-exporter: %+v", r.Plaintext)
			}
		case r.Plaintext.Tested || r.TLS.Tested || len(r.Errors) == 0:
			t.Errorf("an in-mesh result from a pod outside the mesh was kept: %+v", r)
		default:
			inside++
		}
	}
	if outside != 1 || inside != 1 {
		t.Errorf("%d out-of-mesh and %d in-mesh results, want 1 and 1 (the latter an error)", outside, inside)
	}
	c.assertNothingLeft(ctx, t, time.Minute)
}
