// Package fn is stsrender's KRM function: the adapter between kyaml's
// ResourceList and the pipeline package, which turns a config into a model.
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
