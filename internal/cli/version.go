package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
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
			fmt.Fprintf(s.Out, "stsrender %s\ncommit: %s\ngo: %s\n", v, commit, goVersion)
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
	if v == "" {
		v = info.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	for _, setting := range info.Settings {
		switch setting.Key {
		case "vcs.revision":
			commit = setting.Value
		case "vcs.modified":
			if setting.Value == "true" {
				commit += " (modified)"
			}
		}
	}
	return v, commit, goVersion
}
