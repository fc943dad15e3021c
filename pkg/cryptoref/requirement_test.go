package cryptoref

import (
	"strings"
	"testing"
)

func TestRequirements(t *testing.T) {
	rs, err := Requirements("sp800-52r2")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rs {
		seen[r.Item] = true
		if !strings.HasPrefix(r.Section, "3.") || !strings.Contains(r.Source, "SP 800-52r2 "+r.Section) {
			t.Errorf("%s: section %q, source %q", r.ID, r.Section, r.Source)
		}
	}
	for _, item := range RequirementItems {
		if !seen[item] {
			t.Errorf("no SP 800-52r2 requirement concerns %s", item)
		}
	}
	fips, err := Requirements("fips140-3-go")
	if err != nil {
		t.Fatal(err)
	}
	if len(fips) != 1 || fips[0].Item != "extended_master_secret" || fips[0].Level != LevelShall {
		t.Errorf("FIPS 140-3 requirements %+v, want EMS shall", fips)
	}
	if RequirementsVersion() == "" {
		t.Error("no version")
	}
}

func TestValidateRequirements(t *testing.T) {
	good := Requirement{ID: "x", Profile: "sp800-52r2", Section: "3.4.1.3", Title: "t", Level: LevelShall, Item: "extended_master_secret", Text: "t", Source: "s"}
	for name, mut := range map[string]func(r *Requirement){
		"level":   func(r *Requirement) { r.Level = "must" },
		"item":    func(r *Requirement) { r.Item = "heartbeat" },
		"profile": func(r *Requirement) { r.Profile = "nope" },
		"source":  func(r *Requirement) { r.Source = "" },
	} {
		r := good
		mut(&r)
		if err := validateRequirements([]Requirement{r}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := validateRequirements([]Requirement{good, good}); err == nil {
		t.Error("duplicate id accepted")
	}
	if err := validateRequirements([]Requirement{good}); err != nil {
		t.Error(err)
	}
}
