package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/sc8scan/sc8scan/pkg/evaluate"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/evidence/frame"
	"sigs.k8s.io/yaml"
)

const maxDocBytes = 512 << 20

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDocBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxDocBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxDocBytes)
	}
	return data, nil
}

// LoadEvidence reads an evidence document (ProbeReport, PolicyReport,
// FlowReport or ImageReport) into p, by its kind.
func LoadEvidence(path string, p *Preloaded) error {
	data, err := readBounded(path)
	if err != nil {
		return fmt.Errorf("reading evidence: %w", err)
	}
	return loadEvidence(path, data, p)
}

// loadEvidence is LoadEvidence on the bytes read from path.
func loadEvidence(path string, data []byte, p *Preloaded) error {
	if bytes.Contains(data, []byte("sc8scan-frame v1 begin ")) {
		return loadFramed(path, data, p)
	}
	return loadDoc(path, data, p)
}

// loadFramed reads the evidence frames of a pod log (kubectl logs of a
// probe Job or a sensor pod, as `sc8scan gen` applies them): every frame
// must be whole; FlowReports of several frames are merged.
func loadFramed(path string, data []byte, p *Preloaded) error {
	frames, err := frame.Read(bytes.NewReader(data), maxDocBytes)
	if err != nil {
		return fmt.Errorf("reading evidence %s: %w", path, err)
	}
	for _, f := range frames {
		var one Preloaded
		if err := loadDoc(fmt.Sprintf("%s (frame %s)", path, f.Name), f.Data, &one); err != nil {
			return err
		}
		switch {
		case one.Flows != nil && p.Flows != nil:
			p.Flows.Merge(one.Flows)
		case one.Probes != nil && p.Probes != nil:
			p.Probes.Results = append(p.Probes.Results, one.Probes.Results...)
		default:
			one.into(p)
		}
	}
	return nil
}

// into copies the documents o holds into p.
func (o Preloaded) into(p *Preloaded) {
	if o.Probes != nil {
		p.Probes = o.Probes
	}
	if o.Policy != nil {
		p.Policy = o.Policy
	}
	if o.Flows != nil {
		p.Flows = o.Flows
	}
	if o.Images != nil {
		p.Images = o.Images
	}
}

func loadDoc(path string, data []byte, p *Preloaded) error {
	var h evidence.Header
	if err := json.Unmarshal(data, &h); err != nil {
		return fmt.Errorf("reading evidence %s: %w", path, err)
	}
	want := evidence.APIVersion
	if h.Kind == evidence.KindPolicyReport {
		want = evidence.PolicyAPIVersion
	}
	if h.APIVersion != want {
		return fmt.Errorf("reading evidence %s: %s apiVersion %q, want %q", path, h.Kind, h.APIVersion, want)
	}
	var target any
	switch h.Kind {
	case evidence.KindProbeReport:
		p.Probes = &evidence.ProbeReport{}
		target = p.Probes
	case evidence.KindPolicyReport:
		p.Policy = &evidence.PolicyReport{}
		target = p.Policy
	case evidence.KindFlowReport:
		p.Flows = &evidence.FlowReport{}
		target = p.Flows
	case evidence.KindImageReport:
		p.Images = &evidence.ImageReport{}
		target = p.Images
	default:
		return fmt.Errorf("reading evidence %s: kind %q is not an evidence document", path, h.Kind)
	}
	if err := json.Unmarshal(data, target); err != nil {
		return fmt.Errorf("reading evidence %s: %w", path, err)
	}
	return nil
}

// WaiverFile is the file form of waivers (YAML or JSON).
type WaiverFile struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"` // "Waivers"
	Waivers    []evaluate.Waiver `json:"waivers"`
}

// LoadWaivers reads a waiver file.
func LoadWaivers(path string) ([]evaluate.Waiver, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, fmt.Errorf("reading waivers: %w", err)
	}
	var wf WaiverFile
	if err := yaml.UnmarshalStrict(data, &wf); err != nil {
		return nil, fmt.Errorf("reading waivers %s: %w", path, err)
	}
	if wf.Kind != "Waivers" {
		return nil, fmt.Errorf("reading waivers %s: kind %q, want Waivers", path, wf.Kind)
	}
	return wf.Waivers, nil
}

// LoadTargets reads a TargetMap file.
func LoadTargets(path string) ([]Target, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, fmt.Errorf("reading targets: %w", err)
	}
	var tm TargetMap
	if err := yaml.UnmarshalStrict(data, &tm); err != nil {
		return nil, fmt.Errorf("reading targets %s: %w", path, err)
	}
	if tm.Kind != "TargetMap" {
		return nil, fmt.Errorf("reading targets %s: kind %q, want TargetMap", path, tm.Kind)
	}
	return tm.Targets, nil
}
