// Command image builds sc8scan's own image (pkg/image) without a container
// daemon and prints its digest, tag and paths:
//
//	go run ./hack/image -out out/image [-tag REF] [-version V] [-goarch ARCH]
//
// SOURCE_DATE_EPOCH, when set, dates the image and its files; otherwise
// they are dated at the Unix epoch.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/sc8scan/sc8scan/pkg/image"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o image.Options
	fs.StringVar(&o.Out, "out", "out/image", "directory for the OCI layout (DIR/oci) and the docker archive (DIR/sc8scan.tar)")
	fs.StringVar(&o.Tag, "tag", "", "the docker archive's tag (default "+image.Repository+":VERSION)")
	fs.StringVar(&o.Version, "version", "dev", "the image's version label")
	fs.StringVar(&o.GOARCH, "goarch", "", "architecture to build (default go env GOARCH)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since the Unix epoch", s)
		}
		o.Created = time.Unix(sec, 0)
	}
	o.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	res, err := image.Build(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "digest   %s\nimage id %s\ntag      %s\nplatform %s\nsize     %d bytes\nlayout   oci-layout:%s\narchive  %s\n",
		res.Digest, res.ImageID, res.Tag, res.Platform, res.Size, res.Layout, res.Archive)
	return nil
}
