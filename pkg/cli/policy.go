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
	"github.com/sc8scan/sc8scan/pkg/matrix"
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
	source        string
	destination   string
}

func newPolicyCmd(s Streams) *cobra.Command {
	f := &policyFlags{}
	cmd := &cobra.Command{
		Use:   "policy --from DIR [--output json|table]",
		Short: "Predict the wire state (mtls, tls, plaintext, broken) of every service path from the mesh policy a cluster declares",
		Long: `policy reads a manifest dump (kubectl get -A -o yaml output, multi-document
YAML, JSON, kind: List, Helm output; the directory is read recursively) and
predicts, for every path from a client workload to a Service port, what
Istio will put on the wire: mtls, tls (application TLS), plaintext, or
broken (the two ends disagree and the connection fails), and whether a
client outside the mesh would get through in plaintext.

Predictions are made per destination port and class of clients: the
clients that the policy cannot tell apart there (same namespace rules,
mesh mode, Sidecar resource and selecting DestinationRules) get one
prediction, and the report lists each class's members once. The cost
grows with ports x client kinds, not with paths.

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
  sc8scan policy --from ./dump --source shop/frontend --destination shop/cart:8080 --reasons

--destination NS/SERVICE[:PORT] keeps those ports; --source NS/WORKLOAD (or
NS/KIND/WORKLOAD) keeps the class the workload belongs to at each port.

The table has one row per (port x client class), like the old istioctl
authn tls-check with its sources grouped:
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
			filter, err := matrix.ParseFilter(f.source, f.destination)
			if err != nil {
				return usageErr("%v", err)
			}
			rep, err := policy.Predict(inv, popts...)
			if err != nil {
				return &ExitErr{Code: ExitError, Err: fmt.Errorf("predicting policy for %s: %w", f.from, err)}
			}
			if !filter.Empty() {
				rep = filterPolicy(rep, filter)
				if len(rep.Ports) == 0 {
					return &ExitErr{Code: ExitError, Err: fmt.Errorf("no path matches --source %q --destination %q", f.source, f.destination)}
				}
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
	fl.StringVar(&f.source, "source", "", "keep the class of this client workload: NAMESPACE/WORKLOAD or NAMESPACE/KIND/WORKLOAD")
	fl.StringVar(&f.destination, "destination", "", "keep these ports: NAMESPACE/SERVICE or NAMESPACE/SERVICE:PORT")
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

// filterPolicy keeps the ports f's destination selects and, with a
// source, the classes that hold it (and only the groups still named).
func filterPolicy(r *evidence.PolicyReport, f matrix.Filter) *evidence.PolicyReport {
	out := *r
	out.Ports = nil
	members := map[string][]evidence.PolicySource{}
	for _, g := range r.Groups {
		members[g.ID] = g.Members
	}
	holds := map[string]bool{}
	for id, ms := range members {
		for _, m := range ms {
			if f.MatchesSource(matrix.Endpoint{Namespace: m.Namespace, Kind: m.Kind, Name: m.Workload}) {
				holds[id] = true
				break
			}
		}
	}
	used := map[string]bool{}
	for _, p := range r.Ports {
		d := p.Destination
		if !f.MatchesRow(&matrix.Row{Destination: matrix.Destination{Namespace: d.Namespace, Service: d.Service, Port: d.Port}}) {
			continue
		}
		if f.Source != "" {
			var keep []evidence.PolicyClass
			for _, c := range p.Classes {
				if holds[c.Group] {
					keep = append(keep, c)
				}
			}
			if len(keep) == 0 {
				continue
			}
			p.Classes = keep
		}
		for _, c := range p.Classes {
			used[c.Group] = true
		}
		out.Ports = append(out.Ports, p)
	}
	out.Groups = nil
	for _, g := range r.Groups {
		if used[g.ID] {
			out.Groups = append(out.Groups, g)
		}
	}
	return &out
}

// sources names a class's members: the count and the first two.
func sources(ms []evidence.PolicySource, mesh string) string {
	var names []string
	for i, m := range ms {
		if i == 2 {
			names = append(names, fmt.Sprintf("+%d", len(ms)-2))
			break
		}
		names = append(names, m.Namespace+"/"+m.Workload)
	}
	return fmt.Sprintf("%d %s: %s", len(ms), mesh, strings.Join(names, ", "))
}

func writePolicyTable(w io.Writer, r *evidence.PolicyReport, reasons bool) error {
	members := map[string][]evidence.PolicySource{}
	for _, g := range r.Groups {
		members[g.ID] = g.Members
	}
	var rows bytes.Buffer
	var why [][]string
	tw := tabwriter.NewWriter(&rows, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCES\tHOST:PORT\tSTATUS\tSERVER\tCLIENT\tPOLICY\tDESTINATION RULE\tPLAINTEXT")
	for _, p := range r.Ports {
		host := p.Destination.Service + "." + p.Destination.Namespace + ":" + strconv.Itoa(p.Destination.Port)
		for _, c := range p.Classes {
			plain := "refused"
			if c.PlaintextAccepted {
				plain = "accepted"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sources(members[c.Group], c.Mesh),
				host, policyStatus(c.Expected), c.Server.Mode, c.Client.Mode, policyDash(c.Server.Policy), policyDash(c.Client.Policy), plain)
			why = append(why, c.Reasons)
		}
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
		if reasons && i > 0 && i <= len(why) {
			for _, y := range why[i-1] {
				fmt.Fprintf(w, "    - %s\n", y)
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
