package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
	"github.com/stsrender/stsrender/iamref"
)

// version is set with -ldflags "-X github.com/stsrender/stsrender/internal/cli.version=v1.2.3".
var version = ""

func newVersionCommand(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v, commit, goVersion := buildVersion()
			fmt.Fprintf(s.Out, "stsrender %s\ncommit: %s\ngo: %s\niam data: %s\n", v, commit, goVersion, iamref.New().Version())
			return nil
		},
	}
}

func buildVersion() (v, commit, goVersion string) {
	v, commit, goVersion = version, "unknown", "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v, commit, goVersion
	}
	goVersion = info.GoVersion
	if v == "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	revision, modified := "", false
	for _, setting := range info.Settings {
		switch setting.Key {
		case "vcs.revision":
			revision = setting.Value
		case "vcs.modified":
			modified = setting.Value == "true"
		}
	}
	switch {
	case revision == "":
		commit = "unknown (built without VCS stamping: make build, or go install -buildvcs=auto from a git clone)"
	case modified:
		commit = revision + " (modified)"
	default:
		commit = revision
	}
	if v == "" {
		// go install from a clone: the commit Go stamped names the build.
		v = "(devel)"
		if revision != "" {
			v = revision[:min(12, len(revision))] + " (devel)"
		}
	}
	return v, commit, goVersion
}
