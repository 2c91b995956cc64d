package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/iamref"
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
	// Warnings are the policy review's findings that do not stop the
	// render (iamref): admin-level grants, actions of a payload the
	// catalogue does not know, unknown condition keys, trust policies over
	// the default quota.
	Warnings []string
	// Target is the selection of spec.release.upgradeTo, when set.
	Target *release.Selection
}

// Build runs the render for one config: decide which cluster the requests
// are selected for, load them, select, read the keys, render. With
// spec.release.upgradeTo the target release is selected the same way and
// the roles cover both. Each step's errors carry the step's name.
func Build(ctx context.Context, cfg *Config, opts Options) (*Result, error) {
	if cfg.Spec.ROSA != nil {
		return buildHostedControlPlane(cfg, opts)
	}
	inclusion, err := clusterInclusion(cfg)
	if err != nil {
		return nil, fmt.Errorf("read cluster settings: %w", err)
	}
	manifests, err := loadManifests(ctx, cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("load CredentialsRequests: %w", err)
	}
	selection, err := selectRequests(manifests, opts.Stream, inclusion)
	if err != nil {
		return nil, fmt.Errorf("select CredentialsRequests: %w", err)
	}
	params, err := cfg.Params()
	if err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	result := &Result{Selection: selection}
	requests := selection.Requests
	params.Dropped = selection.Dropped()
	operatorReqs, operators, err := operatorRequests(cfg)
	if err != nil {
		return nil, fmt.Errorf("read spec.operators: %w", err)
	}
	params.Operators = operators
	if target := cfg.Spec.Release.UpgradeTo; target != "" {
		if requests, err = upgradeWindow(ctx, cfg, opts, inclusion, manifests, result, &params); err != nil {
			return nil, fmt.Errorf("spec.release.upgradeTo: %w", err)
		}
	}
	requests = append(requests, operatorReqs...)
	if result.Warnings, err = reviewPolicies(requests, opts.Stream, operatorReqs); err != nil {
		return nil, fmt.Errorf("review policies: %w", err)
	}
	if len(requests) == 0 && !cfg.Spec.Release.AllowNoRequests {
		return nil, fmt.Errorf("select CredentialsRequests: no AWS CredentialsRequest was selected (%s). A wrong directory or image, or filters that drop everything, look like this: check the source and --explain; set spec.release.allowNoRequests: true if none is expected", selection.Summary())
	}
	model, err := render.Render(params, requests)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	result.Model = model
	result.Warnings = append(result.Warnings, model.Warnings...)
	return result, nil
}

// reviewPolicies checks every statement against AWS's catalogue. Requests
// written in Git (the resource stream, operators' files) fail on an action
// or service that does not exist; a release payload's only warn, since a
// new release may name actions newer than the embedded catalogue.
func reviewPolicies(requests []render.CredentialsRequest, stream []render.Document, operators []render.CredentialsRequest) ([]string, error) {
	fromGit := map[render.Source]bool{}
	for _, d := range stream {
		fromGit[d.Source] = true
	}
	for _, cr := range operators {
		fromGit[cr.Source] = true
	}
	catalogue := iamref.New()
	var warnings []string
	var errs []error
	for _, cr := range requests {
		origin := iamref.FromPayload
		if fromGit[cr.Source] {
			origin = iamref.FromGit
		}
		for _, f := range catalogue.CheckRequest(cr, origin) {
			if f.Severity == iamref.Error {
				errs = append(errs, errors.New(f.Message))
			} else {
				warnings = append(warnings, f.Message)
			}
		}
	}
	return warnings, errors.Join(errs...)
}

// buildHostedControlPlane renders a ROSA HCP cluster: its operator roles
// come from the render package's table, so no release is read. The
// selection is empty.
func buildHostedControlPlane(cfg *Config, opts Options) (*Result, error) {
	if len(opts.Stream) > 0 || opts.CredentialsRequestsDir != "" {
		return nil, errors.New("spec.rosa: a ROSA HCP cluster's operator roles come from stsrender's table; CredentialsRequests (in the resource stream or --credentials-requests-dir) are not used: render them with a config without spec.rosa")
	}
	params, err := cfg.Params()
	if err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	model, err := render.Render(params, nil)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return &Result{Model: model, Selection: &release.Selection{}}, nil
}

// upgradeWindow selects the target release for the cluster and merges the
// two selections: roles allow what either release needs, the
// CloudCredential annotation names the target, and (when asked) the
// namespaces only the target has are emitted.
func upgradeWindow(ctx context.Context, cfg *Config, opts Options, inclusion release.Inclusion, current *release.Manifests, result *Result, params *render.Params) ([]render.CredentialsRequest, error) {
	if opts.Fetch == nil {
		return nil, errors.New("pulling release images is not available here")
	}
	spec := cfg.Spec.Release
	spec.Image = spec.UpgradeTo
	targetManifests, err := opts.Fetch(ctx, spec, cfg.files)
	if err != nil {
		return nil, err
	}
	if err := checkUpgrade(current.Version, targetManifests.Version); err != nil {
		return nil, err
	}
	target, err := selectRequests(targetManifests, opts.Stream, inclusion)
	if err != nil {
		return nil, err
	}
	result.Target = target
	union := render.UnionRequests(result.Selection.Requests, target.Requests)
	params.UpgradeableTo = targetManifests.Version.Raw
	params.Dropped = droppedFromBoth(result.Selection, target, union)
	if cfg.Spec.Outputs.Namespaces {
		params.Namespaces = newNamespaces(result.Selection.Requests, target.Requests)
	}
	return union, nil
}

// checkUpgrade refuses a target that is not newer, and releases whose
// versions cannot be told.
func checkUpgrade(current, target *release.Version) error {
	switch {
	case current == nil:
		return errors.New("the current release's version is unknown (it has no release-metadata); the upgradeable-to annotation needs both versions")
	case target == nil:
		return errors.New("the target release's version is unknown (it has no release-metadata)")
	case target.Compare(current) < 0:
		return fmt.Errorf("%s is older than the current release %s: OpenShift clusters are not downgraded", target.Raw, current.Raw)
	}
	return nil
}

// droppedFromBoth keeps the reasons of requests neither release uses for
// this cluster.
func droppedFromBoth(current, target *release.Selection, union []render.CredentialsRequest) []render.DroppedRequest {
	used := map[render.NamespacedName]bool{}
	for _, r := range union {
		used[r.SecretRef] = true
	}
	var out []render.DroppedRequest
	for _, d := range append(target.Dropped(), current.Dropped()...) {
		if !used[d.SecretRef] {
			used[d.SecretRef] = true
			out = append(out, d)
		}
	}
	return out
}

// newNamespaces are the Secret namespaces of the target's requests that no
// request of the current release uses, sorted.
func newNamespaces(current, target []render.CredentialsRequest) []string {
	have := map[string]bool{}
	for _, r := range current {
		have[r.SecretRef.Namespace] = true
	}
	var out []string
	for _, r := range target {
		if ns := r.SecretRef.Namespace; !have[ns] {
			have[ns] = true
			out = append(out, ns)
		}
	}
	slices.Sort(out)
	return out
}

// SelectSource selects, for the config's cluster, the requests of one
// release source: a directory of CredentialsRequests (as stsrender extract
// writes it), or anything spec.release.image accepts. It returns the
// selection and the release's version (nil when unknown).
func SelectSource(ctx context.Context, cfg *Config, source string, opts Options) (*release.Selection, *release.Version, error) {
	inclusion, err := clusterInclusion(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("read cluster settings: %w", err)
	}
	var m *release.Manifests
	if isManifestsDir(source) {
		m, err = release.ReadDirectory(cfg.files.root, source, source)
	} else {
		if opts.Fetch == nil {
			return nil, nil, errors.New("pulling release images is not available here")
		}
		spec := cfg.Spec.Release
		spec.Image, spec.ManifestsDir = source, ""
		m, err = opts.Fetch(ctx, spec, cfg.files)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", source, err)
	}
	sel, err := selectRequests(m, opts.Stream, inclusion)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", source, err)
	}
	return sel, m.Version, nil
}

// isManifestsDir tells a directory of manifests from an OCI layout, which
// is written oci:DIR.
func isManifestsDir(source string) bool {
	info, err := os.Stat(source)
	if err != nil || !info.IsDir() {
		return false
	}
	_, err = os.Stat(filepath.Join(source, "oci-layout"))
	return err != nil
}

func selectRequests(m *release.Manifests, stream []render.Document, in release.Inclusion) (*release.Selection, error) {
	docs := append(append([]render.Document(nil), m.Documents...), stream...)
	in.GatesDecided = m.GatesDecided
	return release.Select(docs, m.Version, in)
}

func clusterInclusion(cfg *Config) (release.Inclusion, error) {
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
	return release.Inclusion{FeatureSet: r.FeatureSet, Capabilities: r.Capabilities.Release(), Profile: r.ClusterProfile}, nil
}

func loadManifests(ctx context.Context, cfg *Config, opts Options) (*release.Manifests, error) {
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
	case len(opts.Stream) > 0, len(cfg.Spec.Operators) > 0:
		return &release.Manifests{}, nil
	default:
		return nil, fmt.Errorf("spec.release: set image (a release image) or manifestsDir (extracted CredentialsRequests)")
	}
}
