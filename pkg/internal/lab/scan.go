package lab

import (
	"context"
	"path/filepath"
	"time"

	"github.com/sc8scan/sc8scan/pkg/scan"
)

// DemoOptions add evidence to ScanDemo beyond probes and policy.
type DemoOptions struct {
	// PCAP is a capture of the demo's traffic (testdata/demo-traffic).
	PCAP string
	// Images maps image references to local copies (DemoImageVariants
	// built with imagebuild); nil leaves image inspection out.
	Images map[string]string
}

// ScanDemo starts the demo lab, scans testdata/demo of the repository at
// root against it with the demo's waivers, as make demo does, and stops the
// lab. now is the evaluation time.
func ScanDemo(ctx context.Context, root string, now time.Time, extra ...DemoOptions) (*scan.Result, error) {
	l, err := Start(DemoSpecs())
	if err != nil {
		return nil, err
	}
	defer l.Close()
	ws, err := scan.LoadWaivers(filepath.Join(root, "testdata", "demo-waivers.yaml"))
	if err != nil {
		return nil, err
	}
	o := scan.Options{
		From: filepath.Join(root, "testdata", "demo"), Cluster: "demo-east", Targets: l.Targets, CABundle: string(l.CA.PEM),
		Probe: true, Policy: true, Waivers: ws, Now: func() time.Time { return now },
	}
	for _, e := range extra {
		if e.PCAP != "" {
			o.PCAPs = append(o.PCAPs, e.PCAP)
		}
		if e.Images != nil {
			o.Images, o.ImagesOffline, o.ImageMap = true, true, e.Images
		}
	}
	return scan.Run(ctx, o)
}
