package waivers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evaluate"
	"github.com/sc8scan/sc8scan/pkg/matrix"
	yaml "go.yaml.in/yaml/v3"
	k8syaml "sigs.k8s.io/yaml"
)

// Finding kinds, worst first.
const (
	KindError    = "error"    // the entry is invalid; a scan would refuse the file
	KindExpired  = "expired"  // past its expiry: its cells FAIL again (scan exits 5)
	KindExpiring = "expiring" // expires within the window asked for
	KindUnused   = "unused"   // matches no FAIL, WARN or WAIVED cell of the matrix
	KindOverlap  = "overlap"  // shares cells with another waiver
)

// Finding is one thing to fix or watch in a waiver file.
type Finding struct {
	Kind   string `json:"kind"`
	Waiver string `json:"waiver,omitempty"`
	Line   int    `json:"line"`
	Text   string `json:"text"`
}

// Report is the result of a check.
type Report struct {
	File     string    `json:"file"`
	Waivers  int       `json:"waivers"`
	Checked  time.Time `json:"checkedAt"`
	Findings []Finding `json:"findings"`
}

// Count returns how many findings are of kind.
func (r *Report) Count(kind string) int {
	n := 0
	for _, f := range r.Findings {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

// maxFile bounds a waiver file.
const maxFile = 8 << 20

// fields are the keys a waiver entry may have (evaluate.Waiver's).
var fields = map[string]bool{"id": true, "check": true, "rowId": true, "classId": true, "source": true, "destination": true,
	"pathId": true, "justification": true, "approver": true, "expires": true, "deviation": true, "poam": true}

// Check validates the waiver file data and lists what needs attention at
// now: expired waivers, those expiring before now+within, and with a
// matrix m (nil: not checked) those that match nothing in it and those
// that overlap.
func Check(name string, data []byte, m *matrix.Matrix, now time.Time, within time.Duration) (*Report, error) {
	if len(data) > maxFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxFile)
	}
	rep := &Report{File: name, Checked: now, Findings: []Finding{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("reading %s: not a Waivers document", name)
	}
	top := doc.Content[0]
	if kind := value(top, "kind"); kind == nil || kind.Value != "Waivers" {
		return nil, fmt.Errorf("reading %s: kind is not Waivers", name)
	}
	list := value(top, "waivers")
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("reading %s: no waivers list", name)
	}
	add := func(kind, id string, line int, format string, a ...any) {
		rep.Findings = append(rep.Findings, Finding{Kind: kind, Waiver: id, Line: line, Text: fmt.Sprintf(format, a...)})
	}
	var valid []evaluate.Waiver
	var lines []int
	seen := map[string]int{}
	for _, n := range list.Content {
		rep.Waivers++
		w, ok := decode(n, add)
		if !ok {
			continue
		}
		if first, dup := seen[w.ID]; dup && w.ID != "" {
			add(KindError, w.ID, line(n, "id"), "id %s is used twice (first on line %d)", w.ID, first)
			continue
		}
		seen[w.ID] = n.Line
		if err := evaluate.ValidateWaiver(w); err != nil {
			add(KindError, w.ID, lineOfError(n, err.Error()), "%s", strings.TrimPrefix(err.Error(), "waiver "+w.ID+": "))
			continue
		}
		valid = append(valid, w)
		lines = append(lines, n.Line)
		switch {
		case !now.Before(w.Expires):
			add(KindExpired, w.ID, line(n, "expires"), "expired on %s (%s ago); its cells FAIL again and a scan exits 5", w.Expires.Format("2006-01-02"), days(now.Sub(w.Expires)))
		case w.Expires.Before(now.Add(within)):
			add(KindExpiring, w.ID, line(n, "expires"), "expires on %s, in %s", w.Expires.Format("2006-01-02"), days(w.Expires.Sub(now)))
		}
	}
	if m != nil {
		reach := evaluate.Reach(m, valid)
		for i, w := range valid {
			if reach[i].Cells == 0 {
				add(KindUnused, w.ID, lines[i], "matches no FAIL, WARN or WAIVED cell of the matrix: remove it, or fix what it names")
			}
			var others []string
			for id := range reach[i].Shared {
				others = append(others, id)
			}
			sort.Strings(others)
			for _, o := range others {
				if w.ID < o {
					add(KindOverlap, w.ID, lines[i], "shares %d of its %d cells with %s: one cell, one waiver", reach[i].Shared[o], reach[i].Cells, o)
				}
			}
		}
	}
	sort.SliceStable(rep.Findings, func(i, j int) bool { return rep.Findings[i].Line < rep.Findings[j].Line })
	return rep, nil
}

// decode turns one waiver entry into a Waiver, reporting unknown keys and
// values of the wrong shape with their lines.
func decode(n *yaml.Node, add func(kind, id string, line int, format string, a ...any)) (evaluate.Waiver, bool) {
	var w evaluate.Waiver
	if n.Kind != yaml.MappingNode {
		add(KindError, "", n.Line, "a waiver must be a mapping of fields")
		return w, false
	}
	id := ""
	if v := value(n, "id"); v != nil {
		id = v.Value
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !fields[k.Value] {
			add(KindError, id, k.Line, "unknown field %q", k.Value)
			ok = false
		}
	}
	if !ok {
		return w, false
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(n); err != nil {
		add(KindError, id, n.Line, "%v", err)
		return w, false
	}
	j, err := k8syaml.YAMLToJSON(b.Bytes())
	if err == nil {
		err = json.Unmarshal(j, &w)
	}
	if err != nil {
		if e := value(n, "expires"); e != nil && strings.Contains(err.Error(), "parsing time") {
			add(KindError, id, e.Line, "expires %q is not a date and time (RFC 3339, e.g. 2027-06-30T00:00:00Z)", e.Value)
			return w, false
		}
		add(KindError, id, n.Line, "%v", err)
		return w, false
	}
	return w, true
}

// value returns the value node of key in a mapping node, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// line returns the line of key in a waiver entry, or the entry's own.
func line(n *yaml.Node, key string) int {
	if v := value(n, key); v != nil {
		return v.Line
	}
	return n.Line
}

// lineOfError points a validation error at the field it is about.
func lineOfError(n *yaml.Node, msg string) int {
	for _, c := range []struct{ word, key string }{
		{"check", "check"}, {"pattern", "destination"}, {"approver", "approver"}, {"justification", "justification"},
		{"expiry", "expires"}, {"pathId", "pathId"}, {"id", "id"},
	} {
		if strings.Contains(msg, c.word) {
			if c.key == "destination" {
				for _, k := range []string{"source", "destination"} {
					if v := value(n, k); v != nil && strings.Contains(msg, fmt.Sprintf("%q", v.Value)) {
						return v.Line
					}
				}
			}
			return line(n, c.key)
		}
	}
	return n.Line
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
