package cryptoref

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

//go:embed data/iana-tls.json
var ianaJSON []byte

// Suite is one TLS cipher suite of the IANA registry.
type Suite struct {
	ID     uint16
	Name   string
	Source string
	// TLS13 marks the TLS 1.3 suites (0x13xx); they name only the AEAD and
	// hash and are never valid below TLS 1.3.
	TLS13 bool
	// SCSV marks signalling values that are not real suites.
	SCSV bool
}

// Group is one TLS named group (supported group) of the IANA registry.
type Group struct {
	ID     uint16
	Name   string
	Source string
}

// SignatureScheme is one TLS signature scheme of the IANA registry.
type SignatureScheme struct {
	ID     uint16
	Name   string
	Source string
}

// IANA holds the embedded IANA tables, in registry order.
type IANA struct {
	Version          string
	Source           string
	Suites           []Suite
	Groups           []Group
	SignatureSchemes []SignatureScheme

	suiteByID map[uint16]*Suite
	suiteByNm map[string]*Suite
	groupByID map[uint16]*Group
	groupByNm map[string]*Group
	sigByID   map[uint16]*SignatureScheme
}

type ianaRow struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Source string `json:"source"`
	TLS13  bool   `json:"tls13,omitempty"`
	SCSV   bool   `json:"scsv,omitempty"`
}

type ianaFile struct {
	Version          string    `json:"version"`
	Source           string    `json:"source"`
	CipherSuites     []ianaRow `json:"cipherSuites"`
	Groups           []ianaRow `json:"groups"`
	SignatureSchemes []ianaRow `json:"signatureSchemes"`
}

var (
	ianaOnce sync.Once
	ianaData *IANA
	ianaErr  error
)

// LoadIANA returns the embedded IANA tables, decoded and validated on first
// use.
func LoadIANA() (*IANA, error) {
	ianaOnce.Do(func() { ianaData, ianaErr = parseIANA(ianaJSON) })
	return ianaData, ianaErr
}

// MustIANA is LoadIANA for callers that ship the embedded data: the table is
// validated by this package's tests, so a failure is a build defect.
func MustIANA() *IANA {
	t, err := LoadIANA()
	if err != nil {
		panic(err)
	}
	return t
}

func parseIANA(b []byte) (*IANA, error) {
	var f ianaFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("decoding IANA tables: %w", err)
	}
	if f.Version == "" || f.Source == "" {
		return nil, fmt.Errorf("IANA tables need a version and a source")
	}
	t := &IANA{
		Version: f.Version, Source: f.Source,
		suiteByID: map[uint16]*Suite{}, suiteByNm: map[string]*Suite{},
		groupByID: map[uint16]*Group{}, groupByNm: map[string]*Group{},
		sigByID: map[uint16]*SignatureScheme{},
	}
	check := func(table string, r ianaRow, ids map[uint16]bool, names map[string]bool) (uint16, error) {
		id, err := parseCodePoint(r.ID)
		if err != nil {
			return 0, fmt.Errorf("%s row %q: %w", table, r.Name, err)
		}
		if r.Name == "" || r.Source == "" {
			return 0, fmt.Errorf("%s row %s has no name or no source", table, r.ID)
		}
		if ids[id] || names[r.Name] {
			return 0, fmt.Errorf("%s row %s %s listed twice", table, r.ID, r.Name)
		}
		ids[id], names[r.Name] = true, true
		return id, nil
	}
	ids, names := map[uint16]bool{}, map[string]bool{}
	for _, r := range f.CipherSuites {
		id, err := check("cipher suite", r, ids, names)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(r.Name, "TLS_") {
			return nil, fmt.Errorf("cipher suite %s: name %q does not start with TLS_", r.ID, r.Name)
		}
		if r.TLS13 != (id>>8 == 0x13) {
			return nil, fmt.Errorf("cipher suite %s %s: tls13 flag disagrees with its code point", r.ID, r.Name)
		}
		t.Suites = append(t.Suites, Suite{ID: id, Name: r.Name, Source: r.Source, TLS13: r.TLS13, SCSV: r.SCSV})
	}
	ids, names = map[uint16]bool{}, map[string]bool{}
	for _, r := range f.Groups {
		id, err := check("group", r, ids, names)
		if err != nil {
			return nil, err
		}
		t.Groups = append(t.Groups, Group{ID: id, Name: r.Name, Source: r.Source})
	}
	ids, names = map[uint16]bool{}, map[string]bool{}
	for _, r := range f.SignatureSchemes {
		id, err := check("signature scheme", r, ids, names)
		if err != nil {
			return nil, err
		}
		t.SignatureSchemes = append(t.SignatureSchemes, SignatureScheme{ID: id, Name: r.Name, Source: r.Source})
	}
	if len(t.Suites) == 0 || len(t.Groups) == 0 || len(t.SignatureSchemes) == 0 {
		return nil, fmt.Errorf("IANA tables are empty")
	}
	for i := range t.Suites {
		t.suiteByID[t.Suites[i].ID] = &t.Suites[i]
		t.suiteByNm[t.Suites[i].Name] = &t.Suites[i]
	}
	for i := range t.Groups {
		t.groupByID[t.Groups[i].ID] = &t.Groups[i]
		t.groupByNm[t.Groups[i].Name] = &t.Groups[i]
	}
	for i := range t.SignatureSchemes {
		t.sigByID[t.SignatureSchemes[i].ID] = &t.SignatureSchemes[i]
	}
	return t, nil
}

func parseCodePoint(s string) (uint16, error) {
	if !strings.HasPrefix(s, "0x") || len(s) != 6 {
		return 0, fmt.Errorf("code point %q is not 0xHHHH", s)
	}
	v, err := strconv.ParseUint(s[2:], 16, 16)
	if err != nil {
		return 0, fmt.Errorf("code point %q: %w", s, err)
	}
	return uint16(v), nil
}

// Suite returns the suite with code point id.
func (t *IANA) Suite(id uint16) (Suite, bool) {
	s, ok := t.suiteByID[id]
	if !ok {
		return Suite{}, false
	}
	return *s, true
}

// SuiteByName returns the suite with IANA name n.
func (t *IANA) SuiteByName(n string) (Suite, bool) {
	s, ok := t.suiteByNm[n]
	if !ok {
		return Suite{}, false
	}
	return *s, true
}

// SuiteName is the IANA name of id, or "0xHHHH" when unassigned.
func (t *IANA) SuiteName(id uint16) string {
	if s, ok := t.suiteByID[id]; ok {
		return s.Name
	}
	return fmt.Sprintf("0x%04X", id)
}

// Group returns the group with code point id.
func (t *IANA) Group(id uint16) (Group, bool) {
	g, ok := t.groupByID[id]
	if !ok {
		return Group{}, false
	}
	return *g, true
}

// GroupByName returns the group with IANA name n.
func (t *IANA) GroupByName(n string) (Group, bool) {
	g, ok := t.groupByNm[n]
	if !ok {
		return Group{}, false
	}
	return *g, true
}

// GroupName is the IANA name of id, or "0xHHHH" when unassigned.
func (t *IANA) GroupName(id uint16) string {
	if g, ok := t.groupByID[id]; ok {
		return g.Name
	}
	return fmt.Sprintf("0x%04X", id)
}

// SignatureSchemeName is the IANA name of id, or "0xHHHH" when unassigned.
func (t *IANA) SignatureSchemeName(id uint16) string {
	if s, ok := t.sigByID[id]; ok {
		return s.Name
	}
	return fmt.Sprintf("0x%04X", id)
}
