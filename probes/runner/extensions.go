package runner

import (
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	ptls "github.com/sc8scan/sc8scan/probes/tls"
)

// extensionsEvidence turns the extension checks into their wire form.
func extensionsEvidence(checks []ptls.ExtensionCheck) []evidence.TLSExtension {
	out := make([]evidence.TLSExtension, 0, len(checks))
	for _, c := range checks {
		e := evidence.TLSExtension{Name: c.Name, Result: c.Result, Evidence: c.Evidence}
		if c.Version != 0 {
			e.Version = ptls.VersionName(c.Version)
		}
		if o := c.OCSP; o != nil {
			e.OCSP = &evidence.OCSPStaple{Status: o.Status, Verified: o.Verified, Error: o.Err,
				ProducedAt: timePtr(o.ProducedAt), ThisUpdate: timePtr(o.ThisUpdate), NextUpdate: timePtr(o.NextUpdate), RevokedAt: timePtr(o.RevokedAt)}
		}
		out = append(out, e)
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
