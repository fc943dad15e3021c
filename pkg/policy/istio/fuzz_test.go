package istio_test

import (
	"testing"

	"github.com/sc8scan/sc8scan/pkg/inventory"
)

var fuzzKinds = []struct{ apiVersion, kind string }{
	{"security.istio.io/v1", "PeerAuthentication"},
	{"networking.istio.io/v1", "DestinationRule"},
	{"networking.istio.io/v1", "VirtualService"},
	{"networking.istio.io/v1", "Gateway"},
	{"v1", "ConfigMap"},
	{"networking.istio.io/v1", "ServiceEntry"},
	{"gateway.networking.k8s.io/v1", "Gateway"},
	{"networking.istio.io/v1", "Sidecar"},
}

// FuzzEngine feeds arbitrary object bytes of each kind the engine decodes:
// it must never panic, and every path must still get a prediction.
func FuzzEngine(f *testing.F) {
	f.Add(uint8(0), []byte(`{"metadata":{"name":"a","namespace":"s"},"spec":{"selector":{"matchLabels":{"app":"srv"}},"mtls":{"mode":"STRICT"},"portLevelMtls":{"8080":{"mode":"DISABLE"}}}}`))
	f.Add(uint8(0), []byte(`{"metadata":{"name":"a","namespace":"istio-system","creationTimestamp":"x"},"spec":{"mtls":{"mode":7}}}`))
	f.Add(uint8(1), []byte(`{"metadata":{"name":"d","namespace":"c"},"spec":{"host":"*","exportTo":[".","~","s"],"trafficPolicy":{"tls":{"mode":"ISTIO_MUTUAL"},"portLevelSettings":[{"port":{"number":80}}]},"subsets":[{"name":"v1","labels":{"app":"srv"}}]}}`))
	f.Add(uint8(2), []byte(`{"metadata":{"name":"v","namespace":"s"},"spec":{"hosts":["srv"],"http":[{"route":[{"destination":{"host":"srv","subset":"v1"}}]}]}}`))
	f.Add(uint8(3), []byte(`{"metadata":{"name":"g","namespace":"s"},"spec":{"servers":[{"port":{"number":443,"protocol":"HTTPS"},"hosts":["*"],"tls":{"mode":"SIMPLE","minProtocolVersion":"TLSV1_0"}}]}}`))
	f.Add(uint8(4), []byte(`{"metadata":{"name":"istio","namespace":"istio-system"},"data":{"mesh":"enableAutoMtls: false\nrootNamespace: s\nmeshMTLS: {minProtocolVersion: TLSV1_3}"}}`))
	f.Add(uint8(5), []byte(`{"metadata":{"name":"se","namespace":"s"},"spec":{"hosts":["a.example.com"]}}`))
	f.Add(uint8(1), []byte(`{"spec":[]}`))
	f.Fuzz(func(t *testing.T, k uint8, raw []byte) {
		kind := fuzzKinds[int(k)%len(fuzzKinds)]
		fx := std(t)
		fx.w.inv.Objects = append(fx.w.inv.Objects,
			inventory.Object{APIVersion: kind.apiVersion, Kind: kind.kind, Namespace: "s", Name: "fuzz", Raw: raw},
			inventory.Object{APIVersion: kind.apiVersion, Kind: kind.kind, Namespace: "istio-system", Name: "istio", Raw: raw})
		e := fx.w.engine()
		for _, from := range []inventory.WorkloadRef{fx.client, fx.naked} {
			o, ok := e.Evaluate(e.ClientOf(from), fx.svc, 80)
			if !ok || o.Expected == "" || len(o.Reasons()) == 0 {
				t.Fatalf("no prediction for %s: %+v", from, o)
			}
		}
		_ = e.Mesh()
	})
}
