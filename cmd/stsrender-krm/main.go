// Command stsrender-krm is stsrender's KRM function alone: the same
// function as stsrender run without arguments, in a binary without the
// commands and the AWS SDK, whose start-up is most of the cost of a warm
// render (docs/performance.md). A config with spec.apply: true is handed,
// whole, to the full stsrender binary, which applies in process.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/stsrender/stsrender/internal/krm"
	"github.com/stsrender/stsrender/render"
	"github.com/stsrender/stsrender/safetext"
	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx)
	stop()
	os.Exit(code)
}

// errApplyElsewhere stops the run when the config asks for spec.apply:
// this binary has no AWS client, so stsrender does the whole run again.
var errApplyElsewhere = errors.New("spec.apply is done by the stsrender binary")

func run(ctx context.Context) int {
	log := safetext.Writer{W: os.Stderr}
	if len(os.Args) > 1 {
		fmt.Fprintln(log, "stsrender-krm: takes no arguments: it is the KRM function alone (a ResourceList on stdin); the commands are in stsrender")
		return 1
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		fmt.Fprintln(log, "stsrender-krm: no ResourceList on standard input: run me from kustomize or kpt")
		return 1
	}
	input, err := krm.ReadInput(os.Stdin)
	if err == nil {
		err = krm.Run(ctx, input, os.Stdout, log, func(context.Context, *render.Model, bool) error { return errApplyElsewhere })
		if errors.Is(err, errApplyElsewhere) {
			return applyWithStsrender(ctx, input, log)
		}
	}
	if err != nil {
		fmt.Fprintf(log, "stsrender-krm: %v\n", err)
		return 1
	}
	return 0
}

// applyWithStsrender runs the full binary on the same input: the one next
// to this one, else the one on PATH.
func applyWithStsrender(ctx context.Context, input []byte, log safetext.Writer) int {
	full, err := fullBinary()
	if err != nil {
		fmt.Fprintf(log, "stsrender-krm: spec.apply needs the stsrender binary beside stsrender-krm or on PATH: %v\n", err)
		return 1
	}
	cmd := exec.CommandContext(ctx, full)
	cmd.Stdin = bytes.NewReader(input)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintf(log, "stsrender-krm: run %s: %v\n", full, err)
		return 1
	}
	return 0
}

func fullBinary() (string, error) {
	if self, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(self), "stsrender")
		if info, err := os.Stat(beside); err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0 {
			return beside, nil
		}
	}
	return exec.LookPath("stsrender")
}
