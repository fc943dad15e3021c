package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/sc8scan/sc8scan/pkg/dispatch"
	"github.com/sc8scan/sc8scan/pkg/scan"
	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/spf13/cobra"
)

type genFlags struct {
	from, kubeconfig, context, caFile string
	timeout                           time.Duration
	concurrency                       int
	pods                              inClusterFlags
}

func newGenCmd(s Streams) *cobra.Command {
	f := &genFlags{}
	cmd := &cobra.Command{
		Use:   "gen (--from DIR | --kubeconfig FILE) [--image REF] [--capture-for D] [--mesh-vantage sidecar|ambient]",
		Short: "Print the manifests an in-cluster scan applies, for review or for your own pipeline",
		Long: `gen prints, as one multi-document YAML stream, exactly the objects that
sc8scan scan --in-cluster applies for the same cluster and flags: the run's
namespaces (restricted Pod Security for the probes, privileged only for the
sensor), a ServiceAccount without a token, a lease Job, one ConfigMap holding
each probe Job's plan, the probe Jobs and, with --capture-for, the sensor
DaemonSet. The targets come from the live cluster (--kubeconfig) or a dump of
its manifests (--from DIR: the pod and ClusterIPs recorded in it).

Applied by scan, every object but the namespaces is owned by its namespace's
lease Job, so the garbage collector removes it once the lease's deadline has
passed; those ownerReferences name the lease's UID, which only the API server
assigns, so they are not in this output. Applied by hand, delete the run with
  kubectl delete ns -l app.kubernetes.io/managed-by=sc8scan
or by its run label, and read the evidence with
  kubectl logs -n sc8scan job/sc8scan-RUN-probe-0 > probe-0.log
  sc8scan scan --from DIR --evidence probe-0.log ...`,
		Example: `  sc8scan gen --kubeconfig ~/.kube/config --image registry.example/sc8scan:v1 > run.yaml
  sc8scan gen --from ./dump --capture-for 60s --run-id review1 | kubectl apply --dry-run=server -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case (f.from == "") == (f.kubeconfig == ""):
				return usageErr("give --from DIR or --kubeconfig FILE")
			case f.context != "" && f.kubeconfig == "":
				return usageErr("--context needs --kubeconfig")
			}
			d, err := f.pods.options()
			if err != nil {
				return usageErr("%v", err)
			}
			if d.RunID == "" {
				d.RunID = dispatch.NewRunID()
			}
			o := scan.Options{From: f.from, ProbeLimits: plan.Limits{ConnTimeout: plan.Duration(f.timeout), Concurrency: f.concurrency}}
			if f.kubeconfig != "" {
				cfg, name, err := scan.LoadKubeconfig(f.kubeconfig, f.context)
				if err != nil {
					return &ExitErr{Code: ExitError, Err: err}
				}
				o.Kube, o.Cluster = cfg, name
			}
			if f.caFile != "" {
				pem, err := os.ReadFile(f.caFile)
				if err != nil {
					return &ExitErr{Code: ExitError, Err: fmt.Errorf("reading --ca: %w", err)}
				}
				o.CABundle = string(pem)
			}
			ob, err := scan.InClusterObjects(cmd.Context(), o, d)
			if err != nil {
				return &ExitErr{Code: ExitError, Err: err}
			}
			if err := ob.WriteYAML(s.Out); err != nil {
				return &ExitErr{Code: ExitError, Err: err}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "directory of manifests to take the targets from")
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "take the targets from this live cluster (read-only)")
	fl.StringVar(&f.context, "context", "", "kubeconfig context (default: the current one)")
	fl.StringVar(&f.caFile, "ca", "", "PEM CA bundle the probes verify server chains against (put in the plan)")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Second, "probe deadline per connection")
	fl.IntVar(&f.concurrency, "concurrency", 32, "targets one probe pod works on at once")
	fl.StringVar(&f.pods.runID, "run-id", "", "the run's id in object names and labels (default: random)")
	f.pods.add(fl)
	return cmd
}
