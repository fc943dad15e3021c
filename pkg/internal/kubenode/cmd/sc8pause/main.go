// Command sc8pause is the pod sandbox ("pause") program of the nodes
// hack/kube-node.sh runs: it waits for SIGTERM or SIGINT and reaps the
// children it inherits as the first process of a PID namespace. With
// -write-image FILE it instead writes a docker-archive image holding itself
// as /pause, tagged -tag, for containerd to import.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
)

func main() {
	image := flag.String("write-image", "", "write a docker-archive image of this program to this file and exit")
	tag := flag.String("tag", "sc8scan.dev/kubenode/pause:latest", "the image's tag (with -write-image)")
	flag.Parse()
	if *image != "" {
		if err := writeImage(*image, *tag); err != nil {
			fmt.Fprintln(os.Stderr, "sc8pause:", err)
			os.Exit(1)
		}
		return
	}
	pause()
}

// pause returns on SIGTERM or SIGINT and reaps every exited child meanwhile.
func pause() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for {
		reap()
		if s := <-sigs; s != syscall.SIGCHLD {
			return
		}
	}
}

func reap() {
	for {
		var ws syscall.WaitStatus
		if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
			return
		}
	}
}

// writeImage writes a one-layer image whose entrypoint is this executable,
// copied to /pause.
func writeImage(path, tag string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this executable: %w", err)
	}
	return imagebuild.ProgramArchive(path, tag, "linux/"+runtime.GOARCH, self, "/pause")
}
