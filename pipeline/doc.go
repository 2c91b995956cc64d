// Package pipeline turns an STSCredentials config into a model: the one
// path from a config to what the KRM function (package fn) and the command
// line (internal/cli) write or apply.
//
// # The config
//
// [v1alpha1.STSCredentials] (stsrender.dev/v1alpha1) is one cluster's STS setup. It is
// decoded strictly: an unknown field is an error naming its path, so a typo
// never silently changes what is rendered. Relative file names resolve
// against the directory of the config (the CLI) or the working directory,
// which kustomize sets to the kustomization's directory (the function).
//
// # A render
//
// [Build] runs the steps in order, each wrapping its errors with its name:
// read the cluster settings (install-config or inline), load the
// CredentialsRequests (release image, manifests directory, or the resource
// stream), select them with the cluster's feature set, gates, profile and
// capabilities, add the operators' requests, read the public keys, and
// render. A config with spec.rosa (ROSA with hosted control planes) skips
// the release steps: its operator roles come from the render package's
// table.
package pipeline
