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
	// EvaluateAt evaluates the matrix at this time; zero evaluates it at
	// the lab's issue time.
	EvaluateAt time.Time
	// WaiversValidFor, when positive, moves every demo waiver's expiry to
	// that long after the lab's issue time, so a scan on the real clock
	// does not depend on the calendar dates in testdata/demo-waivers.yaml.
	WaiversValidFor time.Duration
}

// ScanDemo starts the demo lab with its certificates issued at issued,
// scans testdata/demo of the repository at root against it with the demo's
// waivers, as make demo does, and stops the lab. The matrix is evaluated at
// issued unless an option says otherwise: one clock for the certificates
// and their judge.
func ScanDemo(ctx context.Context, root string, issued time.Time, extra ...DemoOptions) (*scan.Result, error) {
	l, err := Start(DemoSpecs(), issued)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	ws, err := scan.LoadWaivers(filepath.Join(root, "testdata", "demo-waivers.yaml"))
	if err != nil {
		return nil, err
	}
	now := issued
	for _, e := range extra {
		if !e.EvaluateAt.IsZero() {
			now = e.EvaluateAt
		}
		if e.WaiversValidFor > 0 {
			for i := range ws {
				ws[i].Expires = issued.Add(e.WaiversValidFor)
			}
		}
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
