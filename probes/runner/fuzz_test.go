package runner_test

import (
	"strings"
	"testing"

	"github.com/sc8scan/sc8scan/probes/runner"
)

func FuzzReadPlan(f *testing.F) {
	f.Add(`{"apiVersion":"sc8scan.dev/v1alpha1","kind":"ProbePlan","targets":[{"host":"a","port":1}],"limits":{"connTimeout":"1s"}}`)
	f.Add(`{"targets":[{"host":"a","port":70000,"scheme":"gopher"}],"caBundle":"x"}`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := runner.ReadPlan(strings.NewReader(s))
		if err == nil {
			if err := runner.Validate(p); err != nil {
				t.Errorf("ReadPlan accepted a plan Validate refuses: %v", err)
			}
		}
	})
}
