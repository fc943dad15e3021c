package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/sc8scan/sc8scan/probes/runner"
	"github.com/spf13/cobra"
)

type probeFlags struct {
	output        string
	quick         bool
	enumerate     bool
	caFile        string
	serverName    string
	timeout       time.Duration
	targetTimeout time.Duration
	concurrency   int
	perEndpoint   int
	vantage       string
}

func newProbeCmd(s Streams) *cobra.Command {
	f := &probeFlags{}
	cmd := &cobra.Command{
		Use:   "probe HOST:PORT|URL...",
		Short: "Actively probe ports: plaintext, TLS versions, suites, groups, certificates, client auth, STARTTLS, SSH",
		Long: `probe connects to each target and reports what it accepts: cleartext (and
which protocol), TLS (every version, cipher suite and group, enumerated with
its own ClientHellos, so ports that require a client certificate are
enumerated too), the certificate chain, whether a client certificate is
required, STARTTLS upgrades and SSH algorithms. Enumerated results are
judged against the NIST SP 800-52r2 and Go FIPS 140-3 profiles.

A target is HOST:PORT, [IPv6]:PORT, or a URL whose scheme forces the
protocol: tls://, https://, postgres://, mysql://, smtp://, imap://,
pop3://, ftp://, ldap://, ssh://.

Exit codes: 0 the probe ran (whatever it found); 1 it could not (bad flags
or targets).`,
		Example: `  sc8scan probe 127.0.0.1:8443
  sc8scan probe --quick --output json 10.0.0.5:443 postgres://10.0.0.6:5432
  sc8scan probe --ca ca.pem --server-name api.internal api:443`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.plan(args)
			if err != nil {
				return err
			}
			rep, err := runner.Run(cmd.Context(), p)
			if err != nil {
				return usageErr("%v", err)
			}
			if f.output == "json" {
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return writeProbeTable(s.Out, rep, p.Limits.Enumerate)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "table", "table or json")
	fl.BoolVar(&f.enumerate, "enumerate", true, "enumerate every version, suite and group")
	fl.BoolVar(&f.quick, "quick", false, "classification only: plaintext/TLS, negotiated parameters, certificate, client auth")
	fl.StringVar(&f.caFile, "ca", "", "PEM bundle to verify server chains against")
	fl.StringVar(&f.serverName, "server-name", "", "SNI and the name to verify (default: the target host)")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Second, "deadline of one connection")
	fl.DurationVar(&f.targetTimeout, "target-timeout", 60*time.Second, "deadline of all work on one target")
	fl.IntVar(&f.concurrency, "concurrency", 32, "targets probed at once")
	fl.IntVar(&f.perEndpoint, "per-endpoint", 4, "connections one endpoint gets at once")
	fl.StringVar(&f.vantage, "vantage", "", "name of the place the probe runs from (default: this host's name)")
	return cmd
}

func (f *probeFlags) plan(args []string) (plan.Plan, error) {
	if len(args) == 0 {
		return plan.Plan{}, usageErr("probe needs at least one target (HOST:PORT or URL)")
	}
	if f.output != "table" && f.output != "json" {
		return plan.Plan{}, usageErr("--output must be table or json, not %q", f.output)
	}
	if f.timeout <= 0 || f.targetTimeout <= 0 || f.concurrency <= 0 || f.perEndpoint <= 0 {
		return plan.Plan{}, usageErr("--timeout, --target-timeout, --concurrency and --per-endpoint must be positive")
	}
	p := plan.Plan{
		APIVersion: evidence.APIVersion, Kind: "ProbePlan", Vantage: f.vantage,
		Limits: plan.Limits{
			Concurrency: f.concurrency, PerEndpoint: f.perEndpoint, Enumerate: f.enumerate && !f.quick,
			ConnTimeout: plan.Duration(f.timeout), TargetTimeout: plan.Duration(f.targetTimeout),
		},
	}
	if p.Vantage == "" {
		p.Vantage, _ = os.Hostname()
	}
	if f.caFile != "" {
		b, err := os.ReadFile(f.caFile)
		if err != nil {
			return p, usageErr("reading --ca: %v", err)
		}
		p.CABundle = string(b)
	}
	for _, a := range args {
		t, err := plan.ParseTarget(a)
		if err != nil {
			return p, usageErr("%v", err)
		}
		t.ServerName = f.serverName
		p.Targets = append(p.Targets, t)
	}
	if err := runner.Validate(p); err != nil {
		return p, usageErr("%v", err)
	}
	return p, nil
}

func yesNo(tested, v bool) string {
	switch {
	case !tested:
		return "not-tested"
	case v:
		return "yes"
	}
	return "no"
}

func writeProbeTable(w io.Writer, rep *evidence.ProbeReport, enumerate bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tPLAINTEXT\tTLS\tVERSIONS\tSUITES\tCLIENT-AUTH\tCERTIFICATE\tEXPIRES\tERRORS")
	for _, r := range rep.Results {
		pt := yesNo(r.Plaintext.Tested, r.Plaintext.Accepted)
		if r.Plaintext.Accepted && r.Plaintext.Protocol != "" {
			pt += " (" + r.Plaintext.Protocol + ")"
		}
		tl := yesNo(r.TLS.Tested, r.TLS.Offered)
		if r.STARTTLS != "" {
			tl += " (starttls " + r.STARTTLS + ")"
		}
		if r.SSH != nil {
			tl = "no (ssh)"
		}
		var vers, counts []string
		for _, v := range r.TLS.Versions {
			vers = append(vers, strings.TrimPrefix(v.Version, "TLSv"))
			counts = append(counts, strconv.Itoa(len(v.CipherSuites)))
		}
		versions, suites := orDash(strings.Join(vers, ",")), orDash(strings.Join(counts, "+"))
		switch {
		case r.TLS.Offered && !r.TLS.Enumerated && enumerate && len(vers) > 0:
			versions += " (incomplete)"
		case r.TLS.Offered && !r.TLS.Enumerated && len(vers) > 0:
			versions += " (negotiated)"
		}
		cert, expires := "-", "-"
		if len(r.TLS.Certificates) > 0 {
			c := r.TLS.Certificates[0]
			cert = fmt.Sprintf("%s (%s %d)", c.Subject, c.KeyType, c.KeyBits)
			expires = c.NotAfter.Format("2006-01-02")
		}
		auth := "-"
		if r.TLS.Offered {
			auth = r.TLS.ClientAuth
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", targetString(r.Target), pt, tl, versions, suites, auth, cert, expires, len(r.Errors))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rep.Results {
		fmt.Fprintf(w, "\n== %s (%s)\n", targetString(r.Target), r.Duration)
		if r.Plaintext.Evidence != "" {
			fmt.Fprintf(w, "  plaintext: %s\n", r.Plaintext.Evidence)
		}
		for _, v := range r.TLS.Versions {
			order := ""
			if v.ServerPreference != nil {
				order = " (client order)"
				if *v.ServerPreference {
					order = " (server order)"
				}
			}
			fmt.Fprintf(w, "  %s%s:\n", v.Version, order)
			for _, s := range v.CipherSuites {
				fmt.Fprintf(w, "    %s\n", s)
			}
		}
		if len(r.TLS.Groups) > 0 {
			fmt.Fprintf(w, "  groups: %s\n", strings.Join(r.TLS.Groups, ", "))
		}
		if r.TLS.Offered {
			fmt.Fprintf(w, "  client auth: %s", r.TLS.ClientAuth)
			if r.TLS.ClientAuthEvidence != "" {
				fmt.Fprintf(w, " - %s", r.TLS.ClientAuthEvidence)
			}
			fmt.Fprintln(w)
			for _, ca := range r.TLS.AcceptableCAs {
				fmt.Fprintf(w, "    acceptable CA: %s\n", ca)
			}
		}
		for i, c := range r.TLS.Certificates {
			fmt.Fprintf(w, "  certificate %d: %s\n    issuer %s; %s %d; %s; %s to %s\n    sha256 %s\n", i, c.Subject, c.Issuer,
				c.KeyType, c.KeyBits, c.SignatureAlgorithm, c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly), c.SHA256)
			if len(c.SANs) > 0 {
				fmt.Fprintf(w, "    SANs %s\n", strings.Join(c.SANs, ", "))
			}
		}
		if v := r.TLS.Verification; v != nil {
			fmt.Fprintf(w, "  verification against %q: trusted %v, hostname match %v", v.Name, v.Trusted, v.HostnameMatch)
			if v.Error != "" {
				fmt.Fprintf(w, " (%s)", v.Error)
			}
			fmt.Fprintln(w)
		}
		if len(r.TLS.Extensions) > 0 {
			fmt.Fprintf(w, "  extensions (SP 800-52r2 3.4):\n")
			for _, e := range r.TLS.Extensions {
				ver := ""
				if e.Version != "" {
					ver = " [" + e.Version + "]"
				}
				fmt.Fprintf(w, "    %-23s %-14s%s %s\n", e.Name, e.Result, ver, e.Evidence)
				if o := e.OCSP; o != nil {
					fmt.Fprintf(w, "      OCSP staple: %s, verified %v", o.Status, o.Verified)
					if o.NextUpdate != nil {
						fmt.Fprintf(w, ", next update %s", o.NextUpdate.Format(time.RFC3339))
					}
					if o.Error != "" {
						fmt.Fprintf(w, " (%s)", o.Error)
					}
					fmt.Fprintln(w)
				}
			}
		}
		for _, p := range r.TLS.Profiles {
			verdict := "PASS"
			var bad []string
			for _, it := range p.Items {
				if !it.Allowed {
					bad = append(bad, it.Value)
				}
			}
			if !p.Pass {
				verdict = "FAIL: " + strings.Join(bad, ", ")
			}
			fmt.Fprintf(w, "  profile %s: %s\n", p.Profile, verdict)
		}
		if r.SSH != nil {
			fmt.Fprintf(w, "  ssh %s\n    kex: %s\n    host keys: %s\n    ciphers: %s\n    macs: %s\n", r.SSH.Banner,
				strings.Join(r.SSH.Kex, ", "), strings.Join(r.SSH.HostKeys, ", "), strings.Join(r.SSH.Ciphers, ", "), strings.Join(r.SSH.MACs, ", "))
		}
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  error: %s\n", e)
		}
	}
	return nil
}

func targetString(t evidence.Target) string {
	hp := net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
	if t.Scheme != "" {
		return t.Scheme + "://" + hp
	}
	return hp
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
