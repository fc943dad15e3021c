package report

import (
	"strings"

	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// Severity is the risk rating a failing check carries in the POA&M (and
// the SARIF rule's properties), which sets its remediation deadline.
type Severity string

// Severities, with FedRAMP's remediation deadlines.
const (
	High     Severity = "High"     // 30 days
	Moderate Severity = "Moderate" // 90 days
	Low      Severity = "Low"      // 180 days
)

// Days is the number of days FedRAMP allows to remediate a weakness of
// this severity.
func (s Severity) Days() int {
	switch s {
	case High:
		return 30
	case Moderate:
		return 90
	}
	return 180
}

// CheckSeverity returns the severity of a failing check:
//
//   - High: plaintext accepted or seen on the wire (plaintext-refused,
//     encrypted-on-wire): data crosses the network readable by anyone on
//     the path, the SC-8 objective itself is lost.
//   - Moderate: the channel is encrypted but weaker than required
//     (tls-min-version, cipher-suites-approved, server-certificate,
//     client-certificate-required, mesh-policy-enforcing,
//     fips-validated-crypto): exploiting it takes an active attacker or a
//     further weakness.
//   - Low: policy-observation-agree, a disagreement between declared and
//     observed state that other cells already rate.
//
// An unknown check is Moderate.
func CheckSeverity(check string) Severity {
	switch check {
	case matrix.CheckPlaintextRefused, matrix.CheckEncryptedOnWire:
		return High
	case matrix.CheckPolicyObservation:
		return Low
	}
	return Moderate
}

// remediation is the plan a POA&M row proposes for a failing check.
var remediation = map[string]string{
	matrix.CheckPlaintextRefused:  "Refuse cleartext on the port: serve TLS only, or enforce mesh mTLS (PeerAuthentication STRICT) so that no out-of-mesh client is answered in plaintext.",
	matrix.CheckTLSMinVersion:     "Disable protocol versions below TLS 1.2 on the server (SP 800-52r2 section 3.1).",
	matrix.CheckCipherSuites:      "Restrict the server to cipher suites approved by the profile (SP 800-52r2 section 3.3.1, FIPS-approved algorithms).",
	matrix.CheckServerCertificate: "Issue the server a certificate from an accepted CA, within its validity period and naming the service; rotate before expiry.",
	matrix.CheckClientCertificate: "Require client certificates (mTLS) on the port, through the mesh (STRICT) or the server's TLS configuration.",
	matrix.CheckMeshPolicy:        "Set the mesh policy for the destination to STRICT mutual TLS with no PERMISSIVE or DISABLE fallback.",
	matrix.CheckEncryptedOnWire:   "Make the client use TLS (or enrol both ends in the mesh) so that no cleartext flows on the path.",
	matrix.CheckFIPSCrypto:        "Rebuild the images with a FIPS 140-3 validated crypto module (GOFIPS140, an OpenSSL FIPS provider) and enable it.",
	matrix.CheckPolicyObservation: "Reconcile the declared mesh policy with what the port does, then re-run the scan.",
}

// controlNames renders control ids the way a POA&M names them: "sc-8.1"
// as "SC-8(1)".
func controlNames(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		base, enh, ok := strings.Cut(strings.ToUpper(id), ".")
		if ok {
			base += "(" + enh + ")"
		}
		out[i] = base
	}
	return strings.Join(out, ", ")
}

// evidenceDoc returns the document id of an evidence id
// ("probe-report#results[3]" -> "probe-report").
func evidenceDoc(id string) string {
	doc, _, _ := strings.Cut(id, "#")
	return doc
}

// needsAttention reports whether a cell is listed as a finding.
func needsAttention(s matrix.Status) bool {
	return s == matrix.Fail || s == matrix.Error || s == matrix.Warn
}

// expiredWaiver reports whether the cell matched a waiver that had
// expired (evaluate leaves it FAIL or WARN and marks the waiver id).
func expiredWaiver(c matrix.Cell) bool {
	return strings.HasSuffix(c.Waiver, "(expired)")
}
