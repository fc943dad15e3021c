package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sc8scan/sc8scan/pkg/evidence"
)

func runCapture(args ...string) (string, int) {
	var out, errb bytes.Buffer
	err := Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, append([]string{"capture"}, args...))
	code := ExitCode(err, &errb)
	return out.String() + errb.String(), code
}

func TestCaptureCommand(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"table", []string{"--pcap", "../../testdata/pcap/tls12.pcap"}, 0,
			[]string{"TLSv1.2", "mtls12.test", "sent", "85 packets, 5 flows"}},
		{"tcpdump -i any capture (SLL2)", []string{"--pcap", "../../testdata/pcap/smallmtu-any.pcap"}, 0,
			[]string{"198.18.0.2:8443", "split.test", "41 packets, 2 flows"}},
		{"truncated file still reports", []string{"--pcap", "../../testdata/pcap/truncated.pcap"}, 0,
			[]string{"mtls13.test", "error: file truncated"}},
		{"no input", nil, 1, []string{"exactly one of --pcap"}},
		{"both inputs", []string{"--pcap", "x", "--interface", "lo"}, 1, []string{"exactly one of --pcap"}},
		{"bad output", []string{"--pcap", "../../testdata/pcap/tls12.pcap", "--output", "xml"}, 1, []string{"--output must be"}},
		{"bpf without interface", []string{"--pcap", "../../testdata/pcap/tls12.pcap", "--bpf", "tcp"}, 1, []string{"--bpf applies"}},
		{"missing file", []string{"--pcap", "../../testdata/pcap/nope.pcap"}, 1, []string{"opening capture"}},
		{"missing manifests", []string{"--pcap", "../../testdata/pcap/tls12.pcap", "--from", "../../testdata/pcap/nope"}, 1, []string{"reading manifests"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := runCapture(tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; output:\n%s", code, tt.code, out)
			}
			for _, s := range tt.contains {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}
}

// TestCaptureFromManifests maps the VXLAN capture's inner flows onto the
// pods and Service of a manifest dump, and onto the paths discover builds.
func TestCaptureFromManifests(t *testing.T) {
	out, code := runCapture("--pcap", "../../testdata/pcap/vxlan.pcap", "--from", "../../testdata/pcap/vxlan-manifests", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var r evidence.FlowReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("decoding FlowReport: %v", err)
	}
	if r.Kind != evidence.KindFlowReport || r.APIVersion != evidence.APIVersion {
		t.Errorf("header = %s %s", r.APIVersion, r.Kind)
	}
	type row struct {
		Server, Class, Source, Destination string
		HasPath                            bool
	}
	var got []row
	for _, f := range r.Flows {
		rw := row{Server: f.Server, Class: f.Classification, HasPath: f.PathID != ""}
		if f.Source != nil {
			rw.Source = f.Source.Namespace + "/" + f.Source.Pod
		}
		if f.Destination != nil {
			rw.Destination = f.Destination.Namespace + "/" + f.Destination.Pod + "/svc=" + f.Destination.Service
		}
		got = append(got, rw)
	}
	want := []row{
		{"198.19.0.2:9443", "tls", "shop/web-1", "shop/api-1/svc=api", true},
		{"198.19.0.2:8080", "plaintext", "shop/web-1", "shop/api-1/svc=api", true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flows (-want +got):\n%s", diff)
	}
}
