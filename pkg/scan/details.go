package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evaluate"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/report"
)

// Details returns what the evidence documents say of each piece a cell
// cites ("probe-report#results[3]", "policy-report#ports[2].classes[1]",
// "flow-report#flows[7]", "image-report#images[0]"), for the HTML page's
// row details: a probe's versions, suites, groups, signature algorithms,
// certificate chain and client-auth evidence; a policy prediction's modes
// and reasons; a flow's handshake; an image's binaries and their modules.
// Payloads and secrets are never in the evidence, and so never here. A
// reference to a missing document or index gives false.
func Details(ev evaluate.Evidence) func(ref string) (report.Detail, bool) {
	return func(ref string) (report.Detail, bool) {
		doc, path, ok := strings.Cut(ref, "#")
		if !ok {
			return report.Detail{}, false
		}
		idx := indexes(path)
		switch {
		case doc == evaluate.ProbeDoc && ev.Probes != nil && len(idx) == 1 && idx[0].name == "results" && idx[0].i < len(ev.Probes.Results):
			return probeDetail(&ev.Probes.Results[idx[0].i]), true
		case doc == evaluate.FlowDoc && ev.Flows != nil && len(idx) == 1 && idx[0].name == "flows" && idx[0].i < len(ev.Flows.Flows):
			return flowDetail(&ev.Flows.Flows[idx[0].i]), true
		case doc == evaluate.ImageDoc && ev.Images != nil && len(idx) == 1 && idx[0].name == "images" && idx[0].i < len(ev.Images.Images):
			return imageDetail(&ev.Images.Images[idx[0].i]), true
		case doc == evaluate.PolicyDoc && ev.Policy != nil && len(idx) >= 1 && idx[0].name == "ports" && idx[0].i < len(ev.Policy.Ports):
			port := &ev.Policy.Ports[idx[0].i]
			if len(idx) == 1 {
				return policyPortDetail(port), true
			}
			if len(idx) == 2 && idx[1].name == "classes" && idx[1].i < len(port.Classes) {
				return policyClassDetail(port, &port.Classes[idx[1].i]), true
			}
		}
		return report.Detail{}, false
	}
}

type index struct {
	name string
	i    int
}

// indexes parses "ports[2].classes[1]"; anything else gives nil.
func indexes(path string) []index {
	var out []index
	for _, part := range strings.Split(path, ".") {
		name, rest, ok := strings.Cut(part, "[")
		if !ok || !strings.HasSuffix(rest, "]") {
			return nil
		}
		i, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
		if err != nil || i < 0 {
			return nil
		}
		out = append(out, index{name, i})
	}
	return out
}

// facts collects labelled lines, leaving out empty values.
type facts []report.Fact

func (f *facts) add(label, value string) {
	if value != "" {
		*f = append(*f, report.Fact{Label: label, Value: value})
	}
}

// once adds a fact the page may leave out where the row already says it.
func (f *facts) once(label, value string) {
	if value != "" {
		*f = append(*f, report.Fact{Label: label, Value: value, Once: true})
	}
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func probeDetail(r *evidence.ProbeResult) report.Detail {
	var f facts
	target := r.Target.Host + ":" + strconv.Itoa(r.Target.Port)
	if s := r.Target.Service; s != nil {
		f.add("Service port", fmt.Sprintf("%s/%s:%d", s.Namespace, s.Name, s.Port))
	}
	f.add("Server name sent", r.Target.ServerName)
	f.add("Vantage", r.Vantage+yesNo(r.InMesh != "", " (inside the mesh, "+r.InMesh+")", ""))
	if !r.Started.IsZero() {
		f.add("Probed", r.Started.UTC().Format(time.RFC3339)+" for "+r.Duration)
	}
	if r.ResetAll {
		f.add("Connections", "every connection, TLS and cleartext, reset or closed before any answer")
	}
	switch {
	case !r.Plaintext.Tested:
		f.add("Cleartext", "not tested")
	case r.Plaintext.Accepted:
		f.add("Cleartext", "accepted"+yesNo(r.Plaintext.Protocol != "", " ("+r.Plaintext.Protocol+")", "")+yesNo(r.Plaintext.Evidence != "", ": "+r.Plaintext.Evidence, ""))
	default:
		f.add("Cleartext", "refused"+yesNo(r.Plaintext.Evidence != "", ": "+r.Plaintext.Evidence, ""))
	}
	t := &r.TLS
	switch {
	case !t.Tested:
		f.add("TLS", "not tested")
	case !t.Offered:
		f.add("TLS", "not offered")
	default:
		f.add("TLS", yesNo(r.STARTTLS != "", "offered after STARTTLS ("+r.STARTTLS+")", "offered")+yesNo(t.Enumerated, "; every version, suite and group tried", "; one handshake, not enumerated"))
	}
	for _, v := range t.Versions {
		pref := ""
		if v.ServerPreference != nil {
			pref = yesNo(*v.ServerPreference, " (server's order)", " (client's order)")
		}
		f.add(v.Version+" suites", strings.Join(v.CipherSuites, ", ")+pref)
	}
	f.add("Groups", strings.Join(t.Groups, ", "))
	f.add("Signature algorithms", strings.Join(t.SignatureAlgorithms, ", "))
	if t.ClientAuth != "" {
		f.add("Client certificate", t.ClientAuth+yesNo(t.ClientAuthEvidence != "", ": "+t.ClientAuthEvidence, ""))
	}
	f.add("Acceptable CAs", strings.Join(t.AcceptableCAs, "; "))
	for i, c := range t.Certificates {
		label := "Certificate " + strconv.Itoa(i)
		if i == 0 {
			label += " (leaf)"
		}
		f.add(label, certLine(c))
	}
	if v := t.Verification; v != nil && v.Checked {
		s := yesNo(v.Trusted, "trusted", "not trusted") + ", " + yesNo(v.HostnameMatch, "name matches", "name does not match")
		if v.Name != "" {
			s += " (" + v.Name + ")"
		}
		if v.Error != "" {
			s += ": " + v.Error
		}
		f.add("Chain verification", s)
	}
	for _, e := range t.Extensions {
		v := e.Result
		if e.Version != "" {
			v += " (" + e.Version + ")"
		}
		if e.Evidence != "" {
			v += ": " + e.Evidence
		}
		if o := e.OCSP; o != nil {
			v += "; stapled OCSP " + o.Status + yesNo(o.Verified, ", verified", ", not verified")
			if o.NextUpdate != nil {
				v += ", next update " + o.NextUpdate.UTC().Format("2006-01-02")
			}
			if o.Error != "" {
				v += ": " + o.Error
			}
		}
		f.add("Extension "+e.Name, v)
	}
	for _, p := range t.Profiles {
		var bad []string
		for _, it := range p.Items {
			if !it.Allowed {
				bad = append(bad, it.Value+yesNo(it.Note != "", " ("+it.Note+")", ""))
			}
		}
		f.add("Profile "+p.Profile, yesNo(p.Pass, "passes", "fails")+yesNo(len(bad) > 0, "; not allowed: "+strings.Join(bad, ", "), ""))
	}
	if s := r.SSH; s != nil {
		f.add("SSH", s.Banner)
		f.add("SSH key exchange", strings.Join(s.Kex, ", "))
		f.add("SSH host keys", strings.Join(s.HostKeys, ", "))
		f.add("SSH ciphers", strings.Join(s.Ciphers, ", "))
		f.add("SSH MACs", strings.Join(s.MACs, ", "))
	}
	for _, e := range r.Errors {
		f.add("Error", e)
	}
	return report.Detail{Heading: "Probe of " + target, Facts: f}
}

// certLine is one certificate of a chain on a line.
func certLine(c evidence.Certificate) string {
	parts := []string{c.Subject, "issued by " + c.Issuer}
	if c.KeyType != "" {
		parts = append(parts, fmt.Sprintf("%s %d", c.KeyType, c.KeyBits))
	}
	if c.SignatureAlgorithm != "" {
		parts = append(parts, "signed "+c.SignatureAlgorithm)
	}
	if !c.NotBefore.IsZero() {
		parts = append(parts, "valid "+c.NotBefore.UTC().Format("2006-01-02")+" to "+c.NotAfter.UTC().Format("2006-01-02"))
	}
	if len(c.SANs) > 0 {
		parts = append(parts, "SANs "+strings.Join(c.SANs, ", "))
	}
	if c.SPIFFEID != "" {
		parts = append(parts, c.SPIFFEID)
	}
	return strings.Join(parts, "; ")
}

func side(s evidence.PolicySide) string {
	if s.Policy == "" {
		return s.Mode
	}
	return s.Mode + " by " + s.Policy
}

func policyPortDetail(p *evidence.PolicyPort) report.Detail {
	var f facts
	d := p.Destination
	f.add("Server mode", side(p.Server)+" (the weakest over the port's classes)")
	f.add("Cleartext", yesNo(p.PlaintextAccepted, "accepted from some class", "refused from every class"))
	f.add("Target port", strconv.Itoa(d.TargetPort))
	return report.Detail{Heading: fmt.Sprintf("Policy for %s/%s:%d", d.Namespace, d.Service, d.Port), Facts: f}
}

// policyClassDetail leaves out the clients' mesh, the modes and the
// expectation: the class's key, next to it on the page, says them.
func policyClassDetail(p *evidence.PolicyPort, c *evidence.PolicyClass) report.Detail {
	var f facts
	d := p.Destination
	f.add("Cleartext", yesNo(c.PlaintextAccepted, "accepted", "refused"))
	for _, r := range c.Reasons {
		f.once("Reason", r)
	}
	if n := c.Network; n != nil {
		f.add("Network encryption", n.Kind+yesNo(n.Policy != "", " by "+n.Policy, ""))
	}
	return report.Detail{Heading: fmt.Sprintf("Policy for a class of clients of %s/%s:%d", d.Namespace, d.Service, d.Port), Facts: f}
}

func endpoint(e *evidence.FlowEndpoint) string {
	if e == nil {
		return ""
	}
	var parts []string
	for _, s := range []string{e.Namespace, e.Workload, e.Pod} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	s := strings.Join(parts, "/")
	if e.Service != "" {
		s += " (Service " + e.Service + ")"
	}
	return s
}

func flowDetail(fl *evidence.Flow) report.Detail {
	var f facts
	f.add("Source", endpoint(fl.Source))
	f.add("Destination", endpoint(fl.Destination))
	f.add("Seen", fl.FirstSeen.UTC().Format(time.RFC3339)+" to "+fl.LastSeen.UTC().Format(time.RFC3339)+fmt.Sprintf(", %d packets, %d bytes", fl.Packets, fl.Bytes))
	f.add("Classified", fl.Classification+yesNo(fl.Encrypted, ", encrypted", ", not encrypted"))
	f.add("Mesh", fl.Mesh)
	if t := fl.TLS; t != nil {
		f.add("TLS", strings.TrimSpace(t.Version+" "+t.CipherSuite))
		f.add("STARTTLS", t.STARTTLS)
		f.add("Server name", t.ServerName)
		f.add("ALPN offered", strings.Join(t.ALPN, ", "))
		f.add("ALPN chosen", t.ServerALPN)
		f.add("Client certificate", t.ClientCertificate)
		for i, c := range t.ServerCertificates {
			f.add("Server certificate "+strconv.Itoa(i), certLine(c))
		}
		for i, c := range t.ClientCertificates {
			f.add("Client certificate "+strconv.Itoa(i), certLine(c))
		}
	}
	if p := fl.Plaintext; p != nil {
		f.add("Cleartext protocol", p.Protocol)
	}
	return report.Detail{Heading: fmt.Sprintf("Flow %s to %s (%s)", fl.Client, fl.Server, fl.Transport), Facts: f}
}

func imageDetail(im *evidence.Image) report.Detail {
	var f facts
	f.add("Digest", im.Digest)
	f.add("Verdict", im.Verdict)
	f.add("Platform", strings.TrimSpace(im.Platform+" "+im.Distro))
	for _, b := range im.Binaries {
		var mods []string
		for _, m := range b.Modules {
			s := strings.TrimSpace(m.Name + " " + m.Version)
			if m.CMVPCertificate != "" {
				s += ", CMVP #" + m.CMVPCertificate
			}
			if m.Standard != "" {
				s += " (FIPS " + m.Standard + ")"
			}
			if m.Status != "" {
				s += " " + m.Status
			}
			mods = append(mods, s)
		}
		line := b.Backend + ": " + b.Verdict
		if len(mods) > 0 {
			line += "; " + strings.Join(mods, "; ")
		}
		f.add(b.Path, line)
	}
	for _, e := range im.Errors {
		f.add("Error", e)
	}
	for _, w := range im.Warnings {
		f.add("Warning", w)
	}
	return report.Detail{Heading: "Image " + im.Ref, Facts: f}
}

// BundleEvidence reads the evidence documents a bundle's matrix names
// from the bundle directory dir, for the HTML page's details when a saved
// matrix is rendered again. A document whose SHA-256 differs from the one
// the matrix records is not used, and said so in the problems returned; a
// missing one is left out silently (a matrix may travel alone).
func BundleEvidence(dir string, m *matrix.Matrix) (evaluate.Evidence, []string) {
	var p Preloaded
	var problems []string
	for _, e := range m.Evidence {
		if e.File == "" || !filepath.IsLocal(e.File) {
			continue
		}
		// Read once: the bytes hashed are the bytes parsed.
		path := filepath.Join(dir, e.File)
		data, err := readBounded(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if sum := sha256.Sum256(data); err != nil || hex.EncodeToString(sum[:]) != e.SHA256 {
			problems = append(problems, fmt.Sprintf("%s: not the document the matrix records (SHA-256 differs or unreadable); its details are left out", e.File))
			continue
		}
		if err := loadEvidence(path, data, &p); err != nil {
			problems = append(problems, err.Error())
		}
	}
	return evaluate.Evidence{Probes: p.Probes, Policy: p.Policy, Flows: p.Flows, Images: p.Images}, problems
}
