package matrix

import (
	"time"

	"github.com/sc8scan/sc8scan/pkg/version"
)

// APIVersion and Kind of the JSON form.
const (
	APIVersion = "sc8scan.dev/v1alpha1"
	Kind       = "Matrix"
)

// Matrix is the SC-8 compliance matrix.
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
	Summary     Summary      `json:"summary"`
	Evidence    []Evidence   `json:"evidence"`
	// Scope says what was looked at and what was left out, in words.
	Scope []string `json:"scope,omitempty"`
	// Problems are input problems met on the way (unreadable files, objects
	// that could not be resolved).
	Problems []string `json:"problems,omitempty"`
	// Waivers says what each waiver did: how many cells it covered and
	// whether it had expired.
	Waivers []WaiverUse `json:"waivers,omitempty"`
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

// Row is one service path.
type Row struct {
	PathID      string      `json:"pathId"`
	Source      Endpoint    `json:"source"`
	Destination Destination `json:"destination"`
	Cells       []Cell      `json:"cells"`
	Status      Status      `json:"status"`
}

// Endpoint is the client end of a path.
type Endpoint struct {
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Mesh      string `json:"mesh"`
}

// Destination is the server end of a path.
type Destination struct {
	Namespace   string `json:"namespace"`
	Service     string `json:"service"`
	Port        int    `json:"port"`
	PortName    string `json:"portName,omitempty"`
	AppProtocol string `json:"appProtocol,omitempty"`
	TargetPort  int    `json:"targetPort,omitempty"`
	Mesh        string `json:"mesh,omitempty"`
}

// Cell is one (path x check) verdict.
type Cell struct {
	Check    string   `json:"check"`
	Status   Status   `json:"status"`
	Reason   string   `json:"reason"`
	Evidence []string `json:"evidence,omitempty"`
	Waiver   string   `json:"waiver,omitempty"`
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

// Cell returns the row's cell for check id, or nil.
func (r *Row) Cell(id string) *Cell {
	for i := range r.Cells {
		if r.Cells[i].Check == id {
			return &r.Cells[i]
		}
	}
	return nil
}
