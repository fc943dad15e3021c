package cli

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/report"
	"github.com/sc8scan/sc8scan/pkg/scan"
	"github.com/sc8scan/sc8scan/pkg/signature"
	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/spf13/cobra"
)

type scanFlags struct {
	from, out, cluster, output, profile string
	formats                             []string
	targets                             []string
	targetsFile, caFile, waiversFile    string
	noPolicy, noProbe, images, quiet    bool
	offline                             bool
	pcaps, imageMap, evidence           []string
	minCoverage                         float64
	timeout                             time.Duration
	concurrency                         int
	byClass                             bool
	kubeconfig, context                 string
	inCluster                           bool
	pods                                inClusterFlags
	sign                                signFlags
	base                                baselineFlags
}

func newScanCmd(s Streams) *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "scan (--from DIR | --kubeconfig FILE [--in-cluster]) [--out DIR]",
		Short: "Scan a cluster (a manifest dump or a live cluster), gather evidence and write the SC-8 matrix",
		Long: `scan reads a directory of manifests (kubectl get -A -o yaml dumps, Helm
output, multi-document YAML or JSON), builds the inventory of service paths
(every workload -> Service port), gathers evidence and writes the SC-8
compliance matrix with the evidence behind every cell.

Evidence:
  policy   the mesh's declared mTLS policy (Istio), on by default
  probe    active probes of each Service port that has an address to probe:
           --target ns/svc:port=host:port or --targets FILE (kind TargetMap)
  capture  flows classified from --pcap FILE (pcap or pcapng, gzip too)
  images   FIPS inspection of every referenced image (--images), read from
           --image-map ref=oci-layout:DIR|TARBALL where no registry is reachable
Evidence gathered elsewhere (probe pods, the sensor, a previous run) is given
with --evidence FILE and used instead of gathering that kind here; a pod log
holding framed reports (kubectl logs of what sc8scan gen applies) is read too.

In the cluster (--kubeconfig FILE --in-cluster): probe Jobs run from the
sc8scan image (--image) outside the mesh, under the restricted Pod Security
profile, with no service-account token, against every Service ClusterIP, every
ready endpoint's pod IP and every declared pod port no Service covers. With
--capture-for 60s a sensor DaemonSet captures on every node for that window;
with --mesh-vantage sidecar|ambient a second set of Jobs probes from inside the
mesh. Results come back through the pod logs, framed with a SHA-256 digest: a
report cut short is an ERROR for its targets, never a partial PASS. Everything
the run creates is deleted when it ends, fails or is interrupted; what a killed
scanner leaves deletes itself after --run-deadline. sc8scan gen prints the
same objects for review.

A cell no evidence reaches is NOT-TESTED with the reason, never PASS.

The bundle (--out DIR) holds, by default (--format picks others):
  matrix.json                    the matrix document (kind Matrix)
  matrix.md, matrix.csv          the matrix for people and spreadsheets
  matrix.html                    one self-contained page for auditors
  oscal-assessment-results.json  OSCAL 1.1.3 assessment results
  junit.xml, sarif.json          for CI test reports and code scanning
  poam.csv                       POA&M rows (FedRAMP columns) for each FAIL
  evidence/                      the raw reports and the inventory
  SHA256SUMS                     SHA-256 of every file above

` + exitCodesHelp,
		Example: `  sc8scan scan --from ./dump --out ./sc8-bundle
  sc8scan scan --kubeconfig ~/.kube/config --context staging --out ./sc8-bundle
  sc8scan scan --kubeconfig ci.kubeconfig --in-cluster --capture-for 60s --out ./sc8-bundle
  sc8scan scan --from ./dump --targets lab/targets.json --ca lab/ca.pem --out out/
  sc8scan scan --from ./dump --pcap node-a.pcapng --images --min-coverage 80`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runScan(cmd, s, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "directory of manifests to scan (or --kubeconfig)")
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "read a live cluster through this kubeconfig file instead of --from (read-only; never Secrets)")
	fl.StringVar(&f.context, "context", "", "kubeconfig context to use (default: the current context)")
	fl.StringVar(&f.out, "out", "", "write the scan bundle to this directory")
	fl.StringSliceVar(&f.formats, "format", append([]string(nil), report.BundleFormats...), "matrix formats in the bundle: "+strings.Join(report.Formats, ", "))
	fl.StringVarP(&f.output, "output", "o", "table", "what to print on stdout: "+strings.Join(report.Formats, ", ")+" or none")
	fl.StringVar(&f.cluster, "cluster", "", "cluster name used in path ids (default: the directory's name, or the kubeconfig context)")
	fl.StringArrayVar(&f.targets, "target", nil, "probe a Service port at an address: ns/service:port=host:port (repeatable)")
	fl.StringVar(&f.targetsFile, "targets", "", "file mapping Service ports to addresses (kind TargetMap)")
	fl.BoolVar(&f.noProbe, "no-probe", false, "do not run active probes")
	fl.StringVar(&f.caFile, "ca", "", "PEM CA bundle to verify server certificate chains against")
	fl.BoolVar(&f.noPolicy, "no-policy", false, "do not predict the mesh policy")
	fl.StringArrayVar(&f.pcaps, "pcap", nil, "capture file to classify (repeatable)")
	fl.BoolVar(&f.images, "images", false, "inspect every referenced image for FIPS-validated crypto")
	fl.BoolVar(&f.offline, "offline", false, "with --images: contact no registry; images without --image-map are listed as not inspected")
	fl.StringArrayVar(&f.imageMap, "image-map", nil, "read an image from elsewhere: REF=oci-layout:DIR|TARBALL|REF (repeatable)")
	fl.StringArrayVar(&f.evidence, "evidence", nil, "use an evidence document gathered elsewhere (repeatable)")
	fl.StringVar(&f.profile, "profile", "sp800-52r2", "compliance profile: sp800-52r2 or fips140-3-go")
	fl.StringVar(&f.waiversFile, "waivers", "", "waiver file (kind Waivers): accepted FAIL/WARN cells with approver and expiry")
	fl.Float64Var(&f.minCoverage, "min-coverage", 0, "exit 4 when fewer than this percentage of applicable cells are tested")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Second, "probe deadline per connection")
	fl.IntVar(&f.concurrency, "concurrency", 32, "probe targets at once")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress messages on stderr")
	fl.BoolVar(&f.byClass, "by-class", false, "table: one line per source class under each destination port")
	fl.BoolVar(&f.inCluster, "in-cluster", false, "run the probes (and with --capture-for, the sensor) as pods in the --kubeconfig cluster")
	f.pods.add(fl)
	f.sign.add(cmd)
	f.base.add(fl)
	return cmd
}

func runScan(cmd *cobra.Command, s Streams, f *scanFlags) error {
	switch {
	case f.from == "" && f.kubeconfig == "":
		return usageErr("give --from DIR (a directory of manifests) or --kubeconfig FILE (a live cluster)")
	case f.from != "" && f.kubeconfig != "":
		return usageErr("give --from or --kubeconfig, not both")
	case f.context != "" && f.kubeconfig == "":
		return usageErr("--context needs --kubeconfig")
	case f.inCluster && f.kubeconfig == "":
		return usageErr("--in-cluster needs --kubeconfig (a live cluster to run the probe pods in)")
	case f.inCluster && f.noProbe:
		return usageErr("--in-cluster runs probes: drop --no-probe")
	case f.inCluster && (len(f.targets) > 0 || f.targetsFile != ""):
		return usageErr("--in-cluster probes every Service and pod port itself: drop --target/--targets")
	}
	if c := f.pods.changed(cmd.Flags()); len(c) > 0 && !f.inCluster {
		return usageErr("%s need --in-cluster", strings.Join(c, ", "))
	}
	for _, fm := range f.formats {
		if !contains(report.Formats, fm) {
			return usageErr("--format %q: want one of %s", fm, strings.Join(report.Formats, ", "))
		}
	}
	if f.output != "none" && !contains(report.Formats, f.output) {
		return usageErr("--output %q: want one of %s or none", f.output, strings.Join(report.Formats, ", "))
	}
	if f.minCoverage < 0 || f.minCoverage > 100 {
		return usageErr("--min-coverage is a percentage from 0 to 100")
	}
	o := scan.Options{From: f.from, Cluster: f.cluster, Probe: !f.noProbe, Policy: !f.noPolicy, PCAPs: f.pcaps,
		Images: f.images, ImagesOffline: f.offline, Profile: f.profile, ImageMap: map[string]string{},
		ProbeLimits: plan.Limits{ConnTimeout: plan.Duration(f.timeout), Concurrency: f.concurrency}}
	if err := f.base.check(); err != nil {
		return usageErr("%v", err)
	}
	key, chain, err := f.sign.load()
	if err != nil {
		return usageErr("%v", err)
	}
	if key != nil && f.out == "" {
		return usageErr("--sign-key signs the bundle: give --out DIR")
	}
	o.Logger = progressLogger(s, f.quiet)
	if f.inCluster {
		do, err := f.pods.options()
		if err != nil {
			return usageErr("%v", err)
		}
		do.Logger = o.Logger
		o.InCluster = &do
	}
	if f.kubeconfig != "" {
		cfg, ctxName, err := scan.LoadKubeconfig(f.kubeconfig, f.context)
		if err != nil {
			return &ExitErr{Code: ExitError, Err: err}
		}
		o.Kube = cfg
		if o.Cluster == "" {
			o.Cluster = ctxName
		}
	}
	for _, t := range f.targets {
		tg, err := scan.ParseTarget(t)
		if err != nil {
			return usageErr("--target: %v", err)
		}
		o.Targets = append(o.Targets, tg)
	}
	if f.targetsFile != "" {
		ts, err := scan.LoadTargets(f.targetsFile)
		if err != nil {
			return &ExitErr{Code: ExitError, Err: err}
		}
		o.Targets = append(o.Targets, ts...)
	}
	if f.caFile != "" {
		pem, err := os.ReadFile(f.caFile)
		if err != nil {
			return &ExitErr{Code: ExitError, Err: fmt.Errorf("reading --ca: %w", err)}
		}
		o.CABundle = string(pem)
	}
	for _, m := range f.imageMap {
		ref, local, ok := strings.Cut(m, "=")
		if !ok || ref == "" || local == "" {
			return usageErr("--image-map %q: want REF=LOCATION", m)
		}
		o.ImageMap[ref] = local
	}
	for _, e := range f.evidence {
		if err := scan.LoadEvidence(e, &o.Preloaded); err != nil {
			return &ExitErr{Code: ExitError, Err: err}
		}
	}
	if f.waiversFile != "" {
		ws, err := scan.LoadWaivers(f.waiversFile)
		if err != nil {
			return &ExitErr{Code: ExitError, Err: err}
		}
		o.Waivers = ws
	}
	res, err := scan.Run(cmd.Context(), o)
	if err != nil {
		return &ExitErr{Code: ExitError, Err: err}
	}
	if err := f.base.compare(res.Matrix); err != nil {
		return &ExitErr{Code: ExitError, Err: err}
	}
	if f.out != "" {
		files, err := scan.WriteBundle(f.out, res, f.formats)
		if err != nil {
			return &ExitErr{Code: ExitError, Err: err}
		}
		if key != nil {
			if err := signature.Sign(f.out, key, chain); err != nil {
				return &ExitErr{Code: ExitError, Err: fmt.Errorf("signing the bundle: %w", err)}
			}
			files = append(files, signature.SigFile)
		}
		if !f.quiet {
			fmt.Fprintf(s.Err, "wrote %d files to %s\n", len(files), f.out)
		}
	}
	if f.output != "none" {
		if err := report.Render(s.Out, res.Matrix, f.output, report.Options{Color: colorable(s.Out), ByClass: f.byClass}); err != nil {
			return &ExitErr{Code: ExitError, Err: err}
		}
	}
	return gate(res.Matrix, f.minCoverage, f.base.failOn)
}

// gate turns a matrix into the CI exit code: an expired waiver (5) before
// a FAIL (3) before coverage below the threshold (4).
func gate(m *matrix.Matrix, minCoverage float64, failOn string) error {
	if exp := m.ExpiredWaivers(); len(exp) > 0 {
		return &ExitErr{Code: ExitExpiredWaiver, Err: fmt.Errorf("expired waivers still match cells: %s", strings.Join(exp, ", "))}
	}
	switch n := m.Gating(failOn); {
	case n > 0 && failOn == matrix.FailOnAny:
		return &ExitErr{Code: ExitFail, Err: fmt.Errorf("%d cells FAIL", n)}
	case n > 0 && failOn == matrix.FailOnNew:
		return &ExitErr{Code: ExitFail, Err: fmt.Errorf("%d cells FAIL that did not in the baseline", n)}
	case n > 0:
		return &ExitErr{Code: ExitFail, Err: fmt.Errorf("%d cells regressed since the baseline", n)}
	}
	if got := 100 * m.Summary.Coverage; got < minCoverage {
		return &ExitErr{Code: ExitCoverage, Err: fmt.Errorf("coverage %.1f%% is below --min-coverage %.1f%%", got, minCoverage)}
	}
	return nil
}

func progressLogger(s Streams, quiet bool) *slog.Logger {
	if quiet {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(s.Err, &slog.HandlerOptions{Level: slog.LevelInfo, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}}))
}

// colorable reports whether w is a terminal that wants colour.
func colorable(w any) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
