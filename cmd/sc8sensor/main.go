// Command sc8sensor classifies the flows on a node's interfaces and writes
// FlowReports periodically and when stopped.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sc8scan/sc8scan/pkg/capture"
	"github.com/sc8scan/sc8scan/pkg/capture/sensor"
)

func main() {
	capture.TuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := sensor.Run(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sc8sensor:", err)
		os.Exit(1)
	}
}
