package evaluate

import (
	"testing"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// TestRefusedHandshakeIsNotAClientLetIn: a captured TLS 1.2 handshake in
// which the client sent no certificate fails MTLS only when it completed;
// one the server ended with an alert (the probe's own attempt without a
// certificate, as an in-cluster sensor records it) is the server refusing.
func TestRefusedHandshakeIsNotAClientLetIn(t *testing.T) {
	dst := &evidence.FlowEndpoint{Namespace: "b", Service: "api", Port: 8443}
	flow := func(encrypted bool) evidence.Flow {
		return evidence.Flow{Destination: dst, Encrypted: encrypted, Classification: map[bool]string{true: "tls", false: "tls-failed"}[encrypted],
			TLS: &evidence.FlowTLS{Version: "TLSv1.2", CipherSuite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", ClientCertificate: "not-sent"}}
	}
	for _, tt := range []struct {
		name      string
		encrypted bool
		want      matrix.Status
	}{
		{"completed without a certificate", true, matrix.Fail},
		{"refused by the server", false, matrix.NotTested},
	} {
		m, err := Evaluate(Input{Inventory: smallInventory(), Now: now, Evidence: Evidence{Flows: &evidence.FlowReport{Flows: []evidence.Flow{flow(tt.encrypted)}}}})
		if err != nil {
			t.Fatal(err)
		}
		if c := m.Rows[0].Cell(matrix.CheckClientCertificate); c.Status != tt.want {
			t.Errorf("%s: MTLS %s %q, want %s", tt.name, c.Status, c.Reason, tt.want)
		}
	}
}
