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

// Profile is a set of allowed TLS versions, cipher suites, groups and
// signature algorithms, and the certificates it accepts, each entry with
// its source.
type Profile struct {
	Name         string  `json:"name"`
	Title        string  `json:"title"`
	Source       string  `json:"source"`
	MinVersion   string  `json:"minVersion"`
	Versions     []Entry `json:"versions"`
	CipherSuites []Entry `json:"cipherSuites"`
	Groups       []Entry `json:"groups"`
	// SignatureAlgorithms are TLS signature schemes by IANA name.
	SignatureAlgorithms []Entry `json:"signatureAlgorithms"`
	// CertificateSignatureAlgorithms are certificate signature algorithms
	// named as Go's x509.SignatureAlgorithm prints them ("SHA256-RSA").
	CertificateSignatureAlgorithms []Entry `json:"certificateSignatureAlgorithms"`
	// CertificateKeys are the certificate public keys allowed, by type.
	CertificateKeys []KeyRule `json:"certificateKeys"`
}

// KeyRule allows one type of certificate key ("RSA", "DSA", "ECDSA",
// "Ed25519", as probes report KeyType) from MinBits up, or, when Bits is
// set, only those sizes (named curves).
type KeyRule struct {
	Type    string `json:"type"`
	MinBits int    `json:"minBits,omitempty"`
	Bits    []int  `json:"bits,omitempty"`
	Source  string `json:"source"`
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
	if len(p.SignatureAlgorithms) == 0 || len(p.CertificateSignatureAlgorithms) == 0 || len(p.CertificateKeys) == 0 {
		return fmt.Errorf("profile needs signature algorithms, certificate signature algorithms and certificate keys")
	}
	iana, err := LoadIANA()
	if err != nil {
		return err
	}
	schemes := map[string]bool{}
	for _, s := range iana.SignatureSchemes {
		schemes[s.Name] = true
	}
	for _, e := range p.SignatureAlgorithms {
		if !schemes[e.Value] {
			return fmt.Errorf("signature algorithm %q is not in the IANA table", e.Value)
		}
	}
	keys := map[string]bool{}
	for _, k := range p.CertificateKeys {
		if k.Type == "" || k.Source == "" || (k.MinBits <= 0) == (len(k.Bits) == 0) {
			return fmt.Errorf("certificate key rule %q needs a source and either minBits or bits", k.Type)
		}
		if keys[k.Type] {
			return fmt.Errorf("certificate key type %q listed twice", k.Type)
		}
		keys[k.Type] = true
	}
	for _, list := range [][]Entry{p.Versions, p.CipherSuites, p.Groups, p.SignatureAlgorithms, p.CertificateSignatureAlgorithms} {
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

// SignatureAlgorithm judges a TLS signature scheme by its IANA name
// ("rsa_pss_rsae_sha256").
func (p *Profile) SignatureAlgorithm(name string) Verdict {
	vd := judge(p.SignatureAlgorithms, name)
	if !vd.Allowed {
		vd.Source = notListed(p.SignatureAlgorithms, "signature algorithm "+name)
	}
	return vd
}

// CertificateSignatureAlgorithm judges the algorithm a certificate is
// signed with, named as Go's x509.SignatureAlgorithm prints it
// ("SHA256-RSA", "ECDSA-SHA384", "SHA1-RSA").
func (p *Profile) CertificateSignatureAlgorithm(name string) Verdict {
	vd := judge(p.CertificateSignatureAlgorithms, name)
	if !vd.Allowed {
		vd.Source = notListed(p.CertificateSignatureAlgorithms, "certificate signature algorithm "+name)
	}
	return vd
}

// notListed is the source of a refusal: the rule of the list's first
// entry.
func notListed(list []Entry, what string) string {
	if len(list) == 0 {
		return what + " not allowed"
	}
	return what + " not allowed by " + list[0].Source
}

// CertificateKey judges a certificate public key by type ("RSA", "DSA",
// "ECDSA", "Ed25519") and size in bits (the curve size for ECDSA).
func (p *Profile) CertificateKey(keyType string, bits int) Verdict {
	for _, k := range p.CertificateKeys {
		if k.Type != keyType {
			continue
		}
		ok := bits >= k.MinBits
		if len(k.Bits) > 0 {
			ok = false
			for _, b := range k.Bits {
				ok = ok || b == bits
			}
		}
		if ok {
			return Verdict{Allowed: true, Source: k.Source}
		}
		return Verdict{Source: fmt.Sprintf("%s: %s key of %d bits not allowed", k.Source, keyType, bits)}
	}
	return Verdict{Source: p.Source + ": " + keyType + " keys not allowed"}
}

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
