// Package cli holds the stsrender command line: the KRM function when run
// without arguments, and the render, extract, key-pair and AWS subcommands.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/stsrender/stsrender/safetext"
)

// Streams are the process's standard streams.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// exitError carries a specific exit code (plan's "changes present" is 2).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// Main runs stsrender with args and returns the process exit code. Errors are
// printed once, newline-terminated, on stderr.
func Main(ctx context.Context, args []string, s Streams) int {
	// Names from registries, payloads and Git reach messages; a control
	// character in one must not drive the reader's terminal. stdout stays
	// raw in function mode: it is the ResourceList, which YAML escapes.
	s.Err = safetext.Writer{W: s.Err}
	if len(args) > 0 {
		s.Out = safetext.Writer{W: s.Out}
	}
	cmd := newRootCommand(ctx, s)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var exit *exitError
	if errors.As(err, &exit) {
		if exit.err != nil {
			fmt.Fprintf(s.Err, "stsrender: %v\n", exit.err)
		}
		return exit.code
	}
	fmt.Fprintf(s.Err, "stsrender: %v\n", err)
	return 1
}

// unknownCommand rejects a mistyped subcommand with the closest ones.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if suggestions := cmd.SuggestionsFor(args[0]); len(suggestions) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", strings.Join(suggestions, " or "))
	}
	return errors.New(msg + " (stsrender --help lists the commands)")
}

// checkOutput rejects an output format a command does not write, instead
// of silently printing another one.
func checkOutput(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return fmt.Errorf("--output %q: use %s", format, strings.Join(allowed, " or "))
}

func newRootCommand(ctx context.Context, s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "stsrender",
		Short: "Render OpenShift AWS STS credentials from release images, GitOps style",
		Long: `stsrender renders everything an OpenShift cluster in AWS STS manual mode needs:
the CredentialsRequests of a release image (filtered by the cluster's capabilities
and feature set), one IAM role per request, the STS Secrets, the
cluster-authentication-02-config Authentication and the OIDC issuer documents.

Run without arguments it is a KRM function: it reads a ResourceList on stdin and
writes one on stdout (kustomize exec or container mode, kpt). The subcommands do
the same work from the command line.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f, ok := s.In.(*os.File); ok && isTerminal(f) {
				// A person typed `stsrender`: waiting for a ResourceList would look like a hang.
				_ = cmd.Help()
				return errors.New("no ResourceList on standard input: run me from kustomize or kpt, or use a subcommand")
			}
			return runFunction(cmd.Context(), s)
		},
	}
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if cmd == root || cmd.Name() == "version" {
			return nil
		}
		return refuseWhenRunAsFunction(cmd, s.In)
	}
	root.SuggestionsMinimumDistance = 2
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.AddCommand(
		newRenderCommand(s),
		newExtractCommand(s),
		newDiffCommand(s),
		newDoctorCommand(s),
		newSchemaCommand(s),
		newReleaseCommand(s),
		newPlanCommand(s),
		newApplyCommand(s),
		newDeleteCommand(s),
		newPermissionsCommand(s),
		newCreateKeyPairCommand(s),
		newRotateKeyCommand(s),
		newVersionCommand(s),
	)
	return root
}
