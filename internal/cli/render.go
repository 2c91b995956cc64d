package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/pipeline"
	"github.com/stsrender/stsrender/release"
)

func newRenderCommand(s Streams) *cobra.Command {
	var (
		configFile string
		crDir      string
		out        string
		explain    bool
	)
	cmd := &cobra.Command{
		Use:   "render -f CONFIG -o OUT",
		Short: "Render manifests, issuer documents and IAM JSON into a directory",
		Long: `render reads an STSCredentials config, selects the CredentialsRequests the
cluster uses and writes a ccoctl-compatible tree:

  OUT/manifests/cluster-authentication-02-config.yaml
  OUT/manifests/<namespace>-<name>-credentials.yaml   (one per request)
  OUT/oidc/.well-known/openid-configuration
  OUT/oidc/keys.json
  OUT/iam/oidc-provider.json
  OUT/iam/roles/<role name>.json
  OUT/s3/bucket.json

The tree is written to a temporary directory and swapped in at the end: on any
error OUT is left as it was. cp OUT/manifests/* install/manifests/ feeds
openshift-install.

For a ROSA HCP config (spec.rosa) the tree holds the operator roles and the
OIDC provider, and the issuer documents and bucket only for an unmanaged OIDC
config: there are no manifests.`,
		Example: `  stsrender render -f cluster.yaml -o out/
  stsrender render -f cluster.yaml --credentials-requests-dir credrequests/ -o out/ --explain`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfigFile(configFile)
			if err != nil {
				return err
			}
			if cfg.Spec.Apply {
				fmt.Fprintln(s.Err, "stsrender: note: spec.apply is carried out by the KRM function and by stsrender apply; render only writes files")
			}
			result, err := pipeline.Build(cmd.Context(), cfg, pipeline.Options{CredentialsRequestsDir: crDir, Fetch: fetcher(s)})
			if err != nil {
				return err
			}
			if explain {
				printDecisions(s, result.Selection)
			}
			printResultSummary(s, result)
			files, err := result.Model.Files()
			if err != nil {
				return err
			}
			if err := writeTree(out, files, renderListing); err != nil {
				return err
			}
			what := "CredentialsRequests"
			if result.Model.HostedControlPlane {
				what = "ROSA HCP operator roles"
			}
			fmt.Fprintf(s.Err, "wrote %d files for %d %s to %s\n", len(files), len(result.Model.Roles), what, out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&configFile, "config", "f", "", "STSCredentials config file (required)")
	cmd.Flags().StringVar(&crDir, "credentials-requests-dir", "", "read CredentialsRequests from this directory instead of spec.release")
	cmd.Flags().StringVarP(&out, "output-dir", "o", "", "directory to write (required)")
	cmd.Flags().BoolVar(&explain, "explain", false, "print on stderr why each CredentialsRequest was kept or dropped")
	_ = cmd.MarkFlagRequired("config")
	_ = cmd.MarkFlagRequired("output-dir")
	return cmd
}

func loadConfigFile(path string) (*pipeline.Config, error) {
	data, err := fsguard.ReadRegular(path, fsguard.MaxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return pipeline.ParseConfig(path, data, filepath.Dir(path))
}

// printSummary prints what a selection kept and dropped, in one line.
func printSummary(s Streams, label string, sel *release.Selection) {
	if sel == nil || len(sel.Decisions) == 0 && len(sel.Requests) == 0 {
		return
	}
	fmt.Fprintf(s.Err, "stsrender: %s: %s\n", label, sel.Summary())
}

// printResultSummary prints the summaries of a build: the release, and the
// target of an upgrade window.
func printResultSummary(s Streams, result *pipeline.Result) {
	printSummary(s, "release", result.Selection)
	printSummary(s, "upgrade target", result.Target)
	for _, w := range result.Warnings {
		fmt.Fprintf(s.Err, "stsrender: warning: %s\n", w)
	}
}

func printDecisions(s Streams, sel *release.Selection) {
	for _, d := range sel.Decisions {
		fmt.Fprintln(s.Err, d.String())
	}
}
