// Command stsrender renders OpenShift AWS STS credentials: a KRM function
// when run without arguments, a CLI otherwise. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/stsrender/stsrender/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
