package fips

import (
	"encoding/csv"
	"io"
	"sort"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// Use is a set of images judged under one pod environment.
type Use struct {
	// Env is what the pods set that changes a verdict (PodEnv).
	Env  []string
	Refs []string
}

// UsesOf lists the workloads' images (init containers included), grouped
// by the environment their containers set, in order of appearance; an
// image run under two environments appears in both groups. Pass each
// group to InspectRefs with WithEnv(u.Env...).
func UsesOf(ws []inventory.Workload) []Use {
	byEnv := map[string]int{}
	var out []Use
	seen := map[string]bool{}
	for _, w := range ws {
		for _, cs := range [][]inventory.Container{w.InitContainers, w.Containers} {
			for _, c := range cs {
				if c.Image == "" {
					continue
				}
				env := PodEnv(c.Env)
				key := strings.Join(env, "\x00")
				if seen[key+"\x01"+c.Image] {
					continue
				}
				seen[key+"\x01"+c.Image] = true
				i, ok := byEnv[key]
				if !ok {
					i = len(out)
					byEnv[key] = i
					out = append(out, Use{Env: env})
				}
				out[i].Refs = append(out[i].Refs, c.Image)
			}
		}
	}
	return out
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// inventoryHeader names the columns of the Integrated Inventory Workbook
// the rows fill, and the Appendix Q cryptographic-module columns.
var inventoryHeader = []string{
	"Unique Asset Identifier", "Asset Type", "Software/Database Name & Version", "OS Name and Version",
	"Platform", "Cryptographic Modules", "Module Versions", "CMVP Certificates", "Certificate Status",
	"FIPS Validation", "Binaries Using Crypto", "Comments",
}

// WriteInventoryCSV writes one row per image for the FedRAMP Integrated
// Inventory Workbook and SSP Appendix Q: the workbook's asset columns that
// apply to a container image, then its cryptographic modules, versions,
// certificates and status.
func WriteInventoryCSV(w io.Writer, rep *evidence.ImageReport) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(inventoryHeader); err != nil {
		return err
	}
	for _, im := range rep.Images {
		id := im.Ref
		if im.Digest != "" && !strings.Contains(im.Ref, "@") {
			id = im.Ref + "@" + im.Digest
		}
		type mod struct{ name, version, cert, status string }
		var mods []mod
		seen := map[mod]bool{}
		var users []string
		for _, b := range im.Binaries {
			if b.Verdict != VerdictNoCrypto {
				users = append(users, b.Path+" ("+b.Backend+": "+b.Verdict+")")
			}
			for _, m := range b.Modules {
				k := mod{m.Name, m.Version, m.CMVPCertificate, m.Status}
				if !seen[k] {
					seen[k] = true
					mods = append(mods, k)
				}
			}
		}
		sort.SliceStable(mods, func(i, j int) bool { return mods[i].name < mods[j].name })
		col := func(get func(mod) string) string {
			var out []string
			for _, m := range mods {
				out = append(out, dash(get(m)))
			}
			return strings.Join(out, "; ")
		}
		comments := strings.Join(im.Errors, "; ")
		if len(im.Env) > 0 {
			comments = strings.TrimPrefix(comments+"; pod environment "+strings.Join(im.Env, " "), "; ")
		}
		row := []string{
			id, "Container Image", im.Ref, im.Distro, im.Platform,
			col(func(m mod) string { return m.name }), col(func(m mod) string { return m.version }),
			col(func(m mod) string { return m.cert }), col(func(m mod) string { return m.status }),
			im.Verdict, strings.Join(users, "; "), comments,
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
