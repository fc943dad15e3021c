package evaluate

import (
	"fmt"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/matrix"
)

// Results of the probe's extension checks (evidence.TLSExtension.Result).
const (
	extSupported     = "supported"
	extNotSupported  = "not-supported"
	extNotApplicable = "not-applicable"
	extNotTested     = "not-tested"
)

// probeExtensions judges the probe's TLS extension checks against the
// profile's extension requirements (SP 800-52r2 3.4 and 3.7): a "shall"
// the server misses is FAIL, a "should" WARN, each naming its section; a
// check the probe could not make is NOT-TESTED with its reason, never
// PASS. It speaks within the cipher-suites check, whose verdict it joins.
func probeExtensions(pe pathEvidence, prof *cryptoref.Profile) verdict {
	t, _, ok := probeTLS(pe)
	if !ok || !t.Offered {
		return verdict{} // probeSuites says why
	}
	reqs, err := cryptoref.Requirements(prof.Name)
	if err != nil {
		return verdict{matrix.Error, "extension requirements: " + err.Error(), nil}
	}
	if len(reqs) == 0 {
		return verdict{}
	}
	ev := []string{pe.probeID}
	if len(t.Extensions) == 0 {
		return verdict{matrix.NotTested, fmt.Sprintf("probe: the TLS extension checks (%s) did not run: no version enumeration", sections(reqs)), ev}
	}
	byName := map[string]evidence.TLSExtension{}
	for _, e := range t.Extensions {
		byName[e.Name] = e
	}
	var fails, warns, untested []string
	met := 0
	for _, r := range reqs {
		if !applies(r, t) {
			continue
		}
		e, ok := byName[r.Item]
		cite := fmt.Sprintf("%s %s (%s)", prof.Name, r.Section, r.Title)
		switch {
		case !ok:
			untested = append(untested, fmt.Sprintf("%s: %s not in the probe report", cite, r.Item))
			continue
		case e.Result == extNotApplicable:
			continue
		case e.Result == extNotTested || (e.Result != extSupported && e.Result != extNotSupported):
			untested = append(untested, fmt.Sprintf("%s: %s not tested: %s", cite, r.Item, e.Evidence))
			continue
		}
		has := e.Result == extSupported
		if has == r.Required() {
			met++
			if o := e.OCSP; o != nil && r.Item == "status_request" {
				switch o.Status {
				case "revoked":
					fails = append(fails, fmt.Sprintf("%s: the stapled OCSP response says the certificate is revoked", cite))
				case "good":
					if !o.Verified {
						warns = append(warns, fmt.Sprintf("%s: the stapled OCSP response (good) could not be verified: %s", cite, o.Error))
					}
				default:
					warns = append(warns, fmt.Sprintf("%s: the stapled OCSP response has status %s", cite, o.Status))
				}
			}
			continue
		}
		what := "the server " + r.Level + " support " + r.Item
		if !r.Required() {
			what = "the server " + r.Level + " negotiate " + r.Item
		}
		msg := fmt.Sprintf("%s: %s; probe: %s", cite, what, e.Evidence)
		if r.Mandatory() {
			fails = append(fails, msg)
		} else {
			warns = append(warns, msg)
		}
	}
	switch {
	case len(fails) > 0:
		return verdict{matrix.Fail, "probe: " + strings.Join(fails, "; "), ev}
	case len(untested) > 0:
		return verdict{matrix.NotTested, "probe: " + strings.Join(append(untested, warns...), "; "), ev}
	case len(warns) > 0:
		return verdict{matrix.Warn, "probe: " + strings.Join(warns, "; "), ev}
	}
	return verdict{matrix.Pass, fmt.Sprintf("probe: the %d TLS extension requirements of %s that apply are met", met, prof.Name), ev}
}

// applies says whether a requirement's condition holds for the versions
// the server accepted. TLS_FALLBACK_SCSV is required of a server that
// accepts TLS 1.0 or 1.1 and not TLS 1.3 (SP 800-52r2 3.4.2); the others'
// conditions are decided by the probe (not-applicable).
func applies(r cryptoref.Requirement, t *evidence.TLSProbe) bool {
	if r.Item != "fallback_scsv" {
		return true
	}
	has := map[string]bool{}
	for _, v := range t.Versions {
		has[v.Version] = true
	}
	return (has["TLSv1.0"] || has["TLSv1.1"]) && !has["TLSv1.3"]
}

func sections(reqs []cryptoref.Requirement) string {
	var out []string
	seen := map[string]bool{}
	for _, r := range reqs {
		if !seen[r.Section] {
			seen[r.Section] = true
			out = append(out, r.Section)
		}
	}
	return strings.Join(out, ", ")
}
