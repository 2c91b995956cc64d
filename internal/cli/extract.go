package cli

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/stsrender/stsrender/api/v1alpha1"
	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/pipeline"
	"github.com/stsrender/stsrender/release"
	"github.com/stsrender/stsrender/render"
)

// releaseFlags are the image-access flags shared by extract and release info.
type releaseFlags struct {
	pullSecret string
	insecure   bool
	allLayers  bool
	platform   string
	// revalidate and offline are release info's: it answers whether the
	// registry holds a release, so by default it asks even when cached.
	revalidate, offline bool
}

func (f *releaseFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.pullSecret, "pull-secret", "", "docker config JSON with registry credentials (default: $REGISTRY_AUTH_FILE, then the podman and docker locations)")
	cmd.Flags().BoolVar(&f.insecure, "insecure", false, "allow plain HTTP to the registry (local mirrors and tests only)")
	cmd.Flags().BoolVar(&f.allLayers, "all-layers", false, "read every layer as oc does instead of stopping at the payload layer")
	cmd.Flags().StringVar(&f.platform, "platform", "", "image of a multi-arch release to read, like linux/arm64 (default linux/amd64)")
}

func (f *releaseFlags) fetch(ctx context.Context, s Streams, ref string) (*release.Payload, error) {
	var secret *release.PullSecret
	if f.pullSecret != "" && release.NeedsCredentials(ref) {
		data, err := fsguard.ReadRegular(f.pullSecret, fsguard.MaxPullSecretBytes)
		if err != nil {
			return nil, fmt.Errorf("--pull-secret: %w", err)
		}
		secret = &release.PullSecret{Label: "--pull-secret " + f.pullSecret, Data: data}
	}
	client, err := pipeline.NewReleaseClient(v1alpha1.ReleaseSpec{Image: ref, Insecure: f.insecure, AllLayers: f.allLayers, Platform: f.platform}, secret, s.Err)
	if err != nil {
		return nil, err
	}
	client.Revalidate, client.Offline = f.revalidate, f.offline
	if f.insecure {
		// A person typed --insecure: their credentials, their choice.
		client.CredentialsOverHTTP = append(client.CredentialsOverHTTP, "*")
	}
	return client.Fetch(ctx, ref)
}

func newExtractCommand(s Streams) *cobra.Command {
	var (
		flags         releaseFlags
		from, to      string
		included      bool
		installConfig string
		explain       bool
	)
	cmd := &cobra.Command{
		Use:   "extract --from REF --to DIR",
		Short: "Extract the AWS CredentialsRequests of a release image",
		Long: `extract writes the AWS CredentialsRequests of a release image into DIR under
the payload's own file names, like
oc adm release extract --credentials-requests --cloud=aws. Only the layer holding
release-manifests/ is downloaded, and only after its digest is verified.

With --included, only the requests the cluster uses are written, filtered like
oc's --included: feature set, feature gates, cluster profile and capabilities,
read from --install-config (defaults: Default feature set, no capability filter).
A file keeps only its included documents; a file with none is not written.

REF is a registry reference (a digest is recommended), oci:DIR for an OCI
image layout or docker-archive:FILE for a docker save tarball. DIR is replaced
as a whole, and only when it holds nothing but manifest files.`,
		Example: `  stsrender extract --from quay.io/openshift-release-dev/ocp-release@sha256:... --to credrequests/
  stsrender extract --from oci:mirror/release --to credrequests/ --included --install-config install-config.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if installConfig != "" && !included {
				return fmt.Errorf("--install-config requires --included")
			}
			var inclusion release.Inclusion
			if installConfig != "" {
				data, err := fsguard.ReadRegular(installConfig, fsguard.MaxConfigBytes)
				if err != nil {
					return fmt.Errorf("read install-config: %w", err)
				}
				if inclusion, err = release.ParseInstallConfig(installConfig, data); err != nil {
					return err
				}
			}
			payload, err := flags.fetch(cmd.Context(), s, from)
			if err != nil {
				return fmt.Errorf("extract: %w", err)
			}
			manifests, err := payload.Manifests(from)
			if err != nil {
				return fmt.Errorf("extract: %w", err)
			}
			var sel *release.Selection
			if included {
				sel, err = release.Select(manifests.Documents, manifests.Version, inclusion)
			} else {
				sel, err = release.SelectAWS(manifests.Documents)
			}
			if err != nil {
				return fmt.Errorf("extract: %w", err)
			}
			if explain {
				printDecisions(s, sel)
			}
			files, err := extractedFiles(manifests, sel)
			if err != nil {
				return fmt.Errorf("extract: %w", err)
			}
			if err := writeTree(to, files, extractListing); err != nil {
				return err
			}
			fmt.Fprintf(s.Err, "extracted %d CredentialsRequests in %d files from %s (%s) to %s (FeatureGates and release-metadata for later renders in %s/)\n", len(sel.Requests), topLevel(files), from, payload.Digest, to, release.ContextDir)
			return nil
		},
	}
	flags.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "release image (required)")
	cmd.Flags().StringVar(&to, "to", "", "directory to write (required)")
	cmd.Flags().BoolVar(&included, "included", false, "only the requests the cluster uses")
	cmd.Flags().StringVar(&installConfig, "install-config", "", "install-config.yaml giving featureSet and capabilities (with --included)")
	cmd.Flags().BoolVar(&explain, "explain", false, "print on stderr why each CredentialsRequest was kept or dropped")
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

// extractedFiles lays out DIR the way oc does, so that
// ccoctl --credentials-requests-dir DIR reads exactly what oc would give it:
// one top-level file per payload file holding kept requests, with the
// payload's name, verbatim when every document of the file is kept
// (comments survive) and otherwise the kept documents re-serialised as
// written. ccoctl decodes every top-level .yaml document as a
// CredentialsRequest and panics on anything else, so nothing else goes
// there. What a later render from DIR needs to filter as an image render
// does (the FeatureGate manifests, release-metadata) goes to
// release.ContextDir, which ccoctl never reads.
func extractedFiles(m *release.Manifests, sel *release.Selection) ([]render.File, error) {
	requests := map[string][]render.Document{}
	gates := map[string]bool{}
	total := map[string]int{}
	for _, d := range m.Documents {
		name := filepath.Base(d.Source.File)
		total[name]++
		switch {
		case render.IsCredentialsRequest(d) && sel.Kept(d.Source):
			requests[name] = append(requests[name], d)
		case release.IsFeatureGate(d):
			gates[name] = true
		}
	}
	var files []render.File
	for _, name := range slices.Sorted(maps.Keys(requests)) {
		docs := requests[name]
		if len(docs) == total[name] {
			files = append(files, render.File{Path: name, Mode: 0o644, Data: m.Files[name]})
			continue
		}
		var buf bytes.Buffer
		for _, d := range docs {
			buf.WriteString("---\n")
			if err := render.EncodeDocument(&buf, d); err != nil {
				return nil, fmt.Errorf("%s: %w", d.Source, err)
			}
		}
		files = append(files, render.File{Path: name, Mode: 0o644, Data: buf.Bytes()})
	}
	for _, name := range slices.Sorted(maps.Keys(gates)) {
		files = append(files, render.File{Path: release.ContextDir + "/" + name, Mode: 0o644, Data: m.Files[name]})
	}
	if meta, ok := m.Files[release.MetadataFile]; ok {
		files = append(files, render.File{Path: release.ContextDir + "/" + release.MetadataFile, Mode: 0o644, Data: meta})
	}
	return files, nil
}

func topLevel(files []render.File) int {
	n := 0
	for _, f := range files {
		if !strings.Contains(f.Path, "/") {
			n++
		}
	}
	return n
}
