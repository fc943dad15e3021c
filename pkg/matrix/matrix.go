package matrix

import (
	"time"

	"github.com/sc8scan/sc8scan/pkg/version"
)

// APIVersion and Kind of the JSON form. v1alpha2 is the two-level matrix:
// one row per destination port, source classes under it.
const (
	APIVersion = "sc8scan.dev/v1alpha2"
	Kind       = "Matrix"
)

// Matrix is the SC-8 compliance matrix. A row is a destination port; the
// checks that depend only on the server are decided once per row, the
// others once per source class under it. A service path (source workload
// to destination port) is the row's cells plus the cells of the class
// whose group holds the source.
type Matrix struct {
	APIVersion  string       `json:"apiVersion"`
	Kind        string       `json:"kind"`
	Scanner     version.Info `json:"scanner"`
	Cluster     string       `json:"cluster"`
	Source      string       `json:"source"`
	GeneratedAt time.Time    `json:"generatedAt"`
	Profile     string       `json:"profile"`
	Controls    []Control    `json:"controls"`
	Checks      []Check      `json:"checks"`
	Rows        []Row        `json:"rows"`
	// Groups are the member lists of the source classes, each written once
	// however many classes share it.
	Groups   []Group    `json:"groups"`
	Summary  Summary    `json:"summary"`
	Evidence []Evidence `json:"evidence"`
	// Scope says what was looked at and what was left out, in words.
	Scope []string `json:"scope,omitempty"`
	// Problems are input problems met on the way (unreadable files, objects
	// that could not be resolved).
	Problems []string `json:"problems,omitempty"`
	// Waivers says what each waiver did: how many cells it covered and
	// whether it had expired.
	Waivers []WaiverUse `json:"waivers,omitempty"`
	// Baseline, when the matrix was compared with an earlier one, says
	// what changed (see Compare).
	Baseline *Baseline `json:"baseline,omitempty"`
}

// WaiverUse is one waiver's effect on the matrix.
type WaiverUse struct {
	ID            string    `json:"id"`
	Cells         int       `json:"cells"`
	Expired       bool      `json:"expired"`
	Expires       time.Time `json:"expires"`
	Approver      string    `json:"approver"`
	Justification string    `json:"justification"`
}

// ExpiredWaivers returns the ids of waivers that had expired and still
// matched cells.
func (m *Matrix) ExpiredWaivers() []string {
	var out []string
	for _, w := range m.Waivers {
		if w.Expired && w.Cells > 0 {
			out = append(out, w.ID)
		}
	}
	return out
}

// Row is one destination port.
type Row struct {
	// ID is a UUIDv5 over cluster, destination Service and port: stable
	// across runs.
	ID          string      `json:"id"`
	Destination Destination `json:"destination"`
	// Cells hold the destination-level checks (Check.Level "destination").
	Cells []Cell `json:"cells"`
	// Classes hold the source-level checks, one class per set of sources
	// the evidence cannot tell apart.
	Classes []Class `json:"classes"`
	// Status is the worst status of the row's cells and classes.
	Status Status `json:"status"`
	// Change is "new" when the row was not in the baseline.
	Change string `json:"change,omitempty"`
}

// Class is a set of source workloads that the evidence cannot tell apart
// for one destination port: same mesh mode, same client TLS settings, same
// client-side FIPS verdict, same observed traffic.
type Class struct {
	// ID is a UUIDv5 over the row id and the class key: stable while the
	// class's defining attributes stay.
	ID string `json:"id"`
	// Key lists the attributes that define the class, in words.
	Key  string `json:"key"`
	Mesh string `json:"mesh"`
	// Group is the id of the Matrix group that lists the members.
	Group   string `json:"group"`
	Members int    `json:"members"`
	Cells   []Cell `json:"cells"`
	Status  Status `json:"status"`
	// Change is "new" when the class was not in the baseline.
	Change string `json:"change,omitempty"`
}

// Group is one list of source workloads.
type Group struct {
	ID      string     `json:"id"`
	Members []Endpoint `json:"members"`
}

// Endpoint is a source workload.
type Endpoint struct {
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Mesh      string `json:"mesh"`
}

// String renders the endpoint as ns/Kind/name.
func (e Endpoint) String() string { return e.Namespace + "/" + e.Kind + "/" + e.Name }

// Destination is the server end of a row.
type Destination struct {
	Namespace   string `json:"namespace"`
	Service     string `json:"service"`
	Port        int    `json:"port"`
	PortName    string `json:"portName,omitempty"`
	AppProtocol string `json:"appProtocol,omitempty"`
	TargetPort  int    `json:"targetPort,omitempty"`
	Mesh        string `json:"mesh,omitempty"`
}

// Cell is one verdict: (row x destination check) or (class x source check).
type Cell struct {
	Check    string   `json:"check"`
	Status   Status   `json:"status"`
	Reason   string   `json:"reason"`
	Evidence []string `json:"evidence,omitempty"`
	Waiver   string   `json:"waiver,omitempty"`
	// Change is the cell's change since the baseline (see Compare).
	Change string `json:"change,omitempty"`
}

// Evidence names one evidence document, with its hash once written.
type Evidence struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"` // "ProbeReport", ...
	File   string `json:"file,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	// Detail locates the piece inside the document, e.g. "results[3]".
	Detail string `json:"detail,omitempty"`
}

// Cell returns the row's destination cell for check id, or nil.
func (r *Row) Cell(id string) *Cell { return findCell(r.Cells, id) }

// Cell returns the class's cell for check id, or nil.
func (c *Class) Cell(id string) *Cell { return findCell(c.Cells, id) }

func findCell(cs []Cell, id string) *Cell {
	for i := range cs {
		if cs[i].Check == id {
			return &cs[i]
		}
	}
	return nil
}
