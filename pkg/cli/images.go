package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/discover"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/fips"
	"github.com/spf13/cobra"
)

type imagesFlags struct {
	output        string
	platform      string
	from          string
	env           []string
	hostFIPS      bool
	date          string
	maxLayerBytes int64
	maxImageBytes int64
	maxFileBytes  int64
	verify        bool
	verifyBin     string
}

func newImagesCmd(s Streams) *cobra.Command {
	f := &imagesFlags{}
	def := fips.DefaultLimits()
	cmd := &cobra.Command{
		Use:   "images [--output json|table|inventory-csv] [--platform OS/ARCH] IMAGE... | --from DIR",
		Short: "Say which crypto module each image binary links or loads, and whether its CMVP certificate is active",
		Long: `images inspects container images without running them: every ELF file
(Go build information and linked function names, which survive -s -w;
DT_NEEDED libraries resolved inside the image; embedded OpenSSL, BoringSSL,
AWS-LC and wolfSSL version strings), the OpenSSL 3 FIPS provider and the
openssl.cnf that would activate it, and Bouncy Castle FIPS jars. Each module
found is matched against the embedded CMVP catalog (` + cryptoref.CMVPVersion() + `) on
--date: every FIPS 140-2 certificate is Historical from 2026-09-21.

IMAGE is a registry reference (credentials from the docker config and its
helpers), oci-layout:DIR (an OCI image layout), or the path of a
docker-archive (docker save) or OCI-archive tarball. --from DIR inspects
every image the manifests below DIR reference, once per distinct pod
environment (GODEBUG, OPENSSL_CONF and OPENSSL_MODULES change verdicts).

Per binary: backend (go-std, go-fips140, boringcrypto, go-openssl, openssl,
openssl-static, openssl-fips-provider, boringssl, aws-lc, bc-fips, none...),
modules with certificate and status, and a verdict: validated,
not-validated, no-crypto or unknown. An image's verdict is the weakest of
its binaries that use crypto. --output inventory-csv writes one row per
image for the FedRAMP Integrated Inventory Workbook and SSP Appendix Q
(crypto modules, versions, certificates, status).

Layers are streamed once into memory (never extracted), whiteouts applied,
digests verified, sizes capped: an image over a cap is reported unknown
with the reason and the others continue.

--verify-provider (off by default) goes further for images that use
OpenSSL: it copies the image's libcrypto, FIPS provider and merged
openssl.cnf to a private temporary directory and runs the sc8fips-verify
child (a separate cgo binary) against them, which loads them with dlopen,
asks for FIPS mode and runs a SHA-256 known answer. This RUNS CODE FROM THE
IMAGE on this machine (in its own process, 30 s timeout); a failure turns a
validated verdict into not-validated.

Exits 0 when it ran, whatever it found, and 1 when it could not (bad
flags, unreadable manifests, or no image could be read at all).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImages(cmd.Context(), s, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "table", "table, json or inventory-csv")
	fl.StringVar(&f.platform, "platform", "", "platform of a multi-platform image (default linux/ and the scanner's architecture)")
	fl.StringVar(&f.from, "from", "", "inspect every image referenced by the manifests below DIR")
	fl.StringArrayVar(&f.env, "env", nil, "KEY=VALUE a pod sets, overriding the image config (e.g. GODEBUG=fips140=off); repeatable")
	fl.BoolVar(&f.hostFIPS, "host-fips", false, "the nodes run in FIPS mode (fips_enabled=1): RHEL OpenSSL providers load")
	fl.StringVar(&f.date, "date", "", "judge certificate status on this day, YYYY-MM-DD (default today)")
	fl.Int64Var(&f.maxLayerBytes, "max-layer-bytes", def.MaxLayerBytes, "largest decompressed layer read")
	fl.Int64Var(&f.maxImageBytes, "max-image-bytes", def.MaxImageBytes, "largest decompressed image read")
	fl.Int64Var(&f.maxFileBytes, "max-file-bytes", def.MaxFileBytes, "largest file analysed")
	fl.BoolVar(&f.verify, "verify-provider", false, "load each image's OpenSSL and FIPS provider in a child process (sc8fips-verify) and check FIPS mode really activates; RUNS CODE FROM THE IMAGE")
	fl.StringVar(&f.verifyBin, "verify-provider-bin", "", "the sc8fips-verify child (default: next to sc8scan, then $PATH)")
	return cmd
}

// verifyChild finds the sc8fips-verify binary.
func verifyChild(flag string) (string, error) {
	if flag != "" {
		if _, err := os.Stat(flag); err != nil {
			return "", err
		}
		return flag, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "sc8fips-verify")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return exec.LookPath("sc8fips-verify")
}

// imageJob is one InspectRefs call: images sharing a pod environment.
type imageJob struct {
	refs []string
	env  []string
}

func runImages(ctx context.Context, s Streams, f *imagesFlags, args []string) error {
	switch f.output {
	case "table", "json", "inventory-csv":
	default:
		return usageErr("--output must be table, json or inventory-csv, not %q", f.output)
	}
	if (f.from == "") == (len(args) == 0) {
		return usageErr("give IMAGE arguments or --from DIR (one of them)")
	}
	limits := fips.DefaultLimits()
	limits.MaxLayerBytes, limits.MaxImageBytes, limits.MaxFileBytes = f.maxLayerBytes, f.maxImageBytes, f.maxFileBytes
	opts := []fips.Option{fips.WithLimits(limits), fips.WithHostFIPS(f.hostFIPS)}
	if f.platform != "" {
		opts = append(opts, fips.WithPlatform(f.platform))
	}
	if f.date != "" {
		d, err := time.Parse(time.DateOnly, f.date)
		if err != nil {
			return usageErr("--date must be YYYY-MM-DD: %v", err)
		}
		opts = append(opts, fips.WithTime(d))
	}
	if f.verify {
		child, err := verifyChild(f.verifyBin)
		if err != nil {
			return usageErr("--verify-provider needs the sc8fips-verify child (CGO_ENABLED=1 go build -o bin/ ./cmd/sc8fips-verify): %v", err)
		}
		opts = append(opts, fips.WithVerifyProvider(child))
	}
	var jobs []imageJob
	if f.from == "" {
		jobs = []imageJob{{refs: args}}
	}
	if f.from != "" {
		inv, err := discover.FromDir(ctx, f.from)
		if err != nil {
			return &ExitErr{Code: ExitError, Err: fmt.Errorf("reading manifests: %w", err)}
		}
		for _, u := range fips.UsesOf(inv.Workloads) {
			jobs = append(jobs, imageJob{refs: u.Refs, env: u.Env})
		}
		if len(jobs) == 0 {
			return &ExitErr{Code: ExitError, Err: fmt.Errorf("the manifests below %s reference no image", f.from)}
		}
	}
	var rep *evidence.ImageReport
	for _, job := range jobs {
		o := append(append([]fips.Option{}, opts...), fips.WithEnv(append(append([]string{}, job.env...), f.env...)...))
		r, err := fips.InspectRefs(ctx, job.refs, o...)
		if err != nil {
			return usageErr("%v", err)
		}
		if rep == nil {
			rep = r
		} else {
			rep.Images = append(rep.Images, r.Images...)
		}
	}
	var err error
	switch f.output {
	case "json":
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	case "table":
		err = writeImagesTable(s.Out, rep)
	case "inventory-csv":
		err = fips.WriteInventoryCSV(s.Out, rep)
	}
	if err != nil {
		return &ExitErr{Code: ExitError, Err: fmt.Errorf("writing output: %w", err)}
	}
	read := 0
	for _, im := range rep.Images {
		if im.Digest != "" {
			read++
		}
	}
	if read == 0 {
		return &ExitErr{Code: ExitError, Err: fmt.Errorf("no image could be read")}
	}
	return nil
}

func writeImagesTable(w io.Writer, rep *evidence.ImageReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tVERDICT\tBINARY\tBACKEND\tMODULE\tCERT\tSTATUS\tBINARY VERDICT")
	for _, im := range rep.Images {
		ref := im.Ref
		if len(im.Env) > 0 {
			ref += " [" + strings.Join(im.Env, " ") + "]"
		}
		if len(im.Binaries) == 0 {
			why := "no binaries with crypto"
			if len(im.Errors) > 0 {
				why = "error: " + strings.Join(im.Errors, "; ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t\t\t\t\t\n", ref, im.Verdict, why)
			continue
		}
		for i, b := range im.Binaries {
			mod, cert, status := "-", "-", "-"
			if len(b.Modules) > 0 {
				m := b.Modules[0]
				mod, cert, status = strings.TrimSpace(m.Name+" "+m.Version), dashIfEmpty(m.CMVPCertificate), m.Status
			}
			first, verdict := ref, im.Verdict
			if i > 0 {
				first, verdict = "", ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", first, verdict, b.Path, b.Backend, mod, cert, status, b.Verdict)
		}
	}
	return tw.Flush()
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
