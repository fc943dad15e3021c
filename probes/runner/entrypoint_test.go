package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/evidence/frame"
	"github.com/sc8scan/sc8scan/probes/runner"
)

func TestMainReadsPlanWritesReport(t *testing.T) {
	h, p := permissiveHostPort(t)
	planJSON := fmt.Sprintf(`{"apiVersion":"sc8scan.dev/v1alpha1","kind":"ProbePlan","vantage":"pod-a",
		"targets":[{"host":%q,"port":%d}],"limits":{"enumerate":false,"connTimeout":"2s"}}`, h, p)
	var out, errw bytes.Buffer
	if err := runner.Main(context.Background(), strings.NewReader(planJSON), &out, &errw, nil); err != nil {
		t.Fatalf("Main: %v (stderr %s)", err, errw.String())
	}
	var rep evidence.ProbeReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	if rep.Kind != evidence.KindProbeReport || rep.APIVersion != evidence.APIVersion || rep.Scanner.Name != "sc8probe" {
		t.Errorf("header %+v", rep.Header)
	}
	if len(rep.Results) != 1 || !rep.Results[0].TLS.Offered || !rep.Results[0].Plaintext.Accepted || rep.Results[0].Vantage != "pod-a" {
		t.Errorf("results %+v", rep.Results)
	}
}

func TestMainWritesAFrame(t *testing.T) {
	h, p := permissiveHostPort(t)
	planJSON := fmt.Sprintf(`{"targets":[{"host":%q,"port":%d}],"limits":{"enumerate":false,"connTimeout":"2s"}}`, h, p)
	var out, errw bytes.Buffer
	if err := runner.Main(context.Background(), strings.NewReader(planJSON), &out, &errw, []string{"-frame", "probe-3"}); err != nil {
		t.Fatalf("Main: %v (stderr %s)", err, errw.String())
	}
	frames, err := frame.Read(&out, 1<<20)
	if err != nil || len(frames) != 1 {
		t.Fatalf("frames %d, err %v", len(frames), err)
	}
	if f := frames[0]; f.Kind != evidence.KindProbeReport || f.Name != "probe-3" {
		t.Errorf("frame %s of %s", f.Kind, f.Name)
	}
	var rep evidence.ProbeReport
	if err := json.Unmarshal(frames[0].Data, &rep); err != nil || len(rep.Results) != 1 || !rep.Results[0].TLS.Offered {
		t.Errorf("framed report %+v, err %v", rep.Results, err)
	}
}

func TestMainRejectsBadPlans(t *testing.T) {
	for name, in := range map[string]string{
		"not json":      `{`,
		"unknown field": `{"targets":[],"limit":{}}`,
		"wrong kind":    `{"kind":"Matrix","targets":[]}`,
		"wrong version": `{"apiVersion":"v9","targets":[]}`,
		"bad target":    `{"targets":[{"host":"","port":1}]}`,
		"two documents": `{"targets":[]} {"targets":[]}`,
		"bad inMesh":    `{"targets":[],"inMesh":"linkerd"}`,
	} {
		var out, errw bytes.Buffer
		if err := runner.Main(context.Background(), strings.NewReader(in), &out, &errw, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if out.Len() != 0 {
			t.Errorf("%s: wrote a report", name)
		}
	}
	var out, errw bytes.Buffer
	if err := runner.Main(context.Background(), strings.NewReader(""), &out, &errw, []string{"-plan", "/nonexistent/plan.json"}); err == nil {
		t.Error("missing plan file accepted")
	}
}

func permissiveHostPort(t *testing.T) (string, int) {
	tg := permissive(t)
	return tg.Host, tg.Port
}
