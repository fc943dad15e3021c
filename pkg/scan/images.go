package scan

import (
	"context"
	"fmt"
	"time"

	"github.com/sc8scan/sc8scan/pkg/fips"
)

// images inspects every image the inventory references, reading each from
// where ImageMap says (or from its reference), and reports it under the
// reference the manifests use.
func (g *gatherer) images(ctx context.Context) error {
	if r := g.o.Preloaded.Images; r != nil {
		g.ev.Images = r
		return nil
	}
	if !g.o.Images {
		g.ev.Skipped["images"] = "image inspection not requested (--images)"
		return nil
	}
	var refs, reads []string
	seen := map[string]bool{}
	for _, w := range g.inv.Workloads {
		for _, ref := range w.Images() {
			if seen[ref] {
				continue
			}
			seen[ref] = true
			refs = append(refs, ref)
			if local, ok := g.o.ImageMap[ref]; ok {
				reads = append(reads, local)
			} else {
				reads = append(reads, ref)
			}
		}
	}
	if len(refs) == 0 {
		g.ev.Skipped["images"] = "the manifests reference no image"
		return nil
	}
	start := time.Now()
	g.log.Info("inspecting images", "images", len(refs))
	rep, err := fips.InspectRefs(ctx, reads, fips.WithLogger(g.log))
	if err != nil {
		return fmt.Errorf("inspecting images: %w", err)
	}
	for i := range rep.Images {
		if i < len(refs) && rep.Images[i].Ref != refs[i] {
			rep.Images[i].ReadFrom = rep.Images[i].Ref
			rep.Images[i].Ref = refs[i]
		}
	}
	g.ev.Images = rep
	g.log.Info("inspected images", "images", len(rep.Images), "took", since(start))
	return nil
}
