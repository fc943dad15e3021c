// Command sc8probe runs inside a probe pod: it reads a ProbePlan and writes
// a ProbeReport to stdout.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sc8scan/sc8scan/probes/runner"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runner.Main(ctx, os.Stdin, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "sc8probe: %v\n", err)
		os.Exit(1)
	}
}
