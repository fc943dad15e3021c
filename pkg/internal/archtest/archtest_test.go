package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestModuleFollowsRules lists the module's packages with go list and checks
// every rule.
func TestModuleFollowsRules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	cmd := exec.Command("go", "list", "-json", Module+"/...")
	cmd.Dir = "../../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p Package
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, v := range Check(pkgs) {
		t.Error(v)
	}
}

// TestRulesCatchViolations feeds each rule a package that breaks it.
func TestRulesCatchViolations(t *testing.T) {
	m := func(s string) string { return Module + "/" + s }
	tests := []struct {
		name string
		pkg  Package
		want string
	}{
		{"leaf imports client-go", Package{ImportPath: m("pkg/inventory"), Imports: []string{"fmt", "k8s.io/client-go/kubernetes"}}, "pkg/inventory imports k8s.io/client-go"},
		{"leaf imports own package", Package{ImportPath: m("pkg/matrix"), Imports: []string{m("pkg/inventory")}}, "pkg/matrix imports " + m("pkg/inventory")},
		{"producer imports producer", Package{ImportPath: m("pkg/capture"), Imports: []string{m("pkg/fips")}}, "another evidence producer"},
		{"probe imports producer", Package{ImportPath: m("probes/tls"), Imports: []string{m("pkg/policy/istio")}}, "another evidence producer"},
		{"producer imports discover", Package{ImportPath: m("pkg/policy/istio"), Imports: []string{m("pkg/discover")}}, "pkg/policy/istio imports pkg/discover"},
		{"evaluate does I/O", Package{ImportPath: m("pkg/evaluate"), Imports: []string{"os"}}, "pkg/evaluate imports os"},
		{"evaluate imports producer", Package{ImportPath: m("pkg/evaluate"), Imports: []string{m("pkg/capture")}}, "pkg/evaluate imports pkg/capture"},
		{"report imports inventory", Package{ImportPath: m("pkg/report"), Imports: []string{m("pkg/inventory")}}, "pkg/report imports pkg/inventory"},
		{"cobra outside cli", Package{ImportPath: m("pkg/scan"), Imports: []string{"github.com/spf13/cobra"}}, "pkg/scan imports cobra"},
		{"probe binary links client-go", Package{ImportPath: m("cmd/sc8probe"), Deps: []string{"k8s.io/client-go/rest"}}, "cmd/sc8probe links k8s.io/client-go/rest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check([]Package{tt.pkg})
			if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Errorf("Check = %q, want a violation containing %q", got, tt.want)
			}
		})
	}
	clean := Package{ImportPath: m("pkg/evaluate"), Imports: []string{"sort", m("pkg/matrix"), m("pkg/inventory")}}
	if got := Check([]Package{clean}); len(got) != 0 {
		t.Errorf("clean package flagged: %q", got)
	}
}
