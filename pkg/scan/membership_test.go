package scan_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/scan"
)

// TestUninjectedPodIsNotMeshed: a pod running without istio-proxy in a
// namespace labelled istio-injection=enabled, behind a STRICT
// PeerAuthentication, speaks plaintext to everyone. Its POLICY cell must not
// pass on the namespace label's word.
func TestUninjectedPodIsNotMeshed(t *testing.T) {
	dir := t.TempDir()
	dump := `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: shop}
spec: {mtls: {mode: STRICT}}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}, annotations: {sidecar.istio.io/status: '{"containers":["istio-proxy"]}'}}
spec: {containers: [{name: app, image: client:1}, {name: istio-proxy, image: proxyv2:1.28}]}
status: {podIP: 198.18.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: app, image: web:1, ports: [{containerPort: 8080}]}]}
status: {podIP: 198.18.0.3}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
`
	if err := os.WriteFile(filepath.Join(dir, "dump.yaml"), []byte(dump), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := scan.Run(context.Background(), scan.Options{From: dir, Policy: true})
	if err != nil {
		t.Fatal(err)
	}
	c := findCell(t, res.Matrix, "shop/client", "shop/web:80", matrix.CheckMeshPolicy)
	if c.Status == matrix.Pass {
		t.Errorf("POLICY = PASS %q for a server pod without a proxy", c.Reason)
	}
	p := findCell(t, res.Matrix, "shop/client", "shop/web:80", matrix.CheckPlaintextRefused)
	if p.Status == matrix.Pass {
		t.Errorf("PLAIN = PASS %q for a server pod without a proxy", p.Reason)
	}
}
