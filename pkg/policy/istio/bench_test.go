package istio_test

import (
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy/istio"
)

// genMesh builds a mesh of nsCount namespaces with svcPerNS Services each
// (two ports, one sidecar backend each) and about 4.4 policies per
// namespace: namespace-wide and workload PeerAuthentications (some with
// portLevelMtls), DestinationRules with exact, short and wildcard hosts,
// exportTo, portLevelSettings and subsets, Sidecars scoping egress,
// VirtualServices routing to subsets, plus mesh-wide policies in the root.
func genMesh(tb testing.TB, nsCount, svcPerNS int) (*world, int) {
	w := newWorld(tb)
	policies := 0
	w.apply(pa("istio-system", "default", mode("STRICT")), dr("istio-system", "mesh", drTLS(`"*.local"`, "ISTIO_MUTUAL")))
	policies += 2
	modes := []string{"STRICT", "PERMISSIVE", "DISABLE", "UNSET"}
	for n := 0; n < nsCount; n++ {
		ns := fmt.Sprintf("ns-%04d", n)
		labels := map[string]string{"istio-injection": "enabled"}
		if n%10 == 9 {
			labels = map[string]string{"istio.io/dataplane-mode": "ambient"}
		}
		w.namespace(ns, labels)
		w.wl(ns, "client", "")
		for s := 0; s < svcPerNS; s++ {
			name := fmt.Sprintf("svc-%02d", s)
			ref := w.wl(ns, name, "")
			w.svc(ns, name, []portMap{{80, 8080}, {9090, 18080}}, ref)
		}
		w.apply(pa(ns, "default", mode(modes[n%4])))
		w.apply(pa(ns, "svc-00", "spec:\n  selector:\n    matchLabels: {app: svc-00}\n  mtls: {mode: "+modes[(n+1)%4]+"}\n  portLevelMtls:\n    18080: {mode: PERMISSIVE}\n"))
		w.apply(dr(ns, "svc-01", "spec:\n  host: svc-01\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    portLevelSettings:\n    - port: {number: 9090}\n      tls: {mode: DISABLE}\n"))
		w.apply(dr(ns, "private", "spec:\n  host: \"*."+ns+".svc.cluster.local\"\n  exportTo: [\".\"]\n  trafficPolicy:\n    loadBalancer: {simple: ROUND_ROBIN}\n"))
		policies += 4
		if n%5 == 0 {
			// A Sidecar importing its own namespace, the root and the next one.
			next := fmt.Sprintf("ns-%04d", (n+1)%nsCount)
			w.apply("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: " + ns + "}\nspec:\n  egress:\n  - hosts: [\"./*\", \"istio-system/*\", \"" + next + "/*\"]\n")
			policies++
		}
		if n%10 == 3 {
			w.apply(dr(ns, "svc-02", "spec:\n  host: svc-02\n  subsets:\n  - name: v1\n    labels: {app: svc-02}\n    trafficPolicy:\n      tls: {mode: DISABLE}\n"),
				"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: svc-02, namespace: "+ns+"}\nspec:\n  hosts: [svc-02]\n  http:\n  - route:\n    - destination: {host: svc-02, subset: v1}\n")
			policies += 2
		}
	}
	return w, policies
}

// BenchmarkEvaluateAllPairs evaluates every (client namespace x Service
// port) pair of a generated mesh. The target is 500 namespaces, 5,000
// Services and 2,000 policies in under 2 s per op; the smaller sizes show
// that time and memory per pair stay flat (linear growth overall).
func BenchmarkEvaluateAllPairs(b *testing.B) {
	for _, nsCount := range []int{125, 250, 500} {
		b.Run(fmt.Sprintf("ns=%d", nsCount), func(b *testing.B) {
			w, policies := genMesh(b, nsCount, 10)
			inv := &w.inv
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			e := istio.NewEngine(inv, istio.Config{})
			runtime.GC()
			runtime.ReadMemStats(&after)
			clients := make([]istio.Client, 0, nsCount)
			for _, n := range inv.Namespaces {
				if n.Name != "istio-system" {
					clients = append(clients, e.ClientOf(inventory.WorkloadRef{Namespace: n.Name, Kind: "Deployment", Name: "client"}))
				}
			}
			pairs := 0
			for _, s := range inv.Services {
				pairs += len(s.Ports) * len(clients)
			}
			b.ResetTimer()
			cpu0 := cpuTime()
			var mtls int
			for b.Loop() {
				mtls = 0
				for _, c := range clients {
					for si := range inv.Services {
						s := &inv.Services[si]
						for _, p := range s.Ports {
							o, ok := e.EvaluateService(c, si, p.Port)
							if !ok {
								b.Fatal("not evaluated")
							}
							if o.Expected == istio.ExpectMTLS {
								mtls++
							}
						}
					}
				}
			}
			b.StopTimer()
			// CPU time is reported beside wall time: the machine is shared,
			// and wall time grows with other processes' load.
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(len(inv.Services)), "services")
			b.ReportMetric(float64(policies), "policies")
			b.ReportMetric(float64(pairs), "pairs")
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(inv.Services)), "engineB/service")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(pairs), "ns/pair")
			if mtls == 0 || mtls == pairs {
				b.Errorf("%d of %d pairs are mtls; the generated mesh should mix outcomes", mtls, pairs)
			}
		})
	}
}

// cpuTime returns the user and system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEvaluateAllPairsParallel is the 500-namespace run split over
// GOMAXPROCS goroutines by client namespace: the engine is read-only once
// built.
func BenchmarkEvaluateAllPairsParallel(b *testing.B) {
	w, _ := genMesh(b, 500, 10)
	inv := &w.inv
	e := istio.NewEngine(inv, istio.Config{})
	var clients []istio.Client
	for _, n := range inv.Namespaces {
		if n.Name != "istio-system" {
			clients = append(clients, e.ClientOf(inventory.WorkloadRef{Namespace: n.Name, Kind: "Deployment", Name: "client"}))
		}
	}
	workers := runtime.GOMAXPROCS(0)
	pairs := 0
	for _, s := range inv.Services {
		pairs += len(s.Ports) * len(clients)
	}
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		for k := 0; k < workers; k++ {
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				for ci := k; ci < len(clients); ci += workers {
					for si := range inv.Services {
						for _, p := range inv.Services[si].Ports {
							if _, ok := e.EvaluateService(clients[ci], si, p.Port); !ok {
								panic("not evaluated")
							}
						}
					}
				}
			}(k)
		}
		wg.Wait()
	}
	b.StopTimer()
	b.ReportMetric(float64(pairs), "pairs")
	b.ReportMetric(float64(workers), "workers")
}

// BenchmarkNewEngine measures decoding and indexing the generated mesh.
func BenchmarkNewEngine(b *testing.B) {
	w, _ := genMesh(b, 500, 10)
	b.ResetTimer()
	for b.Loop() {
		istio.NewEngine(&w.inv, istio.Config{})
	}
}
