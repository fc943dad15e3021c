package evaluate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// pathEvidence is what the evidence says about one path.
type pathEvidence struct {
	probe    *evidence.ProbeResult
	probeID  string
	policy   *evidence.PolicyPath
	policyID string
	flows    []*evidence.Flow
	flowIDs  []string
	// refusal, when set, is the declared policy that explains why the
	// probe was reset on every connection (see meshRefusal).
	refusal string
	// mesh is a probe of the same port from inside the mesh, if any.
	mesh   *evidence.ProbeResult
	meshID string
}

// verdict is one evidence source's opinion on a cell.
type verdict struct {
	status   matrix.Status
	reason   string
	evidence []string
}

func set(cells []matrix.Cell, check string, vs ...verdict) {
	var kept []verdict
	for _, v := range vs {
		if v.status != "" {
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		return
	}
	var c *matrix.Cell
	for i := range cells {
		if cells[i].Check == check {
			c = &cells[i]
		}
	}
	if c == nil {
		return
	}
	// The worst opinion decides; the others' reasons follow it.
	w := 0
	for i, v := range kept {
		if matrix.Worst(kept[w].status, v.status) != kept[w].status {
			w = i
		}
	}
	kept[0], kept[w] = kept[w], kept[0]
	c.Status = kept[0].status
	var reasons []string
	var ev []string
	for _, v := range kept {
		reasons = append(reasons, v.reason)
		ev = append(ev, v.evidence...)
	}
	c.Reason = strings.Join(reasons, "; ")
	c.Evidence = ev
}

// decideRow decides the destination checks of row from the port's
// evidence: the probe, the port-level policy view and every flow to the
// port.
func (ix *index) decideRow(row *matrix.Row, pe pathEvidence, svc *inventory.Service) {
	d := row.Destination
	if svc.ExternalName != "" && pe.probe == nil {
		for i := range row.Cells {
			c := &row.Cells[i]
			c.Reason = "ExternalName service " + svc.ExternalName + " is outside the cluster; " + c.Reason
		}
	}
	prof := ix.in.Profile
	cs := row.Cells
	set(cs, matrix.CheckPlaintextRefused, probePlaintext(pe), policyPlaintext(pe, d))
	set(cs, matrix.CheckTLSMinVersion, probeMinVersion(pe, prof), flowVersions(pe, prof), ix.policyMinVersion(pe, prof))
	set(cs, matrix.CheckCipherSuites, probeSuites(pe, prof), probeExtensions(pe, prof), flowSuites(pe, prof), ix.policySuites(pe, prof))
	set(cs, matrix.CheckServerCertificate, ix.probeCertificate(pe))
	set(cs, matrix.CheckClientCertificate, probeClientAuth(pe), policyClientAuth(pe, d), flowClientCert(pe))
}

// decideClass decides the source checks of one class: its policy
// prediction, its members' traffic, the FIPS verdict of both ends and
// their agreement.
func (ix *index) decideClass(c *matrix.Class, pe pathEvidence, d matrix.Destination, fips verdict, external string) {
	if external != "" && pe.probe == nil {
		for i := range c.Cells {
			cell := &c.Cells[i]
			if cell.Check != matrix.CheckFIPSCrypto {
				cell.Reason = "ExternalName service " + external + " is outside the cluster; " + cell.Reason
			}
		}
	}
	cs := c.Cells
	set(cs, matrix.CheckMeshPolicy, meshPolicy(pe, d))
	set(cs, matrix.CheckEncryptedOnWire, ix.flowEncrypted(pe))
	set(cs, matrix.CheckFIPSCrypto, fips)
	set(cs, matrix.CheckPolicyObservation, agreement(pe, d))
}

// probeReady says whether the probe result can speak to TLS matters, or
// the verdict to record when it cannot.
func probeTLS(pe pathEvidence) (*evidence.TLSProbe, verdict, bool) {
	if pe.probe == nil {
		return nil, verdict{}, false
	}
	t := &pe.probe.TLS
	if !t.Tested && pe.refusal != "" {
		return nil, verdict{matrix.NotTested, fmt.Sprintf("refused from outside the mesh; needs an in-mesh vantage (every connection from %s was reset, as %s declares)", vantage(pe.probe), pe.refusal), []string{pe.probeID, pe.policyID}}, false
	}
	if !t.Tested {
		return nil, verdict{matrix.Error, "probe could not test TLS: " + errs(pe.probe), []string{pe.probeID}}, false
	}
	return t, verdict{}, true
}

// meshRefusal explains a probe that was reset on every connection by the
// declared policy, or returns "": a meshed server (sidecar or ambient) in
// mode STRICT with no plaintext way in turns away a client from outside the
// mesh before anything is said, which is the refusal the policy declares
// (ztunnel for ambient; a sidecar's inbound listener, which has no filter
// chain for cleartext under STRICT). Anything else that resets every
// connection stays an ERROR: nothing declared says why.
func meshRefusal(pe pathEvidence, d matrix.Destination) string {
	r, p := pe.probe, pe.policy
	if r == nil || p == nil || !r.ResetAll || r.TLS.Tested || r.Plaintext.Tested {
		return ""
	}
	if !meshedDestination(d) || p.Server.Mode != "STRICT" || p.PlaintextAccepted {
		return ""
	}
	if m := pe.mesh; m != nil {
		if m.ResetAll {
			// Refused from inside the mesh too: the policy does not
			// explain it; the port is not answering anyone.
			return ""
		}
		if m.TLS.Tested || m.Plaintext.Tested {
			return fmt.Sprintf("%s mode STRICT%s (a client inside the mesh, %s, was answered)", d.Mesh, by(p.Server.Policy), vantage(m))
		}
	}
	return fmt.Sprintf("%s mode STRICT%s", d.Mesh, by(p.Server.Policy))
}

func errs(r *evidence.ProbeResult) string {
	if len(r.Errors) == 0 {
		return "no reason given"
	}
	return strings.Join(r.Errors, "; ")
}

func target(r *evidence.ProbeResult) string {
	return fmt.Sprintf("%s:%d", r.Target.Host, r.Target.Port)
}

func probePlaintext(pe pathEvidence) verdict {
	r := pe.probe
	if r == nil {
		return verdict{}
	}
	ev := []string{pe.probeID}
	switch {
	case !r.Plaintext.Tested && pe.refusal != "":
		return verdict{matrix.Pass, fmt.Sprintf("probe from %s: every connection to %s was reset before any answer, TLS and cleartext alike: the refusal that %s declares", vantage(r), target(r), pe.refusal), append(ev, pe.policyID)}
	case !r.Plaintext.Tested:
		return verdict{matrix.Error, "probe could not test plaintext: " + errs(r), ev}
	case r.Plaintext.Accepted:
		proto := r.Plaintext.Protocol
		if proto == "" {
			proto = "cleartext"
		}
		return verdict{matrix.Fail, fmt.Sprintf("probe from %s: %s accepted in plaintext on %s (%s)", vantage(r), proto, target(r), r.Plaintext.Evidence), ev}
	}
	how := "cleartext request refused"
	if r.Plaintext.Evidence != "" {
		how += ": " + r.Plaintext.Evidence
	}
	return verdict{matrix.Pass, fmt.Sprintf("probe from %s: %s", vantage(r), how), ev}
}

func vantage(r *evidence.ProbeResult) string {
	if r.Vantage == "" {
		return "out-of-mesh vantage"
	}
	return r.Vantage
}

// meshedDestination reports whether every workload behind the
// destination is in the mesh (sidecar or ambient).
func meshedDestination(d matrix.Destination) bool {
	for _, k := range strings.Split(d.Mesh, ",") {
		if k != inventory.MeshSidecar && k != inventory.MeshAmbient {
			return false
		}
	}
	return d.Mesh != ""
}

func policyPlaintext(pe pathEvidence, d matrix.Destination) verdict {
	p := pe.policy
	if p == nil || pe.probe != nil || !meshedDestination(d) {
		return verdict{} // the probe's observation decides when there is one
	}
	ev := []string{pe.policyID}
	if p.PlaintextAccepted {
		return verdict{matrix.Fail, fmt.Sprintf("declared: server mode %s%s lets an out-of-mesh client in over plaintext (not probed)", p.Server.Mode, by(p.Server.Policy)), ev}
	}
	if p.Server.Mode == "STRICT" {
		return verdict{matrix.Pass, fmt.Sprintf("declared: server mode STRICT%s refuses plaintext (not probed)", by(p.Server.Policy)), ev}
	}
	return verdict{}
}

func by(policy string) string {
	if policy == "" {
		return ""
	}
	return " by " + policy
}

func probeMinVersion(pe pathEvidence, prof *cryptoref.Profile) verdict {
	t, v, ok := probeTLS(pe)
	if !ok {
		return v
	}
	ev := []string{pe.probeID}
	if !t.Offered {
		return verdict{matrix.Fail, "probe: the port offers no TLS" + starttlsNote(pe.probe), ev}
	}
	var low, all []string
	for _, ver := range t.Versions {
		all = append(all, ver.Version)
		if cryptoref.VersionRank(ver.Version) < cryptoref.VersionRank(prof.MinVersion) {
			low = append(low, ver.Version)
		}
	}
	if len(all) == 0 {
		return verdict{matrix.Error, "probe: TLS offered but no version enumerated: " + errs(pe.probe), ev}
	}
	if len(low) > 0 {
		return verdict{matrix.Fail, fmt.Sprintf("probe: accepts %s, below the %s minimum %s", strings.Join(low, ", "), prof.Name, prof.MinVersion), ev}
	}
	if !t.Enumerated {
		return verdict{matrix.NotTested, "probe: saw only " + strings.Join(all, ", ") + ", but version enumeration did not complete, so a lower version may still be accepted" + enumErr(pe.probe), ev}
	}
	return verdict{matrix.Pass, "probe: accepts only " + strings.Join(all, ", "), ev}
}

func enumErr(r *evidence.ProbeResult) string {
	if len(r.Errors) == 0 {
		return ""
	}
	return " (" + strings.Join(r.Errors, "; ") + ")"
}

func starttlsNote(r *evidence.ProbeResult) string {
	if r.Plaintext.Accepted && r.Plaintext.Protocol != "" {
		return " (speaks " + r.Plaintext.Protocol + " in cleartext)"
	}
	return ""
}

func probeSuites(pe pathEvidence, prof *cryptoref.Profile) verdict {
	t, v, ok := probeTLS(pe)
	if !ok {
		return v
	}
	ev := []string{pe.probeID}
	if !t.Offered {
		return verdict{matrix.NA, "probe: no TLS on the port, so no cipher suite", ev}
	}
	var bad, transitional []string
	n := 0
	for _, ver := range t.Versions {
		for _, s := range ver.CipherSuites {
			n++
			j := prof.CipherSuite(s)
			switch {
			case !j.Allowed:
				bad = append(bad, ver.Version+" "+s)
			case j.Transitional:
				transitional = append(transitional, ver.Version+" "+s)
			}
		}
	}
	badSig := refused(t, prof.Name, "signatureAlgorithm")
	switch {
	case n == 0:
		return verdict{matrix.Error, "probe: TLS offered but no cipher suite enumerated: " + errs(pe.probe), ev}
	case len(bad) > 0:
		return verdict{matrix.Fail, fmt.Sprintf("probe: %d of %d accepted suites not approved by %s: %s", len(bad), n, prof.Name, list(bad, 4)), ev}
	case len(badSig) > 0:
		return verdict{matrix.Fail, fmt.Sprintf("probe: the server signs with signature algorithms %s does not approve: %s", prof.Name, list(badSig, 3)), ev}
	case !t.Enumerated:
		return verdict{matrix.NotTested, fmt.Sprintf("probe: the %d suites seen are approved, but suite enumeration did not complete%s", n, enumErr(pe.probe)), ev}
	case len(transitional) > 0:
		return verdict{matrix.Warn, fmt.Sprintf("probe: %d transitional suites (SP 800-52r2 Appendix D, RSA key transport): %s", len(transitional), list(transitional, 4)), ev}
	}
	return verdict{matrix.Pass, fmt.Sprintf("probe: all %d accepted suites approved by %s", n, prof.Name), ev}
}

// refused lists the items of kind that the profile named prof refused in
// the probe's own judgement, as "value (source)".
func refused(t *evidence.TLSProbe, prof, kind string) []string {
	var out []string
	for _, pr := range t.Profiles {
		if pr.Profile != prof {
			continue
		}
		for _, it := range pr.Items {
			if it.Kind == kind && !it.Allowed && !strings.Contains(it.Note, "derived") {
				v := it.Value
				if it.Source != "" {
					v += " (" + it.Source + ")"
				}
				out = append(out, v)
			}
		}
	}
	return out
}

func list(xs []string, max int) string {
	if len(xs) <= max {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:max], ", ") + fmt.Sprintf(" and %d more", len(xs)-max)
}

func (ix *index) probeCertificate(pe pathEvidence) verdict {
	t, v, ok := probeTLS(pe)
	if !ok {
		return v
	}
	ev := []string{pe.probeID}
	if !t.Offered {
		return verdict{matrix.NA, "probe: no TLS on the port, so no server certificate", ev}
	}
	if len(t.Certificates) == 0 {
		return verdict{matrix.Error, "probe: TLS offered but no certificate collected: " + errs(pe.probe), ev}
	}
	leaf := t.Certificates[0]
	now := ix.in.Now
	switch {
	case now.After(leaf.NotAfter):
		return verdict{matrix.Fail, fmt.Sprintf("probe: server certificate %q expired on %s", leaf.Subject, leaf.NotAfter.Format("2006-01-02")), ev}
	case now.Before(leaf.NotBefore):
		return verdict{matrix.Fail, fmt.Sprintf("probe: server certificate %q not valid before %s", leaf.Subject, leaf.NotBefore.Format("2006-01-02")), ev}
	}
	if bad := refused(t, ix.in.Profile.Name, "certificate"); len(bad) > 0 {
		return verdict{matrix.Fail, fmt.Sprintf("probe: the chain of %q does not meet %s: %s", leaf.Subject, ix.in.Profile.Name, list(bad, 3)), ev}
	}
	vf := t.Verification
	if vf == nil || !vf.Checked {
		return verdict{matrix.NotTested, fmt.Sprintf("probe: certificate %q is within its validity (until %s), but no CA bundle was given to verify the chain (--ca)", leaf.Subject, leaf.NotAfter.Format("2006-01-02")), ev}
	}
	if !vf.Trusted {
		return verdict{matrix.Fail, fmt.Sprintf("probe: chain of %q does not lead to an accepted trust anchor: %s", leaf.Subject, vf.Error), ev}
	}
	if !vf.HostnameMatch {
		return verdict{matrix.Fail, fmt.Sprintf("probe: certificate %q does not name %s (SANs: %s)", leaf.Subject, vf.Name, list(leaf.SANs, 4)), ev}
	}
	return verdict{matrix.Pass, fmt.Sprintf("probe: chain trusted, names %s, valid until %s, %s %d-bit", vf.Name, leaf.NotAfter.Format("2006-01-02"), leaf.KeyType, leaf.KeyBits), ev}
}

func probeClientAuth(pe pathEvidence) verdict {
	t, v, ok := probeTLS(pe)
	if !ok {
		return v
	}
	ev := []string{pe.probeID}
	if !t.Offered {
		return verdict{matrix.Fail, "probe: no TLS on the port, so no client authentication", ev}
	}
	detail := ""
	if t.ClientAuthEvidence != "" {
		detail = " (" + t.ClientAuthEvidence + ")"
	}
	switch t.ClientAuth {
	case "required":
		return verdict{matrix.Pass, "probe: a client without a certificate is refused" + detail, ev}
	case "optional":
		return verdict{matrix.Fail, "probe: a client certificate is requested but not required" + detail, ev}
	case "none":
		return verdict{matrix.Fail, "probe: no client certificate is requested" + detail, ev}
	}
	return verdict{matrix.NotTested, "probe: client authentication could not be determined" + detail, ev}
}

func policyClientAuth(pe pathEvidence, d matrix.Destination) verdict {
	p := pe.policy
	if p == nil || pe.probe != nil || !meshedDestination(d) {
		return verdict{}
	}
	ev := []string{pe.policyID}
	switch {
	case p.Expected == "mtls" && p.Server.Mode == "STRICT":
		return verdict{matrix.Pass, "declared: mutual TLS with server mode STRICT" + by(p.Server.Policy) + " (not probed)", ev}
	case p.Expected == "mtls":
		return verdict{matrix.Warn, fmt.Sprintf("declared: mutual TLS from in-mesh clients, but server mode %s%s does not require it of others (not probed)", p.Server.Mode, by(p.Server.Policy)), ev}
	case p.Expected == "plaintext" || p.Expected == "tls":
		if p.Server.Mode == "NONE" && p.Client.Mode == "NONE" {
			return verdict{}
		}
		return verdict{matrix.Fail, "declared: the path is " + p.Expected + ", with no client certificate (not probed)", ev}
	}
	return verdict{}
}

func flowClientCert(pe pathEvidence) verdict {
	var sent, notSent int
	for _, f := range pe.flows {
		// A handshake the server broke off (an alert, no encrypted
		// records) is a client turned away, not one let in without a
		// certificate: a server that requires one does exactly that.
		if f.TLS == nil || !f.Encrypted {
			continue
		}
		switch f.TLS.ClientCertificate {
		case "sent":
			sent++
		case "not-sent":
			notSent++
		}
	}
	switch {
	case notSent > 0:
		return verdict{matrix.Fail, fmt.Sprintf("capture: %d TLS flows completed without a client certificate", notSent), pe.flowIDs}
	case sent > 0 && pe.probe == nil:
		return verdict{matrix.Pass, fmt.Sprintf("capture: client certificate sent on %d TLS flows", sent), pe.flowIDs}
	}
	return verdict{}
}

func flowVersions(pe pathEvidence, prof *cryptoref.Profile) verdict {
	var low, seen []string
	got := map[string]bool{}
	for _, f := range pe.flows {
		if f.TLS == nil || f.TLS.Version == "" || got[f.TLS.Version] {
			continue
		}
		got[f.TLS.Version] = true
		seen = append(seen, f.TLS.Version)
		if r := cryptoref.VersionRank(f.TLS.Version); r >= 0 && r < cryptoref.VersionRank(prof.MinVersion) {
			low = append(low, f.TLS.Version)
		}
	}
	switch {
	case len(low) > 0:
		return verdict{matrix.Fail, "capture: traffic negotiated " + strings.Join(low, ", ") + ", below " + prof.MinVersion, pe.flowIDs}
	case len(seen) > 0 && pe.probe == nil:
		return verdict{matrix.Pass, "capture: traffic negotiated " + strings.Join(seen, ", "), pe.flowIDs}
	}
	return verdict{}
}

func flowSuites(pe pathEvidence, prof *cryptoref.Profile) verdict {
	var bad, seen []string
	got := map[string]bool{}
	for _, f := range pe.flows {
		if f.TLS == nil || f.TLS.CipherSuite == "" || got[f.TLS.CipherSuite] {
			continue
		}
		got[f.TLS.CipherSuite] = true
		seen = append(seen, f.TLS.CipherSuite)
		if !prof.CipherSuite(f.TLS.CipherSuite).Allowed {
			bad = append(bad, f.TLS.CipherSuite)
		}
	}
	switch {
	case len(bad) > 0:
		return verdict{matrix.Fail, "capture: traffic negotiated suites not approved by " + prof.Name + ": " + list(bad, 4), pe.flowIDs}
	case len(seen) > 0 && pe.probe == nil:
		return verdict{matrix.Pass, "capture: traffic negotiated " + list(seen, 4), pe.flowIDs}
	}
	return verdict{}
}

func (ix *index) policyMinVersion(pe pathEvidence, prof *cryptoref.Profile) verdict {
	p := pe.policy
	if p == nil || p.Expected != "mtls" || pe.probe != nil {
		return verdict{}
	}
	min := "TLSV1_2"
	src := "Istio's default for mesh mTLS"
	if m := ix.in.Evidence.Policy.Mesh; m != nil && m.MinProtocolVersion != "" {
		min, src = m.MinProtocolVersion, "meshMTLS.minProtocolVersion"
	}
	v := strings.Replace(strings.Replace(min, "TLSV1_", "TLSv1.", 1), "TLS_AUTO", "TLSv1.2", 1)
	if cryptoref.VersionRank(v) < cryptoref.VersionRank(prof.MinVersion) {
		return verdict{matrix.Fail, fmt.Sprintf("declared: mesh mTLS minimum %s (%s), below %s", min, src, prof.MinVersion), []string{pe.policyID}}
	}
	return verdict{matrix.Pass, fmt.Sprintf("declared: mesh mTLS minimum %s (%s) (not probed)", min, src), []string{pe.policyID}}
}

func (ix *index) policySuites(pe pathEvidence, prof *cryptoref.Profile) verdict {
	p := pe.policy
	if p == nil || p.Expected != "mtls" || pe.probe != nil {
		return verdict{}
	}
	ev := []string{pe.policyID}
	m := ix.in.Evidence.Policy.Mesh
	if m != nil && strings.HasPrefix(m.CompliancePolicy, "fips-140") {
		return verdict{matrix.Pass, "declared: istiod COMPLIANCE_POLICY=" + m.CompliancePolicy + " limits mesh suites (not probed)", ev}
	}
	if m != nil && len(m.CipherSuites) > 0 {
		var bad, transitional []string
		for _, s := range m.CipherSuites {
			name, ok := cryptoref.SuiteIANAName(s)
			if !ok {
				name = s
			}
			switch j := prof.CipherSuite(name); {
			case !j.Allowed:
				bad = append(bad, name)
			case j.Transitional:
				transitional = append(transitional, name)
			}
		}
		switch {
		case len(bad) > 0:
			return verdict{matrix.Fail, "declared: mesh TLS suites include suites not approved by " + prof.Name + ": " + list(bad, 4), ev}
		case len(transitional) > 0:
			return verdict{matrix.Warn, "declared: mesh TLS suites include transitional RSA key transport (SP 800-52r2 Appendix D): " + list(transitional, 4) + "; set meshMTLS.cipherSuites or COMPLIANCE_POLICY (not probed)", ev}
		}
		return verdict{matrix.Pass, "declared: mesh TLS suites all approved by " + prof.Name + " (not probed)", ev}
	}
	return verdict{matrix.Warn, "declared: Istio's default mesh TLS 1.2 suites include RSA key transport (SP 800-52r2 Appendix D); set meshMTLS.cipherSuites or COMPLIANCE_POLICY (not probed)", ev}
}

func meshPolicy(pe pathEvidence, d matrix.Destination) verdict {
	p := pe.policy
	if p == nil {
		return verdict{}
	}
	ev := []string{pe.policyID}
	reasons := ""
	if len(p.Reasons) > 0 {
		reasons = ": " + strings.Join(p.Reasons, "; ")
	}
	if !meshedDestination(d) {
		return verdict{matrix.NA, "the server is not in the mesh, so the mesh cannot enforce mutual TLS to it; transport security rests on the application's own TLS (see the probe cells)", ev}
	}
	switch {
	case p.Expected == "mtls" && !p.PlaintextAccepted:
		return verdict{matrix.Pass, fmt.Sprintf("mutual TLS, server %s%s, client %s%s", p.Server.Mode, by(p.Server.Policy), p.Client.Mode, by(p.Client.Policy)), ev}
	case p.Expected == "mtls":
		return verdict{matrix.Fail, fmt.Sprintf("mutual TLS between meshed workloads, but server mode %s%s also accepts plaintext", p.Server.Mode, by(p.Server.Policy)), ev}
	case p.Expected == "broken":
		// Nothing flows in cleartext on a broken path: the mesh refuses it.
		// It is an availability problem to look at, not a disclosure.
		return verdict{matrix.Warn, "refused by the mesh: nothing flows in cleartext, but the path does not work" + reasons, ev}
	}
	return verdict{matrix.Fail, fmt.Sprintf("the mesh sends this path as %s (server %s, client %s)%s", p.Expected, p.Server.Mode, p.Client.Mode, reasons), ev}
}

func (ix *index) flowEncrypted(pe pathEvidence) verdict {
	if ix.in.Evidence.Flows == nil {
		return verdict{}
	}
	if len(pe.flows) == 0 {
		return verdict{matrix.NotTested, "capture: no traffic on this path in the capture", nil}
	}
	var plain, enc, unknown int
	protos := map[string]bool{}
	for _, f := range pe.flows {
		switch {
		case f.Encrypted:
			enc++
		case f.Plaintext != nil && f.Plaintext.Protocol != "":
			plain++
			protos[f.Plaintext.Protocol] = true
		default:
			unknown++
		}
	}
	switch {
	case plain > 0:
		var ps []string
		for p := range protos {
			ps = append(ps, p)
		}
		sort.Strings(ps)
		return verdict{matrix.Fail, fmt.Sprintf("capture: %d of %d flows in cleartext (%s)", plain, len(pe.flows), strings.Join(ps, ", ")), pe.flowIDs}
	case enc > 0:
		return verdict{matrix.Pass, fmt.Sprintf("capture: %d of %d flows encrypted", enc, len(pe.flows)), pe.flowIDs}
	}
	return verdict{matrix.NotTested, fmt.Sprintf("capture: %d flows seen, none classified", unknown), pe.flowIDs}
}

// endVerdict rolls up one end: the weakest verdict of its crypto-using
// images.
func (ix *index) endVerdict(end string, ws []*inventory.Workload) (string, string, []string) {
	r := ix.in.Evidence.Images
	var refs []string
	for _, w := range ws {
		if w != nil {
			refs = append(refs, w.Images()...)
		}
	}
	if len(refs) == 0 {
		return "unknown", end + ": no workload or image known", nil
	}
	rank := map[string]int{"not-validated": 4, "error": 3, "unknown": 2, "validated": 1, "no-crypto": 0}
	worst, worstRef := "", ""
	var ev []string
	var uninspected []string
	var why string
	for _, ref := range refs {
		idx, ok := ix.images[ref]
		if !ok {
			uninspected = append(uninspected, ref)
			continue
		}
		// The same image under several pod environments: the weakest
		// verdict counts.
		for _, i := range idx {
			im := r.Images[i]
			ev = append(ev, fmt.Sprintf("%s#images[%d]", ImageDoc, i))
			v := im.Verdict
			if _, known := rank[v]; !known {
				v = "unknown"
			}
			if v == "unknown" && len(im.Errors) > 0 && !strings.HasPrefix(im.Errors[0], "not inspected") {
				v = "error" // the inspection itself failed
			}
			if worst == "" || rank[v] > rank[worst] {
				worst, worstRef, why = v, im.Ref, ""
				if len(im.Errors) > 0 {
					why = ": " + im.Errors[0]
				}
			}
		}
	}
	if len(uninspected) > 0 && (worst == "" || rank[worst] < rank["unknown"]) {
		return "unknown", fmt.Sprintf("%s: image %s not inspected", end, uninspected[0]), ev
	}
	switch worst {
	case "no-crypto":
		return "unknown", end + ": no crypto module found in its images (the crypto may live in an injected proxy)", ev
	case "validated":
		return worst, end + ": every crypto-using binary uses a CMVP-validated module", ev
	}
	return worst, fmt.Sprintf("%s: %s is %s%s", end, worstRef, worst, why), ev
}

// agreement compares what the policy predicts with what probes and captures
// saw. Observation weaker than declaration is a FAIL; stronger is a WARN.
func agreement(pe pathEvidence, d matrix.Destination) verdict {
	p := pe.policy
	if p == nil {
		return verdict{}
	}
	if !meshedDestination(d) {
		return verdict{matrix.NA, "the server is not in the mesh, so the policy makes no claim about what it accepts", []string{pe.policyID}}
	}
	if pe.probe == nil && len(pe.flows) == 0 {
		return verdict{}
	}
	ev := append([]string{pe.policyID}, pe.flowIDs...)
	var fails, warns, agrees []string
	if r := pe.probe; r != nil {
		ev = append(ev, pe.probeID)
		if pe.refusal != "" {
			agrees = append(agrees, "every connection from outside the mesh was reset, as "+pe.refusal+" declares")
		}
		if r.Plaintext.Tested {
			switch {
			case r.Plaintext.Accepted && !p.PlaintextAccepted:
				fails = append(fails, fmt.Sprintf("policy says plaintext is refused (server %s%s) but the probe got in over %s", p.Server.Mode, by(p.Server.Policy), r.Plaintext.Protocol))
			case !r.Plaintext.Accepted && p.PlaintextAccepted:
				warns = append(warns, "policy says plaintext is accepted but the probe was refused")
			default:
				agrees = append(agrees, fmt.Sprintf("plaintext accepted=%v as declared", r.Plaintext.Accepted))
			}
		}
		if r.TLS.Tested && p.Expected == "mtls" && p.Server.Mode == "STRICT" {
			if r.TLS.ClientAuth == "required" {
				agrees = append(agrees, "client certificate required as STRICT declares")
			} else if r.TLS.ClientAuth == "none" || r.TLS.ClientAuth == "optional" {
				fails = append(fails, "policy says STRICT mutual TLS but the probe saw client auth "+r.TLS.ClientAuth)
			}
		}
	}
	for _, f := range pe.flows {
		if f.Plaintext != nil && f.Plaintext.Protocol != "" && (p.Expected == "mtls" || p.Expected == "tls") {
			fails = append(fails, fmt.Sprintf("policy expects %s but the capture saw %s in cleartext (%s -> %s)", p.Expected, f.Plaintext.Protocol, f.Client, f.Server))
			break
		}
	}
	switch {
	case len(fails) > 0:
		return verdict{matrix.Fail, strings.Join(fails, "; "), ev}
	case len(warns) > 0:
		return verdict{matrix.Warn, strings.Join(warns, "; "), ev}
	case len(agrees) > 0:
		return verdict{matrix.Pass, strings.Join(agrees, "; "), ev}
	}
	return verdict{}
}
