package archtest

import (
	"fmt"
	"sort"
	"strings"
)

// Module is the module path the rules speak of.
const Module = "github.com/sc8scan/sc8scan"

// Package is what the rules need to know of one package.
type Package struct {
	ImportPath string
	Imports    []string // direct imports
	Deps       []string // every transitive dependency
	Standard   bool
}

// Rule checks one package and returns the violations it finds.
type Rule struct {
	Name  string
	Check func(p Package, std map[string]bool) []string
}

func own(path string) bool { return path == Module || strings.HasPrefix(path, Module+"/") }

func rel(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, Module), "/") }

func under(path string, prefixes ...string) bool {
	r := rel(path)
	for _, p := range prefixes {
		if r == p || strings.HasPrefix(r, p+"/") {
			return true
		}
	}
	return false
}

// leaves may import only the standard library and the listed own packages.
var leaves = map[string][]string{
	"pkg/version":        nil,
	"pkg/inventory":      nil,
	"pkg/cryptoref":      nil,
	"pkg/matrix":         {"pkg/version"},
	"pkg/evidence":       {"pkg/version"},
	"pkg/evidence/frame": nil,
}

// producers are the four evidence producers; none may import another or
// discover, scan, cli, evaluate or report.
var producers = []string{"probes", "pkg/policy", "pkg/capture", "pkg/fips"}

func producerOf(path string) string {
	for _, p := range producers {
		if under(path, p) {
			return p
		}
	}
	return ""
}

// ioPackages are what evaluate may not import: it is pure.
var ioPackages = []string{"os", "os/exec", "net", "net/http", "io/ioutil", "syscall", "log"}

// Rules is the rule set of DESIGN.md.
var Rules = []Rule{
	{"leaves import only the standard library", func(p Package, std map[string]bool) []string {
		allowed, ok := leaves[rel(p.ImportPath)]
		if !ok || !own(p.ImportPath) {
			return nil
		}
		var bad []string
		for _, imp := range p.Imports {
			if std[imp] {
				continue
			}
			if own(imp) && contains(allowed, rel(imp)) {
				continue
			}
			bad = append(bad, fmt.Sprintf("%s imports %s", rel(p.ImportPath), imp))
		}
		return bad
	}},
	{"evidence producers do not import each other or the pipeline", func(p Package, std map[string]bool) []string {
		mine := producerOf(p.ImportPath)
		if mine == "" {
			return nil
		}
		var bad []string
		for _, imp := range p.Imports {
			if !own(imp) {
				continue
			}
			if other := producerOf(imp); other != "" && other != mine {
				bad = append(bad, fmt.Sprintf("%s imports %s (another evidence producer)", rel(p.ImportPath), rel(imp)))
			}
			if under(imp, "pkg/discover", "pkg/scan", "pkg/cli", "pkg/evaluate", "pkg/report", "pkg/dispatch") {
				bad = append(bad, fmt.Sprintf("%s imports %s", rel(p.ImportPath), rel(imp)))
			}
		}
		return bad
	}},
	{"evaluate does no I/O", func(p Package, std map[string]bool) []string {
		if !under(p.ImportPath, "pkg/evaluate") {
			return nil
		}
		var bad []string
		for _, imp := range p.Imports {
			if contains(ioPackages, imp) {
				bad = append(bad, fmt.Sprintf("%s imports %s", rel(p.ImportPath), imp))
			}
			if own(imp) && !under(imp, "pkg/inventory", "pkg/evidence", "pkg/matrix", "pkg/cryptoref", "pkg/version") {
				bad = append(bad, fmt.Sprintf("%s imports %s", rel(p.ImportPath), rel(imp)))
			}
			if !std[imp] && !own(imp) {
				bad = append(bad, fmt.Sprintf("%s imports %s (evaluate is pure)", rel(p.ImportPath), imp))
			}
		}
		return bad
	}},
	{"report imports only matrix", func(p Package, std map[string]bool) []string {
		if !under(p.ImportPath, "pkg/report") {
			return nil
		}
		var bad []string
		for _, imp := range p.Imports {
			if own(imp) && !under(imp, "pkg/matrix", "pkg/version", "pkg/report") {
				bad = append(bad, fmt.Sprintf("%s imports %s", rel(p.ImportPath), rel(imp)))
			}
		}
		return bad
	}},
	{"only cli imports cobra", func(p Package, std map[string]bool) []string {
		if under(p.ImportPath, "pkg/cli") {
			return nil
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/spf13/cobra") {
				return []string{fmt.Sprintf("%s imports cobra", rel(p.ImportPath))}
			}
		}
		return nil
	}},
	{"the probe binary links no client-go", func(p Package, std map[string]bool) []string {
		if rel(p.ImportPath) != "cmd/sc8probe" {
			return nil
		}
		var bad []string
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "k8s.io/client-go") || strings.HasPrefix(d, "istio.io/") {
				bad = append(bad, fmt.Sprintf("cmd/sc8probe links %s", d))
			}
		}
		return bad
	}},
}

// Check runs every rule over pkgs and returns the violations, sorted.
func Check(pkgs []Package) []string {
	std := map[string]bool{}
	for _, p := range pkgs {
		if p.Standard {
			std[p.ImportPath] = true
		}
		for _, d := range append(append([]string{}, p.Imports...), p.Deps...) {
			if isStd(d) {
				std[d] = true
			}
		}
	}
	var out []string
	for _, p := range pkgs {
		if !own(p.ImportPath) {
			continue
		}
		for _, r := range Rules {
			for _, v := range r.Check(p, std) {
				out = append(out, r.Name+": "+v)
			}
		}
	}
	sort.Strings(out)
	return out
}

// isStd treats import paths without a dot in the first element as the
// standard library.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
