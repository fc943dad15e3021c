package matrix

import (
	"crypto/sha1"
	"fmt"
	"strconv"
	"strings"
)

// Path is one service path seen through the matrix: a source workload, the
// row of its destination port and the class the source belongs to there.
// Its cells are the row's followed by the class's.
type Path struct {
	// ID is the path's stable id, the same UUIDv5 that the inventory gives
	// the path (cluster, source, destination, port).
	ID     string
	Source Endpoint
	Row    *Row
	Class  *Class
}

// Cells returns the path's cells in catalog order.
func (p Path) Cells() []Cell {
	out := make([]Cell, 0, len(p.Row.Cells)+len(p.Class.Cells))
	for _, c := range Catalog {
		var cell *Cell
		if c.Level == LevelDestination {
			cell = p.Row.Cell(c.ID)
		} else {
			cell = p.Class.Cell(c.ID)
		}
		if cell != nil {
			out = append(out, *cell)
		}
	}
	return out
}

// Status is the worst status of the path's cells.
func (p Path) Status() Status {
	var sts []Status
	for _, c := range p.Cells() {
		sts = append(sts, c.Status)
	}
	return Worst(sts...)
}

// Index resolves group ids. Build it once with NewIndex.
type Index struct {
	m      *Matrix
	groups map[string]*Group
}

// NewIndex indexes m's groups.
func NewIndex(m *Matrix) *Index {
	ix := &Index{m: m, groups: make(map[string]*Group, len(m.Groups))}
	for i := range m.Groups {
		ix.groups[m.Groups[i].ID] = &m.Groups[i]
	}
	return ix
}

// Members returns the members of class c.
func (ix *Index) Members(c *Class) []Endpoint {
	if g := ix.groups[c.Group]; g != nil {
		return g.Members
	}
	return nil
}

// Filter selects paths. Source is "ns/workload" or "ns/Kind/workload";
// Destination is "ns/service" or "ns/service:port". Empty fields match
// everything.
type Filter struct {
	Source      string
	Destination string
}

// ParseFilter checks the syntax of the two selectors.
func ParseFilter(source, destination string) (Filter, error) {
	f := Filter{Source: source, Destination: destination}
	if source != "" {
		if n := strings.Count(source, "/"); n < 1 || n > 2 || strings.HasPrefix(source, "/") || strings.HasSuffix(source, "/") {
			return f, fmt.Errorf("--source %q: want NAMESPACE/WORKLOAD or NAMESPACE/KIND/WORKLOAD", source)
		}
	}
	if destination != "" {
		svc, port, hasPort := strings.Cut(destination, ":")
		if strings.Count(svc, "/") != 1 || strings.HasPrefix(svc, "/") || strings.HasSuffix(svc, "/") {
			return f, fmt.Errorf("--destination %q: want NAMESPACE/SERVICE or NAMESPACE/SERVICE:PORT", destination)
		}
		if hasPort {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				return f, fmt.Errorf("--destination %q: the port must be a number from 1 to 65535", destination)
			}
		}
	}
	return f, nil
}

// Empty reports whether the filter matches everything.
func (f Filter) Empty() bool { return f.Source == "" && f.Destination == "" }

// MatchesRow reports whether the row's destination matches.
func (f Filter) MatchesRow(r *Row) bool {
	if f.Destination == "" {
		return true
	}
	d := r.Destination
	svc, port, hasPort := strings.Cut(f.Destination, ":")
	if svc != d.Namespace+"/"+d.Service {
		return false
	}
	return !hasPort || port == strconv.Itoa(d.Port)
}

// MatchesSource reports whether the source workload matches.
func (f Filter) MatchesSource(e Endpoint) bool {
	switch strings.Count(f.Source, "/") {
	case 0:
		return f.Source == ""
	case 1:
		return f.Source == e.Namespace+"/"+e.Name
	}
	return f.Source == e.String()
}

// Paths calls fn for every path that f selects, row by row, class by
// class, member by member. It holds nothing per path: a scan of any size
// expands in constant extra memory. fn's error stops the walk.
func (ix *Index) Paths(f Filter, fn func(Path) error) error {
	for i := range ix.m.Rows {
		r := &ix.m.Rows[i]
		if !f.MatchesRow(r) {
			continue
		}
		for j := range r.Classes {
			c := &r.Classes[j]
			for _, e := range ix.Members(c) {
				if f.Source != "" && !f.MatchesSource(e) {
					continue
				}
				p := Path{ID: PathID(ix.m.Cluster, e, r.Destination), Source: e, Row: r, Class: c}
				if err := fn(p); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// urlNamespace is RFC 9562's URL namespace.
var urlNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// pathNamespace is the UUIDv5 namespace of path ids, rowNamespace of row
// ids and classNamespace of class ids.
var (
	pathNamespace  = UUIDv5(urlNamespace, "sc8scan.dev/path")
	rowNamespace   = UUIDv5(urlNamespace, "sc8scan.dev/row")
	classNamespace = UUIDv5(urlNamespace, "sc8scan.dev/class")
	groupNamespace = UUIDv5(urlNamespace, "sc8scan.dev/group")
)

// PathID is the stable id of the path from source to d's port.
func PathID(cluster string, source Endpoint, d Destination) string {
	name := cluster + "\x00" + source.String() + "\x00" + d.Namespace + "/" + d.Service + "\x00" + strconv.Itoa(d.Port)
	return FormatUUID(UUIDv5(pathNamespace, name))
}

// RowID is the stable id of the row for d's port.
func RowID(cluster string, d Destination) string {
	return FormatUUID(UUIDv5(rowNamespace, cluster+"\x00"+d.Namespace+"/"+d.Service+"\x00"+strconv.Itoa(d.Port)))
}

// ClassID is the stable id of the class with key under row rowID.
func ClassID(rowID, key string) string {
	return FormatUUID(UUIDv5(classNamespace, rowID+"\x00"+key))
}

// GroupID is the id of a member list: a UUIDv5 over its members, so the
// same list has the same id wherever it appears.
func GroupID(members []Endpoint) string {
	h := sha1.New()
	for _, m := range members {
		h.Write([]byte(m.String()))
		h.Write([]byte{0})
	}
	return FormatUUID(UUIDv5(groupNamespace, string(h.Sum(nil))))
}

// UUIDv5 is the name-based (SHA-1) UUID of name in namespace ns (RFC 9562
// section 5.5).
func UUIDv5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	return u
}

// FormatUUID renders u in the canonical 8-4-4-4-12 form.
func FormatUUID(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
