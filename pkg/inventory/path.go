package inventory

import (
	"crypto/sha1"
	"fmt"
	"strconv"
)

// Path is one service path: a source workload talking to one port of a
// destination Service. The matrix holds paths by destination port and
// class of sources; a Path names one of them.
type Path struct {
	// ID is a UUIDv5 over cluster, source, destination and port: the same
	// path keeps its id across runs.
	ID          string      `json:"id"`
	Source      WorkloadRef `json:"source"`
	Destination ServiceRef  `json:"destination"`
	Port        ServicePort `json:"port"`
}

// pathNamespace is the UUIDv5 namespace of sc8scan path ids (itself the
// UUIDv5 of "sc8scan.dev/path" in the URL namespace).
var pathNamespace = uuidV5(urlNamespace, []byte("sc8scan.dev/path"))

var urlNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// PathID returns the stable id of the path from src to dst:port in cluster.
func PathID(cluster string, src WorkloadRef, dst ServiceRef, port int32) string {
	name := cluster + "\x00" + src.String() + "\x00" + dst.String() + "\x00" + strconv.Itoa(int(port))
	return formatUUID(uuidV5(pathNamespace, []byte(name)))
}

// NewPath builds a path with its id.
func NewPath(cluster string, src WorkloadRef, dst ServiceRef, port ServicePort) Path {
	return Path{ID: PathID(cluster, src, dst, port.Port), Source: src, Destination: dst, Port: port}
}

// Less orders paths by destination, port, then source.
func (p Path) Less(q Path) bool {
	if p.Destination != q.Destination {
		return p.Destination.String() < q.Destination.String()
	}
	if p.Port.Port != q.Port.Port {
		return p.Port.Port < q.Port.Port
	}
	return p.Source.String() < q.Source.String()
}

// String renders the path as "src -> dst:port".
func (p Path) String() string {
	return fmt.Sprintf("%s -> %s:%d", p.Source, p.Destination, p.Port.Port)
}

// UUIDv5 returns the name-based (SHA-1) UUID of name in namespace ns, as
// RFC 9562 defines it. Other packages use it for stable ids.
func UUIDv5(ns string, name string) string {
	var nsb [16]byte
	parseUUID(ns, &nsb)
	return formatUUID(uuidV5(nsb, []byte(name)))
}

func uuidV5(ns [16]byte, name []byte) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write(name)
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	return u
}

func formatUUID(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func parseUUID(s string, u *[16]byte) {
	j := 0
	for i := 0; i+1 < len(s) && j < 16; {
		if s[i] == '-' {
			i++
			continue
		}
		b, err := strconv.ParseUint(s[i:i+2], 16, 8)
		if err != nil {
			return
		}
		u[j] = byte(b)
		j++
		i += 2
	}
}
