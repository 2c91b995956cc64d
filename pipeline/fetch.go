package pipeline

import (
	"context"
	"fmt"
	"github.com/stsrender/stsrender/api/v1alpha1"
	"io"
	"os"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/release"
)

// FetchFunc pulls the manifests of the release image a config names; files
// resolves (and in function mode confines) local image sources and the
// pull secret.
type FetchFunc func(ctx context.Context, spec v1alpha1.ReleaseSpec, files Files) (*release.Manifests, error)

// ImageFetcher returns the FetchFunc used by the CLI and the function: the
// pull secret and mirrors from the config, the on-disk cache, warnings and
// (on a terminal) progress on log.
func ImageFetcher(log io.Writer) FetchFunc {
	return func(ctx context.Context, spec v1alpha1.ReleaseSpec, files Files) (*release.Manifests, error) {
		var pullSecret *release.PullSecret
		if spec.PullSecretFile != "" && release.NeedsCredentials(spec.Image) {
			data, err := files.Read("spec.release.pullSecretFile", spec.PullSecretFile, fsguard.MaxPullSecretBytes)
			if err != nil {
				return nil, err
			}
			pullSecret = &release.PullSecret{Label: "spec.release.pullSecretFile (" + spec.PullSecretFile + ")", Data: data}
		}
		client, err := NewReleaseClient(spec, pullSecret, log)
		if err != nil {
			return nil, err
		}
		ref, err := files.localImage(spec.Image)
		if err != nil {
			return nil, err
		}
		m, err := client.FetchForSelection(ctx, ref, spec.Image)
		if err != nil {
			return nil, fmt.Errorf("spec.release.image: %w", err)
		}
		return m, nil
	}
}

// NewReleaseClient builds a release client from the release settings of a
// config. pullSecret is the secret the config or a flag names; nil means the
// operator's environment ($REGISTRY_AUTH_FILE, then the podman and docker
// locations). Limits and timeouts come from the environment too: they are
// the operator's to set, never the config's.
func NewReleaseClient(spec v1alpha1.ReleaseSpec, pullSecret *release.PullSecret, log io.Writer) (*release.Client, error) {
	var keychain authn.Keychain
	if release.NeedsCredentials(spec.Image) {
		var err error
		if keychain, err = release.Keychain(pullSecret); err != nil {
			return nil, err
		}
	}
	var platform *v1.Platform
	if spec.Platform != "" {
		var err error
		if platform, err = v1.ParsePlatform(spec.Platform); err != nil {
			return nil, fmt.Errorf("spec.release.platform: %w", err)
		}
	}
	settings, err := release.SettingsFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	var cache *release.Cache
	if dir, err := release.DefaultCacheDir(); err == nil {
		cache = &release.Cache{Dir: dir, Log: log}
	} else {
		fmt.Fprintf(log, "stsrender: warning: no release cache: %v\n", err)
	}
	c := &release.Client{
		Insecure: spec.Insecure,
		// Only the operator's list: spec.release.insecure is Git's.
		CredentialsOverHTTP: settings.InsecureRegistries,
		Strict:              spec.AllLayers,
		Platform:            platform,
		Mirrors:             spec.Mirrors,
		Cache:               cache,
		Log:                 log,
		Progress:            release.TerminalProgress(log),
		Limits:              settings.Limits,
		Timeouts:            settings.Timeouts,
	}
	c.Keychain = keychain
	return c, nil
}
