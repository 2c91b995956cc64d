package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/stsrender/stsrender/release"
	"github.com/stsrender/stsrender/render"
)

func newReleaseCommand(s Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "release",
		Short: "Inspect release images",
	}
	cmd.AddCommand(newReleaseInfoCommand(s))
	return cmd
}

// releaseInfo is the -o json form of release info.
type releaseInfo struct {
	Image                  string              `json:"image"`
	Digest                 string              `json:"digest"`
	Version                string              `json:"version"`
	CredentialsRequests    int                 `json:"credentialsRequests"`
	AWSCredentialsRequests int                 `json:"awsCredentialsRequests"`
	Layers                 []release.LayerInfo `json:"layers"`
	PayloadLayer           int                 `json:"payloadLayer"`
	// Source says where the answer came from: "registry", or "cache" when
	// the payload was cached (the registry was still asked for the
	// manifest, except with --offline).
	Source string `json:"source"`
}

func newReleaseInfoCommand(s Streams) *cobra.Command {
	var (
		flags  releaseFlags
		output string
	)
	cmd := &cobra.Command{
		Use:   "info REF",
		Short: "Print a release's version, digest, CredentialsRequests and layers",
		Long: `info prints the version and digest of a release image, how many
CredentialsRequests it ships (and how many are for AWS), every layer's size and
which layer holds release-manifests/. Only that layer is downloaded.

It answers whether the registry (or a mirror) holds the release: even when the
payload is cached, the manifest is asked for, and the output says which parts
came from the cache. --offline answers from the cache alone, without any
network call.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
			flags.revalidate = true
			payload, err := flags.fetch(cmd.Context(), s, args[0])
			if err != nil {
				return fmt.Errorf("release info: %w", err)
			}
			m, err := payload.Manifests(args[0])
			if err != nil {
				return fmt.Errorf("release info: %w", err)
			}
			info := releaseInfo{Image: args[0], Digest: payload.Digest, Version: payload.Version, Layers: payload.Layers, PayloadLayer: payload.PayloadLayer, Source: "registry"}
			source := "registry"
			if payload.FromCache {
				info.Source = "cache"
				source = "cache (the registry holds the manifest)"
				if flags.offline {
					source = "cache only (--offline: the registry was not asked)"
				}
			}
			if !release.NeedsCredentials(args[0]) {
				info.Source, source = "local", "local image"
			}
			for _, d := range m.Documents {
				if !render.IsCredentialsRequest(d) {
					continue
				}
				info.CredentialsRequests++
				if _, reason, err := render.CredentialsRequestFromDocument(d); err == nil && reason == "" {
					info.AWSCredentialsRequests++
				}
			}
			if output == "json" {
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			if info.Version == "" {
				info.Version = "unknown (no release-metadata)"
			}
			fmt.Fprintf(s.Out, "image:    %s\ndigest:   %s\nversion:  %s\nsource:   %s\nCredentialsRequests: %d (%d for AWS)\nlayers:\n",
				info.Image, info.Digest, info.Version, source, info.CredentialsRequests, info.AWSCredentialsRequests)
			for i, l := range info.Layers {
				note := ""
				if i == info.PayloadLayer {
					note = "  <- release-manifests/ (the only layer read)"
					if payload.FromCache {
						note = "  <- release-manifests/ (read from the cache)"
					}
				}
				fmt.Fprintf(s.Out, "  %2d  %s  %10s%s\n", i, l.Digest, release.HumanBytes(l.Size), note)
			}
			return nil
		},
	}
	flags.register(cmd)
	cmd.Flags().BoolVar(&flags.offline, "offline", false, "answer from the release cache alone, without asking the registry (digest references only)")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}
