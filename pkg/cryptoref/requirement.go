package cryptoref

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

//go:embed data/requirements.json
var requirementsJSON []byte

// Requirement levels.
const (
	LevelShall     = "shall"
	LevelShould    = "should"
	LevelShallNot  = "shall not"
	LevelShouldNot = "should not"
)

// RequirementItems are the items a requirement can concern: the names of
// the probe's TLS extension checks.
var RequirementItems = []string{
	"renegotiation_info", "insecure_renegotiation", "status_request", "extended_master_secret",
	"signature_algorithms", "supported_groups", "key_share", "supported_versions",
	"encrypt_then_mac", "fallback_scsv", "truncated_hmac", "client_certificate_url", "compression",
}

// Requirement is one server-side rule of a profile about a TLS extension
// or an extension-borne feature.
type Requirement struct {
	ID      string `json:"id"`
	Profile string `json:"profile"`
	// Section is the section of the source document ("3.4.1.3").
	Section string `json:"section"`
	Title   string `json:"title"`
	// Level is shall, should, shall not or should not.
	Level string `json:"level"`
	// Item is the probe check it concerns (RequirementItems).
	Item string `json:"item"`
	// Applies says when the requirement applies, in words.
	Applies string `json:"applies"`
	Text    string `json:"text"`
	Source  string `json:"source"`
}

// Required reports whether the server must (or should) have the item;
// false when it must (or should) not.
func (r Requirement) Required() bool { return r.Level == LevelShall || r.Level == LevelShould }

// Mandatory reports whether the level is shall or shall not.
func (r Requirement) Mandatory() bool { return r.Level == LevelShall || r.Level == LevelShallNot }

type requirementFile struct {
	Version      string        `json:"version"`
	Note         string        `json:"note"`
	Requirements []Requirement `json:"requirements"`
}

var (
	reqOnce sync.Once
	reqFile requirementFile
	reqErr  error
)

func loadRequirements() {
	if err := json.Unmarshal(requirementsJSON, &reqFile); err != nil {
		reqErr = fmt.Errorf("decoding embedded requirements: %w", err)
		return
	}
	reqErr = validateRequirements(reqFile.Requirements)
}

func validateRequirements(rs []Requirement) error {
	items := map[string]bool{}
	for _, i := range RequirementItems {
		items[i] = true
	}
	ids := map[string]bool{}
	for _, r := range rs {
		switch {
		case r.ID == "" || r.Section == "" || r.Source == "" || r.Text == "" || r.Title == "":
			return fmt.Errorf("requirement %q needs an id, section, title, text and source", r.ID)
		case ids[r.ID]:
			return fmt.Errorf("requirement %q listed twice", r.ID)
		case !items[r.Item]:
			return fmt.Errorf("requirement %q concerns unknown item %q", r.ID, r.Item)
		}
		switch r.Level {
		case LevelShall, LevelShould, LevelShallNot, LevelShouldNot:
		default:
			return fmt.Errorf("requirement %q has level %q, want shall, should, shall not or should not", r.ID, r.Level)
		}
		if _, err := LookupProfile(r.Profile); err != nil {
			return fmt.Errorf("requirement %q: %w", r.ID, err)
		}
		ids[r.ID] = true
	}
	return nil
}

// Requirements are the extension requirements of the named profile, in
// document order (none for a profile that has none).
func Requirements(profile string) ([]Requirement, error) {
	reqOnce.Do(loadRequirements)
	if reqErr != nil {
		return nil, reqErr
	}
	var out []Requirement
	for _, r := range reqFile.Requirements {
		if r.Profile == profile {
			out = append(out, r)
		}
	}
	return out, nil
}

// RequirementsVersion is the version of the embedded requirement data.
func RequirementsVersion() string {
	reqOnce.Do(loadRequirements)
	return reqFile.Version
}
