package dispatch

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/probes/plan"
	corev1 "k8s.io/api/core/v1"
)

func testInventory() *inventory.Inventory {
	api := inventory.WorkloadRef{Namespace: "shop", Kind: "Deployment", Name: "api"}
	db := inventory.WorkloadRef{Namespace: "shop", Kind: "StatefulSet", Name: "db"}
	agent := inventory.WorkloadRef{Namespace: "ops", Kind: "DaemonSet", Name: "agent"}
	return &inventory.Inventory{
		Cluster: "test",
		Workloads: []inventory.Workload{
			{WorkloadRef: api, Containers: []inventory.Container{{Name: "api", Ports: []inventory.ContainerPort{{Name: "https", Port: 8443, Protocol: "TCP"}, {Name: "metrics", Port: 9090, Protocol: "TCP"}, {Name: "dns", Port: 53, Protocol: "UDP"}}}}},
			{WorkloadRef: db, Containers: []inventory.Container{{Name: "pg", Ports: []inventory.ContainerPort{{Port: 5432}}}}},
			{WorkloadRef: agent, Containers: []inventory.Container{{Name: "a", Ports: []inventory.ContainerPort{{Port: 7000}}}}},
		},
		Pods: []inventory.Pod{
			{Namespace: "shop", Name: "api-1", IP: "198.18.10.5", Owner: api},
			{Namespace: "shop", Name: "api-2", IP: "198.18.10.6", Owner: api},
			{Namespace: "shop", Name: "db-0", IP: "198.18.10.7", Owner: db},
			{Namespace: "ops", Name: "agent-x", IP: "198.18.0.1", HostNetwork: true, Owner: agent},
		},
		Services: []inventory.Service{
			{ServiceRef: inventory.ServiceRef{Namespace: "shop", Name: "api"}, ClusterIP: "198.19.0.10",
				Ports: []inventory.ServicePort{{Name: "https", Port: 443, TargetPort: 8443, Protocol: "TCP", AppProtocol: "https"}, {Name: "dns", Port: 53, Protocol: "UDP"}},
				Endpoints: []inventory.Endpoint{
					{IP: "198.18.10.5", Port: 8443, PortName: "https", Ready: true},
					{IP: "198.18.10.6", Port: 8443, PortName: "https", Ready: false},
					{IP: "198.18.10.5", Port: 53, PortName: "dns", Ready: true},
				}},
			{ServiceRef: inventory.ServiceRef{Namespace: "shop", Name: "db"}, Headless: true, ClusterIP: "None",
				Ports:     []inventory.ServicePort{{Name: "pg", Port: 5432, TargetPort: 5432, Protocol: "TCP"}},
				Endpoints: []inventory.Endpoint{{IP: "198.18.10.7", Port: 5432, PortName: "pg", Ready: true}}},
			{ServiceRef: inventory.ServiceRef{Namespace: "shop", Name: "ext"}, ExternalName: "db.example",
				Ports: []inventory.ServicePort{{Port: 443, Protocol: "TCP"}}},
		},
	}
}

func TestTargets(t *testing.T) {
	type tg struct {
		Host    string
		Port    int
		Service string
	}
	var got []tg
	for _, x := range Targets(testInventory()) {
		s := ""
		if x.Service != nil {
			s = fmt.Sprintf("%s/%s:%d", x.Service.Namespace, x.Service.Name, x.Service.Port)
		}
		got = append(got, tg{x.Host, x.Port, s})
	}
	want := []tg{
		// The ready endpoint at its target port, then the ClusterIP; the
		// endpoint that is not ready and the UDP port are left out.
		{"198.18.10.5", 8443, "shop/api:443"},
		{"198.19.0.10", 443, "shop/api:443"},
		// A headless Service has only its endpoints.
		{"198.18.10.7", 5432, "shop/db:5432"},
		// Declared pod ports no endpoint covers, on every pod (not ready
		// ones too); the host-network pod is the node and is left out.
		{"198.18.10.5", 9090, ""},
		{"198.18.10.6", 8443, ""},
		{"198.18.10.6", 9090, ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("targets (-want +got):\n%s", d)
	}
}

func testPlan(n int) plan.Plan {
	p := plan.Plan{Limits: plan.Limits{ConnTimeout: plan.Duration(2 * time.Second)}}
	for i := range n {
		p.Targets = append(p.Targets, plan.Target{Host: fmt.Sprintf("198.18.10.%d", i+1), Port: 443, Service: &evidence.ServicePort{Namespace: "a", Name: "b", Port: 443}})
	}
	return p
}

func TestRender(t *testing.T) {
	o := Options{Image: "docker.io/local/sc8scan:test", RunID: "r1", TargetsPerJob: 2, CaptureFor: time.Minute, MeshVantage: VantageAmbient, Deadline: 10 * time.Minute}
	ob, err := Render(testPlan(5), o)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Render(testPlan(5), o)
	if d := cmp.Diff(ob, again); d != "" {
		t.Errorf("Render is not deterministic:\n%s", d)
	}
	var names []string
	for _, ns := range ob.Namespaces {
		names = append(names, ns.Name+"="+ns.Labels["pod-security.kubernetes.io/enforce"])
	}
	if got, want := strings.Join(names, " "), "sc8scan=restricted sc8scan-mesh=restricted sc8scan-sensor=privileged"; got != want {
		t.Errorf("namespaces %s, want %s", got, want)
	}
	if ob.Namespaces[0].Labels["istio-injection"] != "disabled" || ob.Namespaces[0].Labels["istio.io/dataplane-mode"] != "none" {
		t.Errorf("probe namespace is not outside the mesh: %v", ob.Namespaces[0].Labels)
	}
	// 5 targets, 2 a Job: 3 Jobs out of the mesh and 3 in it.
	if len(ob.Jobs) != 6 || len(ob.ConfigMaps) != 6 || len(ob.Leases) != 3 || len(ob.DaemonSets) != 1 {
		t.Fatalf("%d Jobs, %d ConfigMaps, %d leases, %d DaemonSets", len(ob.Jobs), len(ob.ConfigMaps), len(ob.Leases), len(ob.DaemonSets))
	}
	for _, l := range ob.Leases {
		if *l.Spec.Parallelism != 0 || *l.Spec.TTLSecondsAfterFinished != 0 || *l.Spec.ActiveDeadlineSeconds != 600+90 {
			t.Errorf("lease %s/%s: parallelism %d, ttl %d, deadline %d", l.Namespace, l.Name, *l.Spec.Parallelism, *l.Spec.TTLSecondsAfterFinished, *l.Spec.ActiveDeadlineSeconds)
		}
	}
	for i, j := range ob.Jobs {
		ps := j.Spec.Template.Spec
		c := ps.Containers[0]
		if *j.Spec.ActiveDeadlineSeconds != 600 || j.Spec.TTLSecondsAfterFinished == nil || *j.Spec.BackoffLimit != 0 {
			t.Errorf("Job %s: deadline, TTL or backoff missing", j.Name)
		}
		if *ps.AutomountServiceAccountToken || !*ps.SecurityContext.RunAsNonRoot || !*c.SecurityContext.ReadOnlyRootFilesystem ||
			*c.SecurityContext.AllowPrivilegeEscalation || len(c.SecurityContext.Capabilities.Add) != 0 || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("Job %s: pod is not locked down: %+v", j.Name, c.SecurityContext)
		}
		want := map[bool]string{false: "none", true: "ambient"}[j.Namespace == "sc8scan-mesh"]
		if got := j.Spec.Template.Labels["istio.io/dataplane-mode"]; got != want {
			t.Errorf("Job %s/%s: dataplane-mode %q, want %q", j.Namespace, j.Name, got, want)
		}
		var p plan.Plan
		cm := ob.ConfigMaps[i]
		if err := json.Unmarshal([]byte(cm.Data["plan.json"]), &p); err != nil || cm.Name != j.Name {
			t.Fatalf("ConfigMap %s: %v", cm.Name, err)
		}
		if wantN := []int{2, 2, 1}[i%3]; len(p.Targets) != wantN || p.Kind != "ProbePlan" || !strings.Contains(p.Vantage, j.Name) {
			t.Errorf("Job %s: plan of %d targets, kind %q, vantage %q", j.Name, len(p.Targets), p.Kind, p.Vantage)
		}
		if got := strings.Join(c.Args, " "); !strings.Contains(got, "-frame "+j.Name) {
			t.Errorf("Job %s: args %q do not frame the report under the Job's name", j.Name, got)
		}
	}
	ds := ob.DaemonSets[0].Spec.Template.Spec
	sc := ds.Containers[0].SecurityContext
	if !ds.HostNetwork || *ds.AutomountServiceAccountToken || len(sc.Capabilities.Add) != 1 || sc.Capabilities.Add[0] != "NET_RAW" || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("sensor: hostNetwork %v, caps %+v", ds.HostNetwork, sc.Capabilities)
	}
	if got := strings.Join(ds.Containers[0].Args, " "); got != "-interface auto -duration 1m0s -hold -frame $(NODE_NAME) -period 1m0s" {
		t.Errorf("sensor args %q", got)
	}
	if ds.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("sensor restart policy %s", ds.RestartPolicy)
	}
}

func TestRenderRefuses(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{RunID: "r"}, "no image"},
		{Options{Image: "i"}, "needs its id"},
		{Options{Image: "i", RunID: "r", MeshVantage: "linkerd"}, "mesh vantage"},
		{Options{Image: "i", RunID: "r", CaptureFor: time.Hour}, "does not fit"},
	} {
		if _, err := Render(testPlan(1), c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Render(%+v): %v, want %q", c.o, err, c.want)
		}
	}
}
