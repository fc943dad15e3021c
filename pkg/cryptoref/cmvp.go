package cryptoref

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed data/cmvp.json
var cmvpJSON []byte

// CMVP certificate statuses, as the ImageReport wire format spells them.
const (
	CMVPActive     = "active"
	CMVPHistorical = "historical"
	CMVPRevoked    = "revoked"
	CMVPInProcess  = "in-process"
)

// Kinds of module the catalog knows. A kind says which detector's version
// string a row is matched against.
const (
	KindGoFIPS140           = "go-fips140"            // version: "v1.0.0", "v1.26.0"
	KindBoringCrypto        = "boringcrypto"          // version: "fips-20220613"
	KindOpenSSLFIPSProvider = "openssl-fips-provider" // version: the provider's own, "3.0.9"
	KindOpenSSL             = "openssl"               // a distribution's whole libcrypto module
	KindAWSLC               = "aws-lc"                // version: "2.0"
	KindBCFIPS              = "bc-fips"               // version: "2.0.0"
	KindWolfCrypt           = "wolfcrypt"
	KindBoringSSL           = "boringssl"
	KindSymCrypt            = "symcrypt"
)

// CMVPModule is one row of the catalog: a certificate (or a
// Modules-In-Process entry, which has no certificate number yet).
type CMVPModule struct {
	Certificate string `json:"certificate"`
	Name        string `json:"name"`
	Vendor      string `json:"vendor"`
	Kind        string `json:"kind"`
	// Distro limits the row to one distribution's build ("rhel9",
	// "ubuntu22.04", "chainguard"); empty means the upstream module.
	Distro string `json:"distro,omitempty"`
	// Versions are the module versions the certificate names. A row whose
	// versions are unverified has none and is never matched by version.
	Versions []string `json:"versions"`
	Standard string   `json:"standard"` // "140-2" or "140-3"
	// Status is the status recorded at the snapshot; StatusAt applies
	// dates to it.
	Status    string `json:"status"`
	Validated string `json:"validated,omitempty"` // YYYY-MM-DD
	Sunset    string `json:"sunset,omitempty"`    // YYYY-MM-DD
	Caveat    string `json:"caveat,omitempty"`
	Source    string `json:"source"`
}

// CMVPCatalog is the embedded CMVP catalog.
type CMVPCatalog struct {
	Version  string       `json:"version"`
	Snapshot string       `json:"snapshot"`
	Source   string       `json:"source"`
	Sunset   SunsetRule   `json:"fips140_2Sunset"`
	Modules  []CMVPModule `json:"modules"`
	sunsetAt time.Time
}

// SunsetRule is the date on which every FIPS 140-2 certificate moved to
// the Historical list, with its source.
type SunsetRule struct {
	Date   string `json:"date"`
	Source string `json:"source"`
}

var (
	cmvpOnce sync.Once
	cmvpCat  *CMVPCatalog
	cmvpErr  error
)

// CMVP returns the embedded catalog, decoded and validated on first use.
func CMVP() (*CMVPCatalog, error) {
	cmvpOnce.Do(func() { cmvpCat, cmvpErr = ParseCMVP(cmvpJSON) })
	return cmvpCat, cmvpErr
}

// CMVPVersion is the version of the embedded catalog, or "invalid".
func CMVPVersion() string {
	c, err := CMVP()
	if err != nil {
		return "invalid"
	}
	return c.Version
}

// ParseCMVP decodes and validates a catalog document.
func ParseCMVP(data []byte) (*CMVPCatalog, error) {
	var c CMVPCatalog
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decoding CMVP catalog: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func parseDay(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

func (c *CMVPCatalog) validate() error {
	if c.Version == "" || c.Source == "" {
		return fmt.Errorf("CMVP catalog needs a version and a source")
	}
	if _, err := parseDay(c.Snapshot); err != nil {
		return fmt.Errorf("CMVP catalog snapshot: %w", err)
	}
	t, err := parseDay(c.Sunset.Date)
	if err != nil || c.Sunset.Source == "" {
		return fmt.Errorf("CMVP catalog needs a dated, sourced FIPS 140-2 sunset rule")
	}
	c.sunsetAt = t
	seen := map[string]bool{}
	for i, m := range c.Modules {
		where := fmt.Sprintf("CMVP row %d (#%s %s)", i, m.Certificate, m.Name)
		if m.Name == "" || m.Kind == "" || m.Source == "" {
			return fmt.Errorf("%s: needs a name, a kind and a source", where)
		}
		switch m.Standard {
		case "140-2", "140-3":
		default:
			return fmt.Errorf("%s: standard %q is not 140-2 or 140-3", where, m.Standard)
		}
		switch m.Status {
		case CMVPActive, CMVPHistorical, CMVPRevoked:
			if m.Certificate == "" {
				return fmt.Errorf("%s: a %s row needs a certificate number", where, m.Status)
			}
		case CMVPInProcess:
			if m.Certificate != "" {
				return fmt.Errorf("%s: an in-process row has no certificate number", where)
			}
		default:
			return fmt.Errorf("%s: unknown status %q", where, m.Status)
		}
		if m.Certificate != "" {
			for _, r := range m.Certificate {
				if r < '0' || r > '9' {
					return fmt.Errorf("%s: certificate number must be digits", where)
				}
			}
			if seen[m.Certificate] {
				return fmt.Errorf("%s: certificate listed twice", where)
			}
			seen[m.Certificate] = true
		}
		for _, d := range []string{m.Validated, m.Sunset} {
			if d == "" {
				continue
			}
			if _, err := parseDay(d); err != nil {
				return fmt.Errorf("%s: date: %w", where, err)
			}
		}
		if m.Standard == "140-2" && m.Status == CMVPActive && m.Sunset != c.Sunset.Date {
			return fmt.Errorf("%s: an active 140-2 row must carry the %s sunset", where, c.Sunset.Date)
		}
	}
	return nil
}

// StatusAt is the row's status on day t: an active certificate whose sunset
// date has passed is historical, and so is every FIPS 140-2 certificate
// from the catalog's 140-2 sunset date on, so the same data answers
// correctly later.
func (c *CMVPCatalog) StatusAt(m CMVPModule, t time.Time) string {
	if m.Status != CMVPActive {
		return m.Status
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if m.Standard == "140-2" && !day.Before(c.sunsetAt) {
		return CMVPHistorical
	}
	if m.Sunset != "" {
		if s, err := parseDay(m.Sunset); err == nil && !day.Before(s) {
			return CMVPHistorical
		}
	}
	return CMVPActive
}

// Lookup returns the rows of kind that name version for distro (empty
// distro: upstream rows only), best first: active before in-process
// before historical on day t, 140-3 before 140-2, then the newest
// certificate.
func (c *CMVPCatalog) Lookup(kind, version, distro string, t time.Time) []CMVPModule {
	var out []CMVPModule
	for _, m := range c.Modules {
		if m.Kind != kind || m.Distro != distro {
			continue
		}
		for _, v := range m.Versions {
			if v == version {
				out = append(out, m)
				break
			}
		}
	}
	rank := map[string]int{CMVPActive: 0, CMVPInProcess: 1, CMVPHistorical: 2, CMVPRevoked: 3}
	sort.SliceStable(out, func(i, j int) bool {
		si, sj := rank[c.StatusAt(out[i], t)], rank[c.StatusAt(out[j], t)]
		if si != sj {
			return si < sj
		}
		if out[i].Standard != out[j].Standard {
			return out[i].Standard > out[j].Standard
		}
		return len(out[i].Certificate) > len(out[j].Certificate) ||
			(len(out[i].Certificate) == len(out[j].Certificate) && out[i].Certificate > out[j].Certificate)
	})
	return out
}

// Certificate returns the row of certificate number n ("4735", no "#").
func (c *CMVPCatalog) Certificate(n string) (CMVPModule, bool) {
	for _, m := range c.Modules {
		if m.Certificate != "" && m.Certificate == strings.TrimPrefix(n, "#") {
			return m, true
		}
	}
	return CMVPModule{}, false
}
