// Package fn is stsrender's KRM function: thin glue from an STSCredentials
// function config to the release and render packages.
//
// # The config
//
// [STSCredentials] (stsrender.dev/v1alpha1) is one cluster's STS setup. It is
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
// capabilities, read the public keys, and render. A config with spec.rosa
// (ROSA with hosted control planes) skips the release steps: its operator
// roles come from the render package's table.
//
// # The function
//
// [Processor] implements kyaml's framework.ResourceListProcessor. As a
// generator it receives only its config and emits the Secrets and the
// Authentication (and, with outputs.aws: document, the IAM and S3 side as
// stsrender.dev documents). As a transformer it also renders the AWS
// CredentialsRequests already in the stream and passes every item through
// untouched. Each emitted manifest carries config.kubernetes.io/path with the
// file name ccoctl would use.
//
// Errors are returned (the process exits non-zero, since kustomize never
// shows results) and recorded as error results for kpt. Nothing but the
// ResourceList goes to stdout.
package fn
