package cli

import (
	"encoding/json"
	"fmt"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/version"
	"github.com/spf13/cobra"
)

type versionFlags struct{ output string }

func newVersionCmd(s Streams) *cobra.Command {
	f := &versionFlags{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the scanner's version, Go toolchain, crypto backend and reference-data versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := version.Get("sc8scan")
			switch f.output {
			case "json":
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					version.Info
					Profiles string `json:"profiles"`
				}{info, cryptoref.ProfilesVersion()})
			case "text":
				fmt.Fprintf(s.Out, "sc8scan %s\ngo: %s\ncrypto: %s\nprofiles: %s\n", info.Version, info.GoVersion, info.CryptoBackend, cryptoref.ProfilesVersion())
				return nil
			}
			return usageErr("--output must be text or json, not %q", f.output)
		},
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", "text", "text or json")
	return cmd
}
