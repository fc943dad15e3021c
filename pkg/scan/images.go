package scan

import (
	"context"
	"fmt"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/fips"
)

// images inspects every image the inventory references, grouped by the
// environment the pods give them (GODEBUG=fips140=..., OPENSSL_CONF), reads
// each from where ImageMap says (or from its reference), and reports it
// under the reference the manifests use. Offline, an image without a local
// copy is recorded as not inspected instead of being pulled.
func (g *gatherer) images(ctx context.Context) error {
	if r := g.o.Preloaded.Images; r != nil {
		g.ev.Images = r
		return nil
	}
	if !g.o.Images {
		g.ev.Skipped["images"] = "image inspection not requested (--images)"
		return nil
	}
	uses := fips.UsesOf(g.inv.Workloads)
	if len(uses) == 0 {
		g.ev.Skipped["images"] = "the manifests reference no image"
		return nil
	}
	start := time.Now()
	all := &evidence.ImageReport{Header: evidence.NewHeader(evidence.KindImageReport, "sc8scan")}
	n := 0
	for _, u := range uses {
		var refs, reads []string
		for _, ref := range u.Refs {
			local, mapped := g.o.ImageMap[ref]
			switch {
			case mapped:
				refs, reads = append(refs, ref), append(reads, local)
			case g.o.ImagesOffline:
				all.Images = append(all.Images, evidence.Image{Ref: ref, Verdict: "unknown", Env: u.Env,
					Errors: []string{"not inspected: offline, and no local copy was given (--image-map REF=oci-layout:DIR)"}})
			default:
				refs, reads = append(refs, ref), append(reads, ref)
			}
		}
		if len(reads) == 0 {
			continue
		}
		n += len(reads)
		g.log.Info("inspecting images", "images", len(reads), "env", u.Env)
		rep, err := fips.InspectRefs(ctx, reads, fips.WithLogger(g.log), fips.WithEnv(u.Env...), fips.WithScanner("sc8scan"), fips.WithTime(g.now()))
		if err != nil {
			return fmt.Errorf("inspecting images: %w", err)
		}
		for i := range rep.Images {
			if i < len(refs) && rep.Images[i].Ref != refs[i] {
				rep.Images[i].ReadFrom = rep.Images[i].Ref
				rep.Images[i].Ref = refs[i]
			}
		}
		all.Images = append(all.Images, rep.Images...)
	}
	g.ev.Images = all
	g.log.Info("inspected images", "inspected", n, "listed", len(all.Images), "took", since(start))
	return nil
}
