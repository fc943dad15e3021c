package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sc8scan/sc8scan/pkg/capture"
	"github.com/sc8scan/sc8scan/pkg/discover"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/spf13/cobra"
)

type captureFlags struct {
	pcap      string
	iface     string
	bpf       string
	from      string
	output    string
	duration  time.Duration
	maxFlows  int
	streamKiB int
}

func newCaptureCmd(s Streams) *cobra.Command {
	f := &captureFlags{}
	cmd := &cobra.Command{
		Use:   "capture (--pcap FILE | --interface IF) [--bpf EXPR] [--from DIR] [--output json|table]",
		Short: "Classify every flow of a capture file or a live interface: TLS (version, suite, SNI, ALPN, client certificate, JA3/JA4, mesh) or plaintext",
		Long: `capture reads a pcap or pcapng file (gzip-compressed too; Ethernet, Linux
cooked SLL and SLL2 as written by tcpdump -i any, raw IP; VXLAN and Geneve
decapsulated) or a live Linux interface, follows every TCP connection in both
directions far enough to read the start of each side, and classifies each
flow: TLS with its version, cipher suite, SNI, offered ALPN, whether a client
certificate was sent (TLS 1.2 and older; TLS 1.3 encrypts it, so "unknown"),
JA3 and JA4 and Istio/Linkerd markers; or plaintext HTTP/1.x, h2c, gRPC,
Postgres, MySQL, Redis, SMTP, DNS. A flow is "encrypted" only with evidence;
a flow with no payload or unrecognised payload is neither.

With --from DIR (a manifest dump, as for sc8scan policy) flows are mapped to
their source and destination pods, workloads and Services (ClusterIPs and pod
IPs) and to the inventory path.

A live capture runs until interrupted or for --duration; it needs CAP_NET_RAW.
Exits 0 when it ran, whatever it found, and 1 when it could not.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (f.pcap == "") == (f.iface == "") {
				return usageErr("give exactly one of --pcap FILE or --interface IF")
			}
			if f.output != "json" && f.output != "table" {
				return usageErr("--output must be json or table, not %q", f.output)
			}
			if f.bpf != "" && f.iface == "" {
				return usageErr("--bpf applies to --interface only")
			}
			capture.TuneGC()
			ctx := cmd.Context()
			opts := []capture.Option{capture.WithMaxFlows(f.maxFlows), capture.WithStreamBytes(f.streamKiB << 10)}
			if f.from != "" {
				inv, err := discover.FromDir(ctx, f.from)
				if err != nil {
					return &ExitErr{Code: ExitError, Err: fmt.Errorf("reading manifests: %w", err)}
				}
				opts = append(opts, capture.WithInventory(inv))
			}
			var rep *evidence.FlowReport
			var err error
			if f.pcap != "" {
				rep, err = capture.ReadFile(ctx, f.pcap, opts...)
			} else {
				if f.bpf != "" {
					opts = append(opts, capture.WithBPF(f.bpf))
				}
				if f.duration > 0 {
					var cancel func()
					ctx, cancel = context.WithTimeout(ctx, f.duration)
					defer cancel()
				}
				rep, err = capture.Live(ctx, f.iface, opts...)
			}
			if err != nil {
				return &ExitErr{Code: ExitError, Err: err}
			}
			if f.output == "json" {
				return capture.WriteJSON(s.Out, rep, "  ")
			}
			return writeFlowTable(s.Out, rep)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.pcap, "pcap", "", "capture file (pcap or pcapng, optionally gzip-compressed)")
	fl.StringVar(&f.iface, "interface", "", "live Linux interface to capture on (needs CAP_NET_RAW)")
	fl.StringVar(&f.bpf, "bpf", "", "capture filter in tcpdump syntax (with --interface)")
	fl.StringVar(&f.from, "from", "", "manifest dump directory: map flows to pods, Services and paths")
	fl.StringVarP(&f.output, "output", "o", "table", "json or table")
	fl.DurationVar(&f.duration, "duration", 0, "stop a live capture after this long (default: until interrupted)")
	fl.IntVar(&f.maxFlows, "max-flows", 1<<18, "flows followed at once; the least recently active is finished early when full")
	fl.IntVar(&f.streamKiB, "stream-kib", 32, "KiB kept from the start of each direction of a connection")
	return cmd
}

func writeFlowTable(w io.Writer, r *evidence.FlowReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT\tSERVER\tCLASS\tENCRYPTED\tVERSION\tSUITE / PROTOCOL\tSNI\tALPN\tCLIENT-CERT\tMESH\tPATH")
	for _, fl := range r.Flows {
		var ver, suite, sni, alpn, cc string
		if fl.TLS != nil {
			ver, suite, sni, alpn, cc = fl.TLS.Version, fl.TLS.CipherSuite, fl.TLS.ServerName, strings.Join(fl.TLS.ALPN, ","), fl.TLS.ClientCertificate
			if fl.TLS.STARTTLS != "" {
				suite += " (starttls " + fl.TLS.STARTTLS + ")"
			}
		} else if fl.Plaintext != nil {
			suite = fl.Plaintext.Protocol
		}
		client, server := fl.Client, fl.Server
		if fl.Source != nil {
			client = endpointName(fl.Source, client)
		}
		if fl.Destination != nil {
			server = endpointName(fl.Destination, server)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", client, server, fl.Classification, fl.Encrypted,
			dash(ver), dash(suite), dash(sni), dash(alpn), dash(cc), dash(fl.Mesh), dash(fl.PathID))
	}
	st := r.Stats
	fmt.Fprintf(tw, "\n%d packets, %d flows, %d dropped, %d truncated, %d malformed, %d evicted\n",
		st.Packets, st.Flows, st.Dropped, st.Truncated, st.Malformed, st.Evicted)
	for _, e := range r.Errors {
		fmt.Fprintf(tw, "error: %s\n", e)
	}
	return tw.Flush()
}

func endpointName(e *evidence.FlowEndpoint, addr string) string {
	switch {
	case e.Service != "" && e.Pod != "":
		return fmt.Sprintf("%s/%s (svc %s) %s", e.Namespace, e.Pod, e.Service, addr)
	case e.Service != "":
		return fmt.Sprintf("%s/svc/%s %s", e.Namespace, e.Service, addr)
	case e.Pod != "":
		return fmt.Sprintf("%s/%s %s", e.Namespace, e.Pod, addr)
	}
	return addr
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
