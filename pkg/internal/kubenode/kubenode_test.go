package kubenode

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

const netcheckImage = "sc8scan.dev/kubenode/netcheck:test"

var (
	podCIDR     = netip.MustParsePrefix("198.18.10.0/24")
	serviceCIDR = netip.MustParsePrefix("198.19.0.0/20")
)

// TestJobDialsServiceClusterIP runs an echo server pod behind a ClusterIP
// Service and a Job whose pod dials that ClusterIP, both from a locally
// built image, under the restricted Pod Security level: the Job completes
// only if pod-to-pod traffic through kube-proxy's rules works.
func TestJobDialsServiceClusterIP(t *testing.T) {
	n := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	importNetcheck(ctx, t, n)
	cs := kubernetes.NewForConfigOrDie(n.Rest)

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "netcheck", Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted"}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Pod Security admission is on: a privileged pod is refused here.
	bad := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "privileged"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "c", Image: netcheckImage, SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)}}}}}
	if _, err := cs.CoreV1().Pods("netcheck").Create(ctx, bad, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("creating a privileged pod in a restricted namespace: err = %v, want Forbidden", err)
	}

	labels := map[string]string{"app": "echo"}
	server := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "echo", Labels: labels},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{netcheck("echo", []string{"serve", ":8080"}, &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}},
				PeriodSeconds: 1,
			})},
			SecurityContext: restricted(),
		},
	}
	if _, err := cs.CoreV1().Pods("netcheck").Create(ctx, server, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "echo"},
		Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{
			Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}
	svc, err := cs.CoreV1().Services("netcheck").Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clusterIP := netip.MustParseAddr(svc.Spec.ClusterIP)
	if !serviceCIDR.Contains(clusterIP) {
		t.Errorf("ClusterIP %s is outside %s", clusterIP, serviceCIDR)
	}
	serverIP := waitPodReady(ctx, t, cs, "netcheck", "echo")
	if !podCIDR.Contains(serverIP) {
		t.Errorf("pod IP %s is outside %s", serverIP, podCIDR)
	}

	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "dial"},
		Spec: batchv1.JobSpec{
			BackoffLimit: ptr(int32(0)),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy:   corev1.RestartPolicyNever,
				Containers:      []corev1.Container{netcheck("dial", []string{"dial", clusterIP.String() + ":80", "hello"}, nil)},
				SecurityContext: restricted(),
			}},
		},
	}
	if _, err := cs.BatchV1().Jobs("netcheck").Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := waitJobComplete(ctx, t, cs, "netcheck", "dial")
	logs, err := cs.CoreV1().Pods("netcheck").GetLogs(pod, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatalf("reading the job's log: %v", err)
	}
	want := fmt.Sprintf("dialed %s:80, answer: echo from echo: hello", clusterIP)
	if !strings.Contains(string(logs), want) {
		t.Errorf("job log = %q, want it to contain %q", logs, want)
	}

	// Owner references are followed: deleting the Job in the foreground
	// waits for the garbage collector to delete its pod.
	fg := metav1.DeletePropagationForeground
	if err := cs.BatchV1().Jobs("netcheck").Delete(ctx, "dial", metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := cs.BatchV1().Jobs("netcheck").Get(ctx, "dial", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("job dial not garbage collected: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}

	if err := n.Down(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, n)
}

// TestTwoNodesAtOnce starts two nodes concurrently and checks that both are
// Ready, that they are separate clusters, and that removing them leaves
// nothing behind.
func TestTwoNodesAtOnce(t *testing.T) {
	Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	nodes := make([]*Node, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nodes[i], errs[i] = Up(ctx, UniqueName())
		}()
	}
	wg.Wait()
	for i, n := range nodes {
		if n != nil {
			t.Cleanup(func() { n.Down() })
		}
		if errs[i] != nil {
			t.Error(errs[i])
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if nodes[0].Rest.Host == nodes[1].Rest.Host {
		t.Fatalf("both nodes serve at %s", nodes[0].Rest.Host)
	}
	for i, n := range nodes {
		cs := kubernetes.NewForConfigOrDie(n.Rest)
		node, err := cs.CoreV1().Nodes().Get(ctx, "sc8-node", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("node %s: %v", n.Name, err)
		}
		if !ready(node) {
			t.Errorf("node %s is not Ready: %+v", n.Name, node.Status.Conditions)
		}
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("only-in-%d", i)}}
		if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	other := kubernetes.NewForConfigOrDie(nodes[1].Rest)
	if _, err := other.CoreV1().ConfigMaps("default").Get(ctx, "only-in-0", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the second node sees the first node's ConfigMap (err = %v)", err)
	}
	// Starting a running node again only prints its directory.
	again, err := Up(ctx, nodes[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	if again.Dir != nodes[0].Dir {
		t.Errorf("up again: dir %s, want %s", again.Dir, nodes[0].Dir)
	}
	for _, n := range nodes {
		if err := n.Down(); err != nil {
			t.Fatal(err)
		}
		assertGone(t, n)
	}
}

// assertGone checks that nothing of n is left: no network namespace, no
// process naming its directory, no directory, no cgroup.
func assertGone(t *testing.T, n *Node) {
	t.Helper()
	if _, err := os.Stat("/run/netns/sc8node-" + n.Name); !os.IsNotExist(err) {
		t.Errorf("network namespace sc8node-%s is left (%v)", n.Name, err)
	}
	if _, err := os.Stat(n.Dir); !os.IsNotExist(err) {
		t.Errorf("directory %s is left (%v)", n.Dir, err)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(strings.ReplaceAll(string(b), "\x00", " ")+" ", n.Dir+"/") {
			t.Errorf("process %s is left: %s", filepath.Base(filepath.Dir(p)), strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	cgroups, _ := filepath.Glob("/sys/fs/cgroup/*/sc8node-" + n.Name)
	if more, _ := filepath.Glob("/sys/fs/cgroup/sc8node-" + n.Name); len(more) > 0 {
		cgroups = append(cgroups, more...)
	}
	for _, c := range cgroups {
		t.Errorf("cgroup %s is left", c)
	}
	slots, _ := filepath.Glob(filepath.Join(StateDir, "slots", "*"))
	for _, s := range slots {
		if b, err := os.ReadFile(s); err == nil && strings.TrimSpace(string(b)) == n.Name {
			t.Errorf("address slot %s is still held", s)
		}
	}
}

func importNetcheck(ctx context.Context, t *testing.T, n *Node) {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	tar := filepath.Join(t.TempDir(), "netcheck.tar")
	if err := GoImage(ctx, filepath.Join(cache, "sc8scan", "image-bins"), "testdata/netcheck", netcheckImage, tar); err != nil {
		t.Fatal(err)
	}
	if err := n.ImportImage(ctx, tar); err != nil {
		t.Fatal(err)
	}
}

func netcheck(name string, args []string, probe *corev1.Probe) corev1.Container {
	return corev1.Container{
		Name: name, Image: netcheckImage, ImagePullPolicy: corev1.PullNever, Args: args,
		ReadinessProbe: probe,
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
	}
}

func restricted() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr(true),
		RunAsUser:      ptr(int64(65532)),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func waitPodReady(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name string) netip.Addr {
	t.Helper()
	for {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil && p.Status.PodIP != "" {
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
					return netip.MustParseAddr(p.Status.PodIP)
				}
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("pod %s/%s not Ready: %v %+v", ns, name, err, podStatus(p))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitJobComplete waits for the Job to complete and returns its pod's name.
func waitJobComplete(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name string) string {
	t.Helper()
	for {
		j, err := cs.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			for _, c := range j.Status.Conditions {
				if c.Status != corev1.ConditionTrue {
					continue
				}
				switch c.Type {
				case batchv1.JobComplete:
					pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + name})
					if err != nil || len(pods.Items) == 0 {
						t.Fatalf("listing the pods of job %s: %v", name, err)
					}
					return pods.Items[0].Name
				case batchv1.JobFailed:
					t.Fatalf("job %s failed: %s", name, jobPodLogs(cs, ns, name))
				}
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("job %s not complete: %v; %s", name, err, jobPodLogs(cs, ns, name))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func jobPodLogs(cs kubernetes.Interface, ns, name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + name})
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, p := range pods.Items {
		logs, err := cs.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
		fmt.Fprintf(&b, "pod %s %+v: log %q (%v); ", p.Name, podStatus(&p), logs, err)
	}
	return b.String()
}

func podStatus(p *corev1.Pod) any {
	if p == nil {
		return nil
	}
	return p.Status
}

func ready(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }
