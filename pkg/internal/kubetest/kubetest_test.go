package kubetest

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/discover"
)

// TestStartStop starts a server without Istio's CRDs: the live reader says
// each Istio kind is not served, as a problem, and still reads the rest;
// Stop leaves no process and no directory behind.
func TestStartStop(t *testing.T) {
	assets := Assets(t)
	s, err := Start(context.Background(), assets, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if len(s.CRDs) != 0 {
		t.Errorf("CRDs applied: %v", s.CRDs)
	}
	inv, err := discover.FromCluster(context.Background(), s.Config(Admin), discover.WithCluster("bare"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range inv.Problems {
		got = append(got, p.Object+": "+p.Message)
	}
	want := []string{
		"PeerAuthentication: the API server does not serve peerauthentications.security.istio.io (CRD not installed); no PeerAuthentication was read",
		"DestinationRule: the API server does not serve destinationrules.networking.istio.io (CRD not installed); no DestinationRule was read",
		"Gateway: the API server does not serve gateways.networking.istio.io (CRD not installed); no Gateway was read",
		"Sidecar: the API server does not serve sidecars.networking.istio.io (CRD not installed); no Sidecar was read",
		"ServiceEntry: the API server does not serve serviceentries.networking.istio.io (CRD not installed); no ServiceEntry was read",
		"VirtualService: the API server does not serve virtualservices.networking.istio.io (CRD not installed); no VirtualService was read",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	var ns []string
	for _, n := range inv.Namespaces {
		ns = append(ns, n.Name)
	}
	if d := cmp.Diff([]string{"default", "kube-node-lease", "kube-public", "kube-system"}, ns); d != "" {
		t.Errorf("namespaces (-want +got):\n%s", d)
	}
	bad := s.Config(Admin)
	bad.BearerToken = "not-a-token"
	if _, err := discover.FromCluster(context.Background(), bad); err == nil {
		t.Error("an unknown token read the cluster")
	}

	dir, pids := s.Dir(), s.PIDs()
	if len(pids) != 2 {
		t.Fatalf("%d processes, want etcd and kube-apiserver", len(pids))
	}
	s.Stop()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still there after Stop (%v)", pid, err)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there after Stop (%v)", dir, err)
	}
}

// TestIstioCRDs: the shared server serves every CRD of istio.io/api's file.
func TestIstioCRDs(t *testing.T) {
	s := Shared(t)
	if len(s.CRDs) != 15 {
		t.Errorf("%d Istio CRDs applied, want 15: %v", len(s.CRDs), s.CRDs)
	}
}

func TestMain(m *testing.M) { os.Exit(Main(m)) }
