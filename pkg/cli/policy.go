package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sc8scan/sc8scan/pkg/discover"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/policy"
	"github.com/spf13/cobra"
)

type policyFlags struct {
	from          string
	output        string
	cluster       string
	rootNamespace string
	clusterDomain string
	reasons       bool
}

func newPolicyCmd(s Streams) *cobra.Command {
	f := &policyFlags{}
	cmd := &cobra.Command{
		Use:   "policy --from DIR [--output json|table]",
		Short: "Predict each path's wire state (mtls, tls, plaintext, broken) from the mesh policy a cluster declares",
		Long: `policy reads a manifest dump (kubectl get -A -o yaml output, multi-document
YAML, JSON, kind: List, Helm output; the directory is read recursively) and
predicts, for every path from a client workload to a Service port, what
Istio will put on the wire: mtls, tls (application TLS), plaintext, or
broken (the two ends disagree and the connection fails), and whether a
client outside the mesh would get through in plaintext.

It evaluates PeerAuthentication (mesh, namespace, workload and port level,
oldest wins, UNSET inherits), DestinationRule (the client, service and root
namespace lookup path, exportTo, host matching, workloadSelector,
portLevelSettings, subsets that VirtualServices route to), auto mTLS with
its per-endpoint rules, Sidecar egress scoping, Gateway and Gateway API
listeners, the mesh config in the istio ConfigMap, sidecar, ambient and
proxy-less workloads, and excludeInboundPorts. Paths that touch a
Linkerd-meshed workload follow Linkerd's rules; Cilium WireGuard, IPsec or
ztunnel encryption is added beside the mesh prediction. Invalid,
conflicting or dangling policy objects, and client/server settings that
leave meshed clients broken, are listed as findings.

Examples:
  sc8scan policy --from ./dump
  sc8scan policy --from ./dump --reasons
  sc8scan policy --from ./dump -o json > policy-report.json

The table has one row per path, like the old istioctl authn tls-check:
STATUS is mtls, tls, plaintext or CONFLICT (broken); SERVER the effective
PeerAuthentication mode (NONE: no proxy enforces anything); CLIENT the
DestinationRule TLS mode (AUTO: auto mTLS; NONE: no proxy); PLAINTEXT says
whether an out-of-mesh client gets in. --reasons prints why under each row.

Exits 0 when it ran, whatever it found, and 1 when it could not.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.from == "" {
				return usageErr("--from DIR is required")
			}
			if f.output != "json" && f.output != "table" {
				return usageErr("--output must be json or table, not %q", f.output)
			}
			var dopts []discover.Option
			if f.cluster != "" {
				dopts = append(dopts, discover.WithCluster(f.cluster))
			}
			inv, err := discover.FromDir(cmd.Context(), f.from, dopts...)
			if err != nil {
				return &ExitErr{Code: ExitError, Err: fmt.Errorf("reading manifests: %w", err)}
			}
			var popts []policy.Option
			if f.rootNamespace != "" {
				popts = append(popts, policy.WithRootNamespace(f.rootNamespace))
			}
			if f.clusterDomain != "" {
				popts = append(popts, policy.WithClusterDomain(f.clusterDomain))
			}
			rep, err := policy.Predict(inv, popts...)
			if err != nil {
				return &ExitErr{Code: ExitError, Err: fmt.Errorf("predicting policy for %s: %w", f.from, err)}
			}
			if f.output == "json" {
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return writePolicyTable(s.Out, rep, f.reasons)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "manifest dump directory (read recursively)")
	fl.StringVarP(&f.output, "output", "o", "table", "json or table")
	fl.StringVar(&f.cluster, "cluster", "", "cluster name used in path ids (default: discover's)")
	fl.StringVar(&f.rootNamespace, "root-namespace", "", "Istio root namespace (default: the mesh config's rootNamespace, else istio-system)")
	fl.StringVar(&f.clusterDomain, "cluster-domain", "", "DNS suffix of Service hosts (default cluster.local)")
	fl.BoolVar(&f.reasons, "reasons", false, "print the reasons under each table row")
	return cmd
}

func policyStatus(expected string) string {
	if expected == "broken" {
		return "CONFLICT"
	}
	return expected
}

func policyDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writePolicyTable(w io.Writer, r *evidence.PolicyReport, reasons bool) error {
	var rows bytes.Buffer
	tw := tabwriter.NewWriter(&rows, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tHOST:PORT\tSTATUS\tSERVER\tCLIENT\tPOLICY\tDESTINATION RULE\tPLAINTEXT")
	for _, p := range r.Paths {
		host := p.Destination.Service + "." + p.Destination.Namespace + ":" + strconv.Itoa(p.Destination.Port)
		plain := "refused"
		if p.PlaintextAccepted {
			plain = "accepted"
		}
		fmt.Fprintf(tw, "%s/%s (%s)\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Source.Namespace, p.Source.Workload, p.Source.Mesh,
			host, policyStatus(p.Expected), p.Server.Mode, p.Client.Mode, policyDash(p.Server.Policy), policyDash(p.Client.Policy), plain)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Reasons go under their row, outside the aligned columns.
	lines := strings.SplitAfter(rows.String(), "\n")
	for i, line := range lines {
		if _, err := io.WriteString(w, line); err != nil {
			return err
		}
		if reasons && i > 0 && i <= len(r.Paths) {
			for _, why := range r.Paths[i-1].Reasons {
				fmt.Fprintf(w, "    - %s\n", why)
			}
		}
	}
	if m := r.Mesh; m != nil {
		fmt.Fprintf(w, "\nMesh mTLS: minimum %s, ciphers %s", m.MinProtocolVersion, strings.Join(m.CipherSuites, ","))
		if m.CompliancePolicy != "" {
			fmt.Fprintf(w, ", COMPLIANCE_POLICY=%s", m.CompliancePolicy)
		}
		fmt.Fprintln(w)
		if len(m.Gateways) > 0 {
			tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "\nGATEWAY\tPORT\tHOSTS\tTLS MODE\tMIN VERSION\tCIPHERS")
			for _, g := range m.Gateways {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", g.Gateway, g.Port, strings.Join(g.Hosts, ","), g.Mode, policyDash(g.MinProtocolVersion), policyDash(strings.Join(g.CipherSuites, ",")))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
	}
	if len(r.Findings) > 0 {
		fmt.Fprintf(w, "\nFindings (%d):\n", len(r.Findings))
		for _, f := range r.Findings {
			src := ""
			if f.Source != "" {
				src = " (" + f.Source + ")"
			}
			fmt.Fprintf(w, "  %-7s %s%s: %s\n", strings.ToUpper(f.Severity), f.Object, src, f.Message)
		}
	}
	return nil
}
