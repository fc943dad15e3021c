package scan

import (
	"log/slog"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evaluate"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/probes/plan"
)

// Options say what to scan and which evidence to gather.
type Options struct {
	// From is a directory of manifests.
	From string
	// Cluster names the cluster in path ids and reports (default: the
	// directory's base name).
	Cluster string
	// Targets map Service ports to addresses to probe. Ports without a
	// target are not probed and say so.
	Targets []Target
	// Probe turns the active probes on (they run against Targets).
	Probe bool
	// ProbeLimits bound the probe run.
	ProbeLimits plan.Limits
	// CABundle is a PEM bundle to verify server chains against.
	CABundle string
	// Policy turns mesh-policy prediction on (default on in the CLI).
	Policy bool
	// PCAPs are capture files to classify.
	PCAPs []string
	// Images turns image inspection on: every image the inventory
	// references, through ImageMap.
	Images bool
	// ImageMap maps an image reference in the manifests to where its
	// content can be read (oci-layout:DIR, a tarball path, another
	// reference).
	ImageMap map[string]string
	// Preloaded holds evidence documents gathered elsewhere (probe pods, the
	// sensor, a previous run), used instead of gathering that kind here.
	Preloaded Preloaded
	// Profile names the compliance profile (default sp800-52r2).
	Profile string
	Waivers []evaluate.Waiver
	// Now is the evaluation time (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Preloaded are evidence documents read from files.
type Preloaded struct {
	Probes *evidence.ProbeReport
	Policy *evidence.PolicyReport
	Flows  *evidence.FlowReport
	Images *evidence.ImageReport
}

// Target maps one Service port to an address to probe.
type Target struct {
	Service    evidence.ServicePort `json:"service"`
	Address    string               `json:"address"` // host:port
	ServerName string               `json:"serverName,omitempty"`
	Scheme     string               `json:"scheme,omitempty"`
}

// TargetMap is the file form of Targets (kind TargetMap), as the demo lab
// writes it.
type TargetMap struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Targets    []Target `json:"targets"`
}
