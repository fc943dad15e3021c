// Command sc8lab stands up the demo lab (one real loopback endpoint per
// Service port of testdata/demo), writes targets.json and ca.pem into -out,
// runs the command after "--" with LAB_DIR set, and stops the lab when the
// command ends, exiting with its code. Without a command it serves until
// interrupted. With -record FILE it records the demo's pod-to-pod traffic
// instead (as root, in a network namespace of its own).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence/frame"
	"github.com/sc8scan/sc8scan/pkg/internal/lab"
)

func main() {
	out := flag.String("out", "out/lab", "directory for targets.json and ca.pem")
	record := flag.String("record", "", "record the demo's pod-to-pod traffic to this pcap file (needs root, ip, tcpdump) and exit")
	traffic := flag.Bool("traffic", false, "play the demo's traffic in this network namespace (used by -record)")
	variants := flag.Bool("image-variants", false, "print each demo image reference and the crypto mode of the build standing in for it, and exit")
	service := flag.String("serve-service", "", "serve the demo endpoints of one Service NS/NAME on all addresses at their own port numbers (a server pod of the in-cluster tests), writing the lab CA to stdout as a log frame")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch {
	case *variants:
		m := lab.DemoImageVariants()
		refs := make([]string, 0, len(m))
		for ref := range m {
			refs = append(refs, ref)
		}
		sort.Strings(refs)
		for _, ref := range refs {
			fmt.Println(ref, m[ref])
		}
		os.Exit(0)
	case *traffic:
		if err := lab.RunTraffic(ctx, lab.DemoConversations()); err != nil {
			fmt.Fprintln(os.Stderr, "lab:", err)
			os.Exit(1)
		}
		os.Exit(0)
	case *service != "":
		if err := serveService(ctx, *service); err != nil {
			fmt.Fprintln(os.Stderr, "lab:", err)
			os.Exit(1)
		}
		os.Exit(0)
	case *record != "":
		self, err := os.Executable()
		if err == nil {
			err = lab.RecordDemoCapture(ctx, self, *record)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "lab:", err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "lab: recorded the demo traffic to", *record)
		os.Exit(0)
	}
	os.Exit(run(ctx, *out, flag.Args()))
}

func run(ctx context.Context, out string, cmd []string) int {
	l, err := lab.Start(lab.DemoSpecs(), time.Now())
	if err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		return 1
	}
	defer l.Close()
	if err := l.WriteFiles(out); err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		return 1
	}
	for i, s := range l.Specs {
		fmt.Fprintf(os.Stderr, "lab: %-45s %-21s %s\n", fmt.Sprintf("%s/%s:%d", s.Namespace, s.Service, s.Port), l.Endpoints[i].Addr(), s.Why)
	}
	if len(cmd) == 0 {
		fmt.Fprintln(os.Stderr, "lab: serving until interrupted")
		<-ctx.Done()
		return 0
	}
	c := exec.CommandContext(ctx, cmd[0], cmd[1:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	c.Env = append(os.Environ(), "LAB_DIR="+out)
	err = c.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		return 1
	}
	return 0
}

// serveService serves every demo spec of one Service on its port number,
// on all addresses, with certificates from a CA made now, whose PEM it
// writes to stdout as a frame (kind CA) for the test that reads the pod's
// log. It serves until ctx ends.
func serveService(ctx context.Context, ref string) error {
	var specs []lab.Spec
	for _, s := range lab.DemoSpecs() {
		if s.Namespace+"/"+s.Service == ref {
			specs = append(specs, s)
		}
	}
	if len(specs) == 0 {
		return fmt.Errorf("no demo endpoint for Service %q", ref)
	}
	l, err := lab.StartListening(specs, time.Now(), func(s lab.Spec) string { return fmt.Sprintf(":%d", s.Port) })
	if err != nil {
		return err
	}
	defer l.Close()
	if err := frame.Write(os.Stdout, "CA", strings.ReplaceAll(ref, "/", "."), l.CA.PEM); err != nil {
		return err
	}
	for i, s := range l.Specs {
		fmt.Fprintf(os.Stderr, "lab: %s:%d on %s: %s\n", ref, s.Port, l.Endpoints[i].Addr(), s.Why)
	}
	<-ctx.Done()
	return nil
}
