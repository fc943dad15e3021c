package cryptoref

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

//go:embed data/profiles.json
var profilesJSON []byte

// Profile is a set of allowed TLS versions, cipher suites and groups, each
// entry with its source.
type Profile struct {
	Name         string  `json:"name"`
	Title        string  `json:"title"`
	Source       string  `json:"source"`
	MinVersion   string  `json:"minVersion"`
	Versions     []Entry `json:"versions"`
	CipherSuites []Entry `json:"cipherSuites"`
	Groups       []Entry `json:"groups"`
}

// Entry is one allowed value and where the rule comes from. Transitional
// entries are allowed only for a transition period (SP 800-52r2 Appendix D)
// and are reported as such.
type Entry struct {
	Value        string `json:"value"`
	Transitional bool   `json:"transitional,omitempty"`
	Source       string `json:"source"`
}

// Verdict is how a profile judges one value.
type Verdict struct {
	Allowed      bool
	Transitional bool
	Source       string
}

type profileFile struct {
	Version  string    `json:"version"`
	Profiles []Profile `json:"profiles"`
}

var (
	profilesOnce sync.Once
	profiles     map[string]*Profile
	profilesVer  string
	profilesErr  error
)

func loadProfiles() {
	var f profileFile
	if err := json.Unmarshal(profilesJSON, &f); err != nil {
		profilesErr = fmt.Errorf("decoding embedded profiles: %w", err)
		return
	}
	profiles = map[string]*Profile{}
	for i := range f.Profiles {
		p := &f.Profiles[i]
		if err := p.validate(); err != nil {
			profilesErr = fmt.Errorf("embedded profile %q: %w", p.Name, err)
			return
		}
		profiles[p.Name] = p
	}
	profilesVer = f.Version
}

func (p *Profile) validate() error {
	if p.Name == "" || p.Source == "" {
		return fmt.Errorf("profile needs a name and a source")
	}
	if VersionRank(p.MinVersion) < 0 {
		return fmt.Errorf("unknown minimum version %q", p.MinVersion)
	}
	for _, list := range [][]Entry{p.Versions, p.CipherSuites, p.Groups} {
		seen := map[string]bool{}
		for _, e := range list {
			if e.Value == "" || e.Source == "" {
				return fmt.Errorf("entry %q has no value or no source", e.Value)
			}
			if seen[e.Value] {
				return fmt.Errorf("entry %q listed twice", e.Value)
			}
			seen[e.Value] = true
		}
	}
	return nil
}

// LookupProfile returns the embedded profile called name.
func LookupProfile(name string) (*Profile, error) {
	profilesOnce.Do(loadProfiles)
	if profilesErr != nil {
		return nil, profilesErr
	}
	p, ok := profiles[name]
	if !ok {
		return nil, fmt.Errorf("unknown profile %q (known: %v)", name, ProfileNames())
	}
	return p, nil
}

// ProfileNames lists the embedded profiles.
func ProfileNames() []string {
	profilesOnce.Do(loadProfiles)
	var out []string
	for n := range profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ProfilesVersion is the version of the embedded profile data.
func ProfilesVersion() string {
	profilesOnce.Do(loadProfiles)
	return profilesVer
}

func judge(list []Entry, v string) Verdict {
	for _, e := range list {
		if e.Value == v {
			return Verdict{Allowed: true, Transitional: e.Transitional, Source: e.Source}
		}
	}
	return Verdict{}
}

// CipherSuite judges a cipher suite by its IANA name.
func (p *Profile) CipherSuite(name string) Verdict { return judge(p.CipherSuites, name) }

// Group judges a named group by its IANA name.
func (p *Profile) Group(name string) Verdict { return judge(p.Groups, name) }

// Version judges a protocol version ("TLSv1.2").
func (p *Profile) Version(v string) Verdict {
	vd := judge(p.Versions, v)
	if !vd.Allowed {
		vd.Source = p.Source + ": minimum " + p.MinVersion
	}
	return vd
}

var versionOrder = []string{"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"}

// VersionRank orders protocol version names; -1 for unknown names.
func VersionRank(v string) int {
	for i, n := range versionOrder {
		if n == v {
			return i
		}
	}
	return -1
}
