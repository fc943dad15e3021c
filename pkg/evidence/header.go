package evidence

import "github.com/sc8scan/sc8scan/pkg/version"

// APIVersion is the version of every sc8scan wire document.
const APIVersion = "sc8scan.dev/v1alpha1"

// Kinds of wire document.
const (
	KindProbeReport  = "ProbeReport"
	KindPolicyReport = "PolicyReport"
	KindFlowReport   = "FlowReport"
	KindImageReport  = "ImageReport"
	KindMatrix       = "Matrix"
)

// Header opens every wire document.
type Header struct {
	APIVersion string       `json:"apiVersion"`
	Kind       string       `json:"kind"`
	Scanner    version.Info `json:"scanner"`
}

// NewHeader returns the header of a document of kind written by the binary
// named scanner.
func NewHeader(kind, scanner string) Header {
	return Header{APIVersion: APIVersion, Kind: kind, Scanner: version.Get(scanner)}
}
