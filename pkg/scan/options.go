package scan

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/sc8scan/sc8scan/pkg/discover"
	"github.com/sc8scan/sc8scan/pkg/dispatch"
	"github.com/sc8scan/sc8scan/pkg/evaluate"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/probes/plan"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Options say what to scan and which evidence to gather.
type Options struct {
	// From is a directory of manifests.
	From string
	// Kube, when set, is a live cluster to read instead of From (see
	// LoadKubeconfig).
	Kube *rest.Config
	// Cluster names the cluster in path ids and reports (default: the
	// directory's base name; for a live cluster, the API server's host).
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
	// ImagesOffline never contacts a registry: images without an ImageMap
	// entry are listed as not inspected.
	ImagesOffline bool
	// InCluster, when set, runs the probes (and the sensor, with its
	// CaptureFor) as pods in the live cluster Kube names, against every
	// Service ClusterIP, endpoint pod IP and declared pod port of the
	// inventory, instead of probing from this machine.
	InCluster *dispatch.Options
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

// discover builds the inventory from the live cluster when Kube is set,
// else from the manifests in From. cluster is the name Run chose from From;
// a live cluster's name is Cluster, else the API server's host.
func (o Options) discover(ctx context.Context, cluster string, log *slog.Logger) (*inventory.Inventory, error) {
	if o.Kube == nil {
		return discover.FromDir(ctx, o.From, discover.WithCluster(cluster), discover.WithLogger(log))
	}
	opts := []discover.Option{discover.WithLogger(log)}
	if o.Cluster != "" {
		opts = append(opts, discover.WithCluster(o.Cluster))
	}
	return discover.FromCluster(ctx, o.Kube, opts...)
}

// LoadKubeconfig reads a kubeconfig file (path "" follows KUBECONFIG and
// ~/.kube/config, as kubectl does) and returns the client configuration of
// context (default: the current context) with the context's name.
func LoadKubeconfig(path, context string) (*rest.Config, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = path
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: context})
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, "", fmt.Errorf("reading kubeconfig: %w", err)
	}
	name := context
	if name == "" {
		name = raw.CurrentContext
	}
	if _, ok := raw.Contexts[name]; !ok {
		if name == "" {
			return nil, "", fmt.Errorf("reading kubeconfig: no current context (give --context)")
		}
		return nil, "", fmt.Errorf("reading kubeconfig: no context %q", name)
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("reading kubeconfig context %s: %w", name, err)
	}
	return cfg, name, nil
}
