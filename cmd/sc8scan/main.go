// Command sc8scan verifies encryption in transit across a Kubernetes cluster
// and writes an SC-8 compliance matrix.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/sc8scan/sc8scan/pkg/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(cli.ExitCode(err, os.Stderr))
}
