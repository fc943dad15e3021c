package evidence_test

import (
	"fmt"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/internal/schematest"
)

// Schema returns the JSON Schema a document of a kind must satisfy.
func ExampleSchema() {
	s, err := evidence.Schema(evidence.KindPolicyReport)
	if err != nil {
		panic(err)
	}
	doc := []byte(`{"apiVersion": "sc8scan.dev/v1alpha2", "kind": "PolicyReport",
	  "scanner": {"name": "sc8scan", "version": "v0.1.0", "goVersion": "go1.26", "cryptoBackend": "go-std"},
	  "groups": [{"id": "8a0e5cf2-3f5b-5d1e-9a4b-0c1d2e3f4a5b", "members": [{"namespace": "shop", "kind": "Deployment", "workload": "frontend", "mesh": "sidecar"}]}],
	  "ports": [{"destination": {"namespace": "payments", "service": "api", "port": 8443, "targetPort": 8443},
	    "server": {"mode": "STRICT"}, "plaintextAccepted": false,
	    "classes": [{"group": "8a0e5cf2-3f5b-5d1e-9a4b-0c1d2e3f4a5b", "mesh": "sidecar", "server": {"mode": "STRICT"}, "client": {"mode": "ISTIO_MUTUAL"},
	      "expected": "mtls", "plaintextAccepted": false, "reasons": null}]}]}`)
	fmt.Println(schematest.Check(s, doc) == nil)
	// Output: true
}
