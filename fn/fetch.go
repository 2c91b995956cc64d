package fn

import (
	"context"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stsrender/stsrender/release"
)

// FetchFunc pulls the manifests of the release image a config names.
type FetchFunc func(ctx context.Context, spec ReleaseSpec, pathOf func(string) string) (*release.Manifests, error)

// ImageFetcher returns the FetchFunc used by the CLI and the function: the
// pull secret and mirrors from the config, the on-disk cache, warnings and
// (on a terminal) progress on log.
func ImageFetcher(log io.Writer) FetchFunc {
	return func(ctx context.Context, spec ReleaseSpec, pathOf func(string) string) (*release.Manifests, error) {
		client, err := NewReleaseClient(spec, pathOf, log)
		if err != nil {
			return nil, err
		}
		payload, err := client.Fetch(ctx, resolveLocalImage(spec.Image, pathOf))
		if err != nil {
			return nil, fmt.Errorf("spec.release.image: %w", err)
		}
		return payload.Manifests(spec.Image)
	}
}

// resolveLocalImage makes the path of an oci: or docker-archive: source
// relative to the config, like every other file the config names.
func resolveLocalImage(ref string, pathOf func(string) string) string {
	for _, prefix := range []string{release.OCILayoutPrefix, release.DockerArchivePrefix} {
		if strings.HasPrefix(ref, prefix) {
			return prefix + pathOf(strings.TrimPrefix(ref, prefix))
		}
	}
	return ref
}

// NewReleaseClient builds a release client from the release settings of a
// config.
func NewReleaseClient(spec ReleaseSpec, pathOf func(string) string, log io.Writer) (*release.Client, error) {
	keychain, err := release.Keychain(pathOf(spec.PullSecretFile))
	if err != nil {
		return nil, fmt.Errorf("spec.release.pullSecretFile: %w", err)
	}
	var platform *v1.Platform
	if spec.Platform != "" {
		if platform, err = v1.ParsePlatform(spec.Platform); err != nil {
			return nil, fmt.Errorf("spec.release.platform: %w", err)
		}
	}
	var cache *release.Cache
	if dir, err := release.DefaultCacheDir(); err == nil {
		cache = &release.Cache{Dir: dir}
	} else {
		fmt.Fprintf(log, "stsrender: warning: no release cache: %v\n", err)
	}
	return &release.Client{
		Keychain: keychain,
		Insecure: spec.Insecure,
		Strict:   spec.AllLayers,
		Platform: platform,
		Mirrors:  spec.Mirrors,
		Cache:    cache,
		Log:      log,
		Progress: release.TerminalProgress(log),
	}, nil
}
