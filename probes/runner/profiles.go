package runner

import (
	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// Profiles are the compliance profiles every enumerated result is judged
// against.
var Profiles = []string{"sp800-52r2", "fips140-3-go"}

func ianaTable() *cryptoref.IANA { return cryptoref.MustIANA() }

// judge says, per profile, which offered versions, suites and groups pass.
func judge(t evidence.TLSProbe) []evidence.ProfileResult {
	var out []evidence.ProfileResult
	for _, name := range Profiles {
		p, err := cryptoref.LookupProfile(name)
		if err != nil {
			out = append(out, evidence.ProfileResult{Profile: name, Pass: false,
				Items: []evidence.ProfileItem{{Kind: "profile", Value: name, Allowed: false, Note: err.Error()}}})
			continue
		}
		pr := evidence.ProfileResult{Profile: name, Pass: true}
		add := func(kind, value string, v cryptoref.Verdict) {
			it := evidence.ProfileItem{Kind: kind, Value: value, Allowed: v.Allowed, Source: v.Source}
			if v.Transitional {
				it.Note = "transitional: " + v.Source
			}
			if !v.Allowed {
				pr.Pass = false
			}
			pr.Items = append(pr.Items, it)
		}
		seen := map[string]bool{}
		for _, v := range t.Versions {
			add("version", v.Version, p.Version(v.Version))
			for _, s := range v.CipherSuites {
				if !seen[s] {
					seen[s] = true
					add("cipherSuite", s, p.CipherSuite(s))
				}
			}
		}
		for _, g := range t.Groups {
			add("group", g, p.Group(g))
		}
		out = append(out, pr)
	}
	return out
}
