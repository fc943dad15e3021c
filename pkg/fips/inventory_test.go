package fips

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
)

func TestUsesOf(t *testing.T) {
	ws := []inventory.Workload{
		{InitContainers: []inventory.Container{{Image: "init:1"}},
			Containers: []inventory.Container{{Image: "app:1", Env: map[string]string{"GODEBUG": "fips140=off", "OTHER": "x"}}, {Image: "side:1"}}},
		{Containers: []inventory.Container{{Image: "app:1"}, {Image: "app:1", Env: map[string]string{"GODEBUG": "fips140=off"}}, {Image: ""}}},
	}
	want := []Use{
		{Env: nil, Refs: []string{"init:1", "side:1", "app:1"}},
		{Env: []string{"GODEBUG=fips140=off"}, Refs: []string{"app:1"}},
	}
	if diff := cmp.Diff(want, UsesOf(ws)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWriteInventoryCSV(t *testing.T) {
	rep := &evidence.ImageReport{Images: []evidence.Image{
		{Ref: "reg.example/app:1", Digest: "sha256:" + string(bytes.Repeat([]byte("a"), 64)), Platform: "linux/amd64", Distro: "debian12", Verdict: "not-validated",
			Env: []string{"GODEBUG=fips140=off"},
			Binaries: []evidence.Binary{
				{Path: "/app", Backend: "go-fips140", Verdict: "not-validated", Modules: []evidence.Module{{Name: "Go Cryptographic Module", Version: "v1.0.0-c2097c7c", CMVPCertificate: "#5247", Status: "active"}}},
				{Path: "/usr/bin/openssl", Backend: "openssl", Verdict: "not-validated", Modules: []evidence.Module{{Name: "OpenSSL libcrypto", Version: "3.0.19", Status: "none"}}},
				{Path: "/bin/true", Backend: "none", Verdict: "no-crypto", Modules: []evidence.Module{}},
			}},
		{Ref: "oci-layout:/x", Verdict: "unknown", Errors: []string{"reading layer: boom"}},
	}}
	var buf bytes.Buffer
	if err := WriteInventoryCSV(&buf, rep); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		inventoryHeader,
		{"reg.example/app:1@sha256:" + string(bytes.Repeat([]byte("a"), 64)), "Container Image", "reg.example/app:1", "debian12", "linux/amd64",
			"Go Cryptographic Module; OpenSSL libcrypto", "v1.0.0-c2097c7c; 3.0.19", "#5247; -", "active; none", "not-validated",
			"/app (go-fips140: not-validated); /usr/bin/openssl (openssl: not-validated)", "pod environment GODEBUG=fips140=off"},
		{"oci-layout:/x", "Container Image", "oci-layout:/x", "", "", "", "", "", "", "unknown", "", "reading layer: boom"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
