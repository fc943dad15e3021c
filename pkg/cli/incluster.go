package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/dispatch"
	"github.com/sc8scan/sc8scan/pkg/version"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
)

// inClusterFlags are the flags of an in-cluster run, shared by scan and gen.
type inClusterFlags struct {
	image, pullPolicy, namespace   string
	sensorNamespace, meshNamespace string
	meshVantage, interfaces, runID string
	captureFor, deadline           time.Duration
	targetsPerJob                  int
}

// defaultImage is the sc8scan image of this build's version.
func defaultImage() string {
	v := version.Get("sc8scan").Version
	if v == "" || strings.HasPrefix(v, "(") {
		v = "dev"
	}
	return "ghcr.io/sc8scan/sc8scan:" + v
}

func (f *inClusterFlags) add(fl *pflag.FlagSet) {
	fl.StringVar(&f.image, "image", defaultImage(), "the sc8scan image the probe pods and the sensor run (built by make image)")
	fl.StringVar(&f.pullPolicy, "image-pull-policy", string(corev1.PullIfNotPresent), "imagePullPolicy of the run's pods: Always, IfNotPresent or Never")
	fl.StringVar(&f.namespace, "namespace", "sc8scan", "namespace of the probe Jobs (created with the restricted Pod Security profile when missing, and then deleted)")
	fl.StringVar(&f.sensorNamespace, "sensor-namespace", "sc8scan-sensor", "namespace of the sensor DaemonSet (privileged profile: hostNetwork and NET_RAW)")
	fl.StringVar(&f.meshNamespace, "mesh-namespace", "sc8scan-mesh", "namespace of the in-mesh probe Jobs (--mesh-vantage)")
	fl.StringVar(&f.meshVantage, "mesh-vantage", "", "also probe from inside the mesh: sidecar or ambient")
	fl.DurationVar(&f.captureFor, "capture-for", 0, "run the packet sensor on every node for this window (e.g. 60s); 0: no capture")
	fl.StringVar(&f.interfaces, "capture-interfaces", "auto", "the sensor's interfaces: auto (the node's bridges, else all but lo and veths) or a comma-separated list")
	fl.DurationVar(&f.deadline, "run-deadline", 15*time.Minute, "bound on the whole in-cluster run: every Job's activeDeadlineSeconds, and when a killed scanner's leftovers delete themselves")
	fl.IntVar(&f.targetsPerJob, "targets-per-job", 200, "targets one probe Job takes; more targets make more Jobs")
}

func (f *inClusterFlags) options() (dispatch.Options, error) {
	switch corev1.PullPolicy(f.pullPolicy) {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		return dispatch.Options{}, fmt.Errorf("--image-pull-policy %q: want Always, IfNotPresent or Never", f.pullPolicy)
	}
	if f.targetsPerJob < 1 {
		return dispatch.Options{}, fmt.Errorf("--targets-per-job must be at least 1")
	}
	return dispatch.Options{
		Image: f.image, PullPolicy: corev1.PullPolicy(f.pullPolicy), Namespace: f.namespace,
		SensorNamespace: f.sensorNamespace, MeshNamespace: f.meshNamespace, MeshVantage: f.meshVantage,
		CaptureFor: f.captureFor, CaptureInterfaces: f.interfaces, Deadline: f.deadline,
		TargetsPerJob: f.targetsPerJob, RunID: f.runID,
	}, nil
}

// changed reports whether any in-cluster flag was given.
func (f *inClusterFlags) changed(fl *pflag.FlagSet) []string {
	var out []string
	for _, n := range []string{"image", "image-pull-policy", "namespace", "sensor-namespace", "mesh-namespace", "mesh-vantage", "capture-for", "capture-interfaces", "run-deadline", "targets-per-job"} {
		if fl.Changed(n) {
			out = append(out, "--"+n)
		}
	}
	return out
}
