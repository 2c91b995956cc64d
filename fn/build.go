package fn

import (
	"context"
	"fmt"

	"github.com/stsrender/stsrender/internal/fsguard"
	"github.com/stsrender/stsrender/release"
	"github.com/stsrender/stsrender/render"
)

// Options carry what a build needs from its environment.
type Options struct {
	// CredentialsRequestsDir, when set, replaces spec.release as the source
	// (the CLI's --credentials-requests-dir).
	CredentialsRequestsDir string
	// Stream holds CredentialsRequests already in the resource stream
	// (transformer mode); they are rendered beside the release's own.
	Stream []render.Document
	// Fetch pulls a release image's manifests; nil means images are refused.
	Fetch FetchFunc
}

// Result is the outcome of Build.
type Result struct {
	Model     *render.Model
	Selection *release.Selection
}

// Build runs the render for one config: decide which cluster the requests
// are selected for, load them, select, read the keys, render. Each step's
// errors carry the step's name.
func Build(ctx context.Context, cfg *STSCredentials, opts Options) (*Result, error) {
	inclusion, err := clusterInclusion(cfg)
	if err != nil {
		return nil, fmt.Errorf("read cluster settings: %w", err)
	}
	manifests, err := loadManifests(ctx, cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("load CredentialsRequests: %w", err)
	}
	docs := append(append([]render.Document(nil), manifests.Documents...), opts.Stream...)
	selection, err := release.Select(docs, manifests.Version, inclusion)
	if err != nil {
		return nil, fmt.Errorf("select CredentialsRequests: %w", err)
	}
	params, err := cfg.Params()
	if err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	model, err := render.Render(params, selection.Requests)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return &Result{Model: model, Selection: selection}, nil
}

func clusterInclusion(cfg *STSCredentials) (release.Inclusion, error) {
	r := cfg.Spec.Release
	if r.InstallConfig != "" {
		data, err := cfg.files.Read("spec.release.installConfig", r.InstallConfig, fsguard.MaxConfigBytes)
		if err != nil {
			return release.Inclusion{}, err
		}
		in, err := release.ParseInstallConfig(r.InstallConfig, data)
		if err != nil {
			return release.Inclusion{}, err
		}
		in.Profile = r.ClusterProfile
		return in, nil
	}
	return release.Inclusion{FeatureSet: r.FeatureSet, Capabilities: r.Capabilities, Profile: r.ClusterProfile}, nil
}

func loadManifests(ctx context.Context, cfg *STSCredentials, opts Options) (*release.Manifests, error) {
	r := cfg.Spec.Release
	switch {
	case opts.CredentialsRequestsDir != "":
		return release.ReadDirectory(fsguard.Root{}, opts.CredentialsRequestsDir, opts.CredentialsRequestsDir)
	case r.ManifestsDir != "":
		dir, err := cfg.files.Dir("spec.release.manifestsDir", r.ManifestsDir)
		if err != nil {
			return nil, err
		}
		return release.ReadDirectory(cfg.files.root, dir, r.ManifestsDir)
	case r.Image != "":
		if opts.Fetch == nil {
			return nil, fmt.Errorf("spec.release.image: pulling release images is not available here")
		}
		return opts.Fetch(ctx, r, cfg.files)
	case len(opts.Stream) > 0:
		return &release.Manifests{}, nil
	default:
		return nil, fmt.Errorf("spec.release: set image (a release image) or manifestsDir (extracted CredentialsRequests)")
	}
}
