package dispatch

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/internal/kubetest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

// TestAdmittedUnderPodSecurity creates the rendered namespaces on a real
// kube-apiserver and asks its Pod Security admission (dry run) to admit a
// pod of every template: the probe Jobs under restricted, the sensor only
// where its namespace is privileged. The refusals show admission is on.
func TestAdmittedUnderPodSecurity(t *testing.T) {
	srv := kubetest.Shared(t)
	cs, err := kubernetes.NewForConfig(srv.Config(kubetest.Admin))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := Options{Image: "docker.io/local/sc8scan:test", RunID: "psa1", CaptureFor: time.Minute, MeshVantage: VantageAmbient,
		Namespace: "psa-probe", SensorNamespace: "psa-sensor", MeshNamespace: "psa-mesh"}
	ob, err := Render(testPlan(3), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range ob.Namespaces {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range ob.Accounts {
		if _, err := cs.CoreV1().ServiceAccounts(a.Namespace).Create(ctx, a, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	admit := func(ns string, tmpl corev1.PodTemplateSpec) error {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "check", Namespace: ns, Labels: tmpl.Labels}, Spec: tmpl.Spec}
		_, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	}
	for _, j := range append(append(ob.Jobs[:0:0], ob.Jobs...), ob.Leases...) {
		if err := admit(j.Namespace, j.Spec.Template); err != nil {
			t.Errorf("Job %s/%s: a pod of it is refused: %v", j.Namespace, j.Name, err)
		}
	}
	ds := ob.DaemonSets[0]
	if err := admit(ds.Namespace, ds.Spec.Template); err != nil {
		t.Errorf("sensor in %s: refused: %v", ds.Namespace, err)
	}
	// The sensor is refused where the probes run: restricted is enforced.
	if err := admit(o.Namespace, ds.Spec.Template); err == nil || !strings.Contains(err.Error(), "violates PodSecurity") {
		t.Errorf("sensor in the restricted namespace: %v, want a PodSecurity refusal", err)
	}
	// A probe pod that kept a capability is refused too.
	bad := ob.Jobs[0].Spec.Template.DeepCopy()
	bad.Spec.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"}
	if err := admit(o.Namespace, *bad); err == nil {
		t.Error("a probe pod with NET_ADMIN was admitted under restricted")
	}
}
