package imagebuild

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// TestBuildGoKey reuses a build only while every file the program links
// from its module is unchanged: editing a package the main package imports
// builds again, editing a file it does not link does not.
func TestBuildGoKey(t *testing.T) {
	testenv.LookPath(t, "go")
	mod := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		p = filepath.Join(mod, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/keytest\n\ngo 1.24\n")
	write("cmd/app/main.go", "package main\n\nimport \"example.com/keytest/lib\"\n\nfunc main() { println(lib.Name) }\n")
	write("lib/lib.go", "package lib\n\nconst Name = \"one\"\n")
	write("other/other.go", "package other\n")
	cache := t.TempDir()
	b := GoBuild{Dir: filepath.Join(mod, "cmd", "app")}
	build := func() string {
		t.Helper()
		p, err := BuildGo(context.Background(), cache, b)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := build()
	write("other/other.go", "package other\n\nconst Unused = 1\n")
	if again := build(); again != first {
		t.Errorf("a change to a package the program does not link rebuilt it: %s, then %s", first, again)
	}
	write("lib/lib.go", "package lib\n\nconst Name = \"two\"\n")
	if again := build(); again == first {
		t.Errorf("a change to a package the program links reused the earlier build %s", first)
	}
}
