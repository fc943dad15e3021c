package evidence

import (
	_ "embed"
	"fmt"
)

// JSON Schemas (draft 2020-12) of the four evidence documents. A property
// is required when the Go type always writes it; a slice without omitempty
// may be null.
var (
	//go:embed schema/probe-report.schema.json
	ProbeReportSchema []byte
	//go:embed schema/policy-report.schema.json
	PolicyReportSchema []byte
	//go:embed schema/flow-report.schema.json
	FlowReportSchema []byte
	//go:embed schema/image-report.schema.json
	ImageReportSchema []byte
)

// Schema returns the JSON Schema of a document kind (KindProbeReport,
// KindPolicyReport, KindFlowReport or KindImageReport).
func Schema(kind string) ([]byte, error) {
	switch kind {
	case KindProbeReport:
		return ProbeReportSchema, nil
	case KindPolicyReport:
		return PolicyReportSchema, nil
	case KindFlowReport:
		return FlowReportSchema, nil
	case KindImageReport:
		return ImageReportSchema, nil
	}
	return nil, fmt.Errorf("no schema for kind %q", kind)
}
