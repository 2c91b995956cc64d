package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/stsrender/stsrender/api/v1alpha1"
	"github.com/stsrender/stsrender/iamref"
	"github.com/stsrender/stsrender/pipeline"
	"github.com/stsrender/stsrender/release"
	"github.com/stsrender/stsrender/render"
)

func newDiffCommand(s Streams) *cobra.Command {
	var configFile, from, to, output, pullSecret string
	cmd := &cobra.Command{
		Use:   "diff --from SOURCE --to SOURCE [-f CONFIG] [--pull-secret FILE] [-o text|json|markdown]",
		Short: "Show what the AWS side of a cluster needs differently under two releases",
		Long: `diff compares what two releases ask of the AWS side, role by role: roles
added and removed, and per role the statements whose actions, resource or
condition change, the service accounts added or removed (a trust policy
update), and Secret namespaces the source release did not use.

A SOURCE is anything spec.release.image accepts (a registry reference, oci:DIR,
docker-archive:FILE) or a directory of CredentialsRequests (stsrender extract
writes one). Releases are pulled the minimal way a render pulls them (the
payload layer only, verified, cached).

With -f, the config's cluster settings (install-config, capabilities, feature
set, profile) select the requests of both releases and its name and naming
rule name the roles, so the diff is about that cluster. Without -f the
defaults apply (Default feature set, no capability filter) and roles are shown
as <name>-….

Exit status: 0 nothing differs, 2 something does, 1 error. -o markdown writes
a table for a pull-request comment.`,
		Example: `  stsrender diff --from quay.io/openshift-release-dev/ocp-release@sha256:… --to quay.io/openshift-release-dev/ocp-release@sha256:… -f cluster.yaml
  stsrender diff --from credrequests-4.18/ --to credrequests-4.22/ -o markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "text", "json", "markdown"); err != nil {
				return err
			}
			cfg := pipeline.NewConfig(&v1alpha1.STSCredentials{Spec: v1alpha1.Spec{Name: "<name>"}}, ".")
			if configFile != "" {
				var err error
				if cfg, err = loadConfigFile(configFile); err != nil {
					return err
				}
				if cfg.Spec.ROSA != nil {
					// Nothing of the release reaches IAM: that is the
					// answer, not an error, so CI of every HCP cluster
					// can run the same diff step.
					_, err := fmt.Fprintf(s.Out, "No AWS changes between releases for %s: a ROSA HCP cluster's operator roles do not come from the release; their policies are AWS-managed and versioned by AWS. stsrender plan -f %s shows what differs between the render and AWS.\n", configFile, configFile)
					return err
				}
			}
			if from == "" || to == "" {
				return errors.New("diff needs --from and --to: the release the cluster runs and the one to compare with")
			}
			if pullSecret != "" {
				abs, err := filepath.Abs(pullSecret)
				if err != nil {
					return fmt.Errorf("--pull-secret: %w", err)
				}
				cfg.Spec.Release.PullSecretFile = abs
			}
			opts := pipeline.Options{Fetch: fetcher(s)}
			before, fromVersion, err := pipeline.SelectSource(cmd.Context(), cfg, from, opts)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			after, toVersion, err := pipeline.SelectSource(cmd.Context(), cfg, to, opts)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			d := render.DiffReleases(cfg.Spec.Name, render.RoleNaming(cfg.Spec.AWS.RoleNaming),
				versionLabel(fromVersion, from), before.Requests, versionLabel(toVersion, to), after.Requests)
			d.NoteFiltered(after.Dropped())
			iamref.New().AnnotateDiff(&d)
			printSummary(s, "--from "+from, before)
			printSummary(s, "--to "+to, after)
			switch output {
			case "json":
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(d); err != nil {
					return err
				}
			case "markdown":
				d.WriteMarkdown(s.Out)
			default:
				d.WriteText(s.Out)
			}
			if !d.Empty() {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&configFile, "config", "f", "", "STSCredentials config whose cluster settings and names apply to both releases")
	cmd.Flags().StringVar(&from, "from", "", "the release the cluster runs (required)")
	cmd.Flags().StringVar(&to, "to", "", "the release to compare with (required)")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text, json or markdown")
	cmd.Flags().StringVar(&pullSecret, "pull-secret", "", "docker config JSON with registry credentials for both releases (default: -f's spec.release.pullSecretFile, then $REGISTRY_AUTH_FILE, the podman and docker locations)")
	return cmd
}

// versionLabel names a release by its version, else by its source.
func versionLabel(v *release.Version, source string) string {
	if v != nil {
		return v.Raw
	}
	return source
}
