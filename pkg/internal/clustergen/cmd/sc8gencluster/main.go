// Command sc8gencluster writes a synthetic meshed cluster dump for
// benchmarks (see package clustergen):
//
//	sc8gencluster -workloads 6000 -ports 10000 -namespaces 200 -out DIR
//
// It writes DIR/cluster.yaml and prints the counts.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sc8scan/sc8scan/pkg/internal/clustergen"
)

func main() {
	var s clustergen.Spec
	flag.IntVar(&s.Workloads, "workloads", 1000, "Deployments to generate")
	flag.IntVar(&s.Namespaces, "namespaces", 0, "application namespaces (default workloads/30)")
	flag.IntVar(&s.ServicePorts, "ports", 0, "Service ports (default 2 per workload)")
	flag.Uint64Var(&s.Seed, "seed", 1, "seed of the mix")
	out := flag.String("out", "", "directory to write cluster.yaml into (required)")
	flag.Parse()
	if err := run(s, *out); err != nil {
		fmt.Fprintln(os.Stderr, "sc8gencluster:", err)
		os.Exit(1)
	}
}

func run(s clustergen.Spec, out string) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(out, "cluster.yaml"))
	if err != nil {
		return err
	}
	c, err := clustergen.Write(f, s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", f.Name(), err)
	}
	fmt.Printf("%d namespaces, %d workloads, %d pods, %d services, %d service ports, %d policies in %s\n",
		c.Namespaces, c.Workloads, c.Pods, c.Services, c.ServicePorts, c.Policies, f.Name())
	return nil
}
