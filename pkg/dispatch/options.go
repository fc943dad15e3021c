package dispatch

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Mesh vantages a run can add beside the out-of-mesh probe.
const (
	VantageNone    = ""
	VantageSidecar = "sidecar"
	VantageAmbient = "ambient"
)

// Options configure a run. Zero fields take the defaults stated.
type Options struct {
	// Image is the sc8scan image (sc8probe and sc8sensor inside); required.
	Image string
	// PullPolicy of every container (default IfNotPresent).
	PullPolicy corev1.PullPolicy
	// Namespace holds the probe Jobs (default "sc8scan"); it is created,
	// with the restricted Pod Security profile and outside every mesh, when
	// missing, and then deleted at the end.
	Namespace string
	// SensorNamespace holds the sensor DaemonSet (default
	// "sc8scan-sensor"), enforcing the privileged profile that hostNetwork
	// and NET_RAW need; only used with CaptureFor.
	SensorNamespace string
	// MeshNamespace holds the in-mesh probe Jobs (default "sc8scan-mesh");
	// only used with MeshVantage.
	MeshNamespace string
	// RunID names the run's objects (default: random, 8 hex digits).
	RunID string
	// Deadline bounds the whole run: every Job's activeDeadlineSeconds and
	// the lease (default 15m).
	Deadline time.Duration
	// LeaseGrace is how long each lease outlives Deadline (default 90s,
	// the time a live scanner gives its own clean-up), so a scanner that is
	// still running always cleans up first.
	LeaseGrace time.Duration
	// TargetsPerJob splits the plan into Jobs of at most this many targets
	// (default 200; one ConfigMap each stays far below its 1 MiB limit).
	TargetsPerJob int
	// CaptureFor turns the sensor on for this window (0: no sensor).
	CaptureFor time.Duration
	// CaptureInterfaces are the sensor's interfaces (default "auto": the
	// node's bridges, else every interface but loopback and veths).
	CaptureInterfaces string
	// MeshVantage adds a second probe run from inside the mesh:
	// VantageSidecar or VantageAmbient.
	MeshVantage string
	// Logger receives progress (default: discarded).
	Logger *slog.Logger
	// Progress, when set, receives one human line per change of state.
	Progress io.Writer
}

func (o Options) withDefaults() (Options, error) {
	if o.Image == "" {
		return o, fmt.Errorf("no image to run the probes from (give the sc8scan image)")
	}
	if o.PullPolicy == "" {
		o.PullPolicy = corev1.PullIfNotPresent
	}
	if o.Namespace == "" {
		o.Namespace = "sc8scan"
	}
	if o.SensorNamespace == "" {
		o.SensorNamespace = "sc8scan-sensor"
	}
	if o.MeshNamespace == "" {
		o.MeshNamespace = "sc8scan-mesh"
	}
	if o.Deadline <= 0 {
		o.Deadline = 15 * time.Minute
	}
	if o.LeaseGrace <= 0 {
		o.LeaseGrace = cleanupWithin
	}
	if o.TargetsPerJob <= 0 {
		o.TargetsPerJob = 200
	}
	if o.CaptureInterfaces == "" {
		o.CaptureInterfaces = "auto"
	}
	if o.CaptureFor < 0 {
		return o, fmt.Errorf("capture window %s is negative", o.CaptureFor)
	}
	if o.CaptureFor >= o.Deadline {
		return o, fmt.Errorf("capture window %s does not fit in the run's deadline %s", o.CaptureFor, o.Deadline)
	}
	switch o.MeshVantage {
	case VantageNone, VantageSidecar, VantageAmbient:
	default:
		return o, fmt.Errorf("mesh vantage %q: want %s or %s", o.MeshVantage, VantageSidecar, VantageAmbient)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}
