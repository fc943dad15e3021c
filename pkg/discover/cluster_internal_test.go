package discover

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/internal/kubetest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestClusterPagesTimeoutsAndSecrets: a list read in pages of two gives
// what one page gives; a request that cannot finish in its timeout fails
// the read; Secrets and ConfigMaps other than the mesh's are never kept.
func TestClusterPagesTimeoutsAndSecrets(t *testing.T) {
	s := kubetest.Shared(t)
	ctx := context.Background()
	kube, err := kubernetes.NewForConfig(s.Config(kubetest.Admin))
	if err != nil {
		t.Fatal(err)
	}
	const ns = "sc8-paging"
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Leave the namespace empty for the other tests on the shared server (no
	// controller manager runs to delete a namespace's contents).
	t.Cleanup(func() {
		ctx := context.Background()
		for i := 0; i < 7; i++ {
			kube.CoreV1().Services(ns).Delete(ctx, fmt.Sprintf("s%d", i), metav1.DeleteOptions{})
		}
		for _, n := range []string{"istio-canary", "app-settings", "istio-ca-root-cert"} {
			kube.CoreV1().ConfigMaps(ns).Delete(ctx, n, metav1.DeleteOptions{})
		}
		kube.CoreV1().Secrets(ns).Delete(ctx, "istio", metav1.DeleteOptions{})
	})
	for i := 0; i < 7; i++ {
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("s%d", i), Namespace: ns},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 443}}}}
		for try := 0; ; try++ {
			_, err = kube.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
			if err == nil || try > 60 {
				break
			}
			time.Sleep(500 * time.Millisecond) // the default ServiceCIDR comes up with the server
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, cm := range []*corev1.ConfigMap{
		{ObjectMeta: metav1.ObjectMeta{Name: "istio-canary", Namespace: ns}, Data: map[string]string{"mesh": "enableAutoMtls: false"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "app-settings", Namespace: ns}, Data: map[string]string{"password": "not-for-the-scanner"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "istio-ca-root-cert", Namespace: ns}, Data: map[string]string{"root-cert.pem": "x"}},
	} {
		if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "istio", Namespace: ns}, StringData: map[string]string{"key": "secret"}}
	if _, err := kube.CoreV1().Secrets(ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	read := func(page int64, timeout time.Duration) ([]string, []Decoded, error) {
		c, err := NewCluster(s.Config(kubetest.Admin), WithCluster("paging"))
		if err != nil {
			t.Fatal(err)
		}
		c.pageSize, c.timeout = page, timeout
		objs, problems, err := c.Objects(ctx)
		if len(problems) != 0 {
			t.Errorf("problems: %+v", problems)
		}
		var names []string
		for _, d := range objs {
			if d.Namespace == ns || d.GVK.Kind == "Namespace" && d.Name == ns {
				names = append(names, d.GVK.Kind+" "+d.Name)
			}
		}
		return names, objs, err
	}
	one, all, err := read(500, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	paged, _, err := read(2, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Namespace sc8-paging", "Service s0", "Service s1", "Service s2", "Service s3", "Service s4", "Service s5", "Service s6", "ConfigMap istio-canary"}
	if d := cmp.Diff(want, one); d != "" {
		t.Errorf("objects of %s (-want +got):\n%s", ns, d)
	}
	if d := cmp.Diff(one, paged); d != "" {
		t.Errorf("paged read differs (-one page +pages of 2):\n%s", d)
	}
	for _, d := range all {
		if d.GVK.Kind == "Secret" {
			t.Errorf("Secret %s/%s read", d.Namespace, d.Name)
		}
		if d.GVK.Kind == "ConfigMap" && !isMeshConfig(d.Name) {
			t.Errorf("ConfigMap %s/%s kept", d.Namespace, d.Name)
		}
		if d.GVK.Empty() || d.Object == nil || len(d.Raw) == 0 {
			t.Errorf("%s %s/%s: incomplete: GVK %v, typed %T, %d bytes", d.GVK.Kind, d.Namespace, d.Name, d.GVK, d.Object, len(d.Raw))
		}
	}
	if _, _, err := read(500, time.Nanosecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("read with a 1ns request timeout: err = %v, want a deadline error", err)
	}
}

func TestIsMeshConfig(t *testing.T) {
	for name, want := range map[string]bool{
		"istio": true, "istio-canary": true, "istio-1-24": true, "cilium-config": true,
		"istio-ca-root-cert": false, "istio-sidecar-injector": false, "istio-sidecar-injector-canary": false,
		"istio-gateway-status-leader": false, "istio-leader": false, "kube-root-ca.crt": false, "app": false, "istiod": false,
	} {
		if got := isMeshConfig(name); got != want {
			t.Errorf("isMeshConfig(%q) = %v, want %v", name, got, want)
		}
	}
}
