package lab

import (
	"context"
	"path/filepath"
	"time"

	"github.com/sc8scan/sc8scan/pkg/scan"
)

// ScanDemo starts the demo lab, scans testdata/demo of the repository at
// root against it with the demo's waivers, as make demo does, and stops the
// lab. now is the evaluation time.
func ScanDemo(ctx context.Context, root string, now time.Time) (*scan.Result, error) {
	l, err := Start(DemoSpecs())
	if err != nil {
		return nil, err
	}
	defer l.Close()
	ws, err := scan.LoadWaivers(filepath.Join(root, "testdata", "demo-waivers.yaml"))
	if err != nil {
		return nil, err
	}
	return scan.Run(ctx, scan.Options{
		From: filepath.Join(root, "testdata", "demo"), Cluster: "demo-east", Targets: l.Targets, CABundle: string(l.CA.PEM),
		Probe: true, Policy: true, Waivers: ws, Now: func() time.Time { return now },
	})
}
