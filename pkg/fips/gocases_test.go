package fips

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
)

// TestGoBackends builds the research notes' Go cases as real binaries,
// puts each in a real image and checks the verdict.
func TestGoBackends(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real binaries")
	}
	const v100 = "Go Cryptographic Module | v1.0.0-c2097c7c | #5247 | active"
	tests := []struct {
		name    string
		build   imagebuild.GoBuild
		env     []string // image config
		pod     []string // pod spec
		want    summary
		evident string // a piece of evidence that must be there
	}{
		{"1 standard Go crypto", imagebuild.GoBuild{Dir: "crypto"}, nil, nil,
			summary{"go-std", "not-validated", []string{"Go standard library crypto | go1.26.8 | none"}}, "standard Go crypto"},
		{"2 GOFIPS140=v1.0.0", imagebuild.GoBuild{Dir: "crypto", GOFIPS140: "v1.0.0"}, nil, nil,
			summary{"go-fips140", "validated", []string{v100}}, "fips140=on from the binary's DefaultGODEBUG"},
		{"2 GOFIPS140=certified (alias of v1.0.0)", imagebuild.GoBuild{Dir: "crypto", GOFIPS140: "certified"}, nil, nil,
			summary{"go-fips140", "validated", []string{v100}}, "#5247"},
		{"3 pod GODEBUG=fips140=off", imagebuild.GoBuild{Dir: "crypto", GOFIPS140: "v1.0.0"}, nil, []string{"GODEBUG=fips140=off"},
			summary{"go-fips140", "not-validated", []string{v100}}, "fips140=off from the pod's GODEBUG"},
		{"3 image config GODEBUG=fips140=off", imagebuild.GoBuild{Dir: "crypto", GOFIPS140: "v1.0.0"}, []string{"GODEBUG=x509sha1=1,fips140=off"}, nil,
			summary{"go-fips140", "not-validated", []string{v100}}, "the image config's GODEBUG"},
		{"3 //go:debug fips140=off", imagebuild.GoBuild{Dir: "fipsoff", GOFIPS140: "v1.0.0"}, nil, nil,
			summary{"go-fips140", "not-validated", []string{v100}}, "fips140=off from the binary's DefaultGODEBUG"},
		{"pod GODEBUG=fips140=auto on Go 1.26", imagebuild.GoBuild{Dir: "crypto", GOFIPS140: "v1.0.0"}, nil, []string{"GODEBUG=fips140=auto"},
			summary{"go-fips140", "not-validated", []string{v100}}, "panics at start"},
		{"3 pod GODEBUG=fips140=only", imagebuild.GoBuild{Dir: "fipsoff", GOFIPS140: "v1.0.0"}, nil, []string{"GODEBUG=fips140=only"},
			summary{"go-fips140", "validated", []string{v100}}, "fips140=only from the pod's GODEBUG"},
		{"4 GOFIPS140=latest", imagebuild.GoBuild{Dir: "crypto", GOFIPS140: "latest"}, nil, nil,
			summary{"go-fips140", "not-validated", []string{"Go Cryptographic Module | latest (go1.26.8) | none"}}, "update stream"},
		{"5 GOFIPS140=inprocess", imagebuild.GoBuild{Dir: "crypto", GOFIPS140: "inprocess"}, nil, nil,
			summary{"go-fips140", "not-validated", []string{"Go Cryptographic Module | v1.26.0 | in-process"}}, "Modules-In-Process"},
		{"6 GOFIPS140=v1.0.0 without crypto", imagebuild.GoBuild{Dir: "nocrypto", GOFIPS140: "v1.0.0"}, nil, nil,
			summary{"none", "no-crypto", nil}, "no certificate claimed"},
		{"7 boringcrypto with cgo", imagebuild.GoBuild{Dir: "crypto", GOEXPERIMENT: "boringcrypto", CGO: true}, nil, nil,
			summary{"boringcrypto", "validated", []string{"BoringCrypto | fips-20220613 | #4735 | active"}}, "sig.BoringCrypto"},
		{"7 boringcrypto with pod fips140=on panics", imagebuild.GoBuild{Dir: "crypto", GOEXPERIMENT: "boringcrypto", CGO: true}, nil, []string{"GODEBUG=fips140=on"},
			summary{"boringcrypto", "not-validated", []string{"BoringCrypto | fips-20220613 | #4735 | active"}}, "panics at start"},
		{"8 boringcrypto without cgo", imagebuild.GoBuild{Dir: "crypto", GOEXPERIMENT: "boringcrypto"}, nil, nil,
			summary{"go-std", "not-validated", []string{"Go standard library crypto | go1.26.8-X:boringcrypto | none"}}, "BoringCrypto is not linked"},
		{"10 stripped -s -w", imagebuild.GoBuild{Dir: "crypto", GOFIPS140: "v1.0.0", LDFlags: "-s -w"}, nil, nil,
			summary{"go-fips140", "validated", []string{v100}}, "pclntab"},
		{"10 stripped boringcrypto", imagebuild.GoBuild{Dir: "crypto", GOEXPERIMENT: "boringcrypto", CGO: true, LDFlags: "-s -w"}, nil, nil,
			summary{"boringcrypto", "validated", []string{"BoringCrypto | fips-20220613 | #4735 | active"}}, "sig.BoringCrypto"},
		{"25 only x/crypto chacha20poly1305", imagebuild.GoBuild{Dir: "chacha", GOFIPS140: "v1.0.0"}, nil, nil,
			summary{"go-fips140", "not-validated", []string{v100}}, "outside the module boundary: golang.org/x/crypto/chacha20"},
		{"25 chacha without GOFIPS140", imagebuild.GoBuild{Dir: "chacha"}, nil, nil,
			summary{"go-std", "not-validated", []string{"crypto outside any FIPS module | golang.org/x/crypto/chacha20, golang.org/x/crypto/chacha20poly1305, golang.org/x/crypto/internal/poly1305 | none"}}, "standard Go crypto"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := goBin(t, tt.build)
			ref := layoutOf(t, tt.env, imagebuild.File{Path: "app/bin", Source: bin})
			var opts []Option
			if tt.pod != nil {
				opts = append(opts, WithEnv(tt.pod...))
			}
			im := inspectOne(t, ref, opts...)
			b := binaryAt(t, im, "/app/bin")
			if diff := cmp.Diff(tt.want, summarise(b)); diff != "" {
				t.Errorf("(-want +got):\n%s\nevidence: %q", diff, b.Evidence)
			}
			if !hasEvidence(b, tt.evident) {
				t.Errorf("no evidence mentions %q: %q", tt.evident, b.Evidence)
			}
			if im.Verdict != tt.want.Verdict {
				t.Errorf("image verdict %s, want %s", im.Verdict, tt.want.Verdict)
			}
		})
	}
}
