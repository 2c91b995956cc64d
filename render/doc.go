// Package render turns CredentialsRequests and a cluster's STS parameters into
// every artifact an OpenShift cluster in AWS STS manual mode needs: the OIDC
// issuer documents, one IAM role per request, the STS Secrets and the
// Authentication "cluster".
//
// The package is pure: it performs no I/O, reads no clock and talks to no
// network. Callers hand it bytes and parameters and receive a typed [Model];
// the same inputs always give the same model and the same files, whatever the
// order of the requests or of any map.
//
// A render runs in three steps:
//
//  1. Parse CredentialsRequests out of YAML or JSON streams with
//     [ParseCredentialsRequests]. Multi-document streams and "kind: List" are
//     expanded; documents of other kinds, non-AWS provider specs and delete
//     tombstones are skipped and reported in [ParseResult.Skipped].
//  2. Call [Render] with [Params] (cluster name, account, region, public keys…)
//     and the requests. Every AWS limit that IAM and S3 would enforce (role
//     name length and charset, trust and inline policy size, tags, bucket name)
//     is checked here, because local test doubles such as moto do not.
//  3. Turn the model into files with [Model.Files], or into Kubernetes objects
//     with [Model.Manifests]. Writing them is the caller's business.
//
// Naming follows ccoctl so that clusters can move between ccoctl and
// stsrender: role "<name>-<secret namespace>-<secret name>" cut to 64
// characters, bucket "<name>-oidc", issuer
// "https://<name>-oidc.s3.<region>.<dns suffix>". Where ccoctl silently
// misbehaves (two requests sharing a truncated role name, placeholders in dry
// runs), render fails with an error that says what to change.
//
// With [Params.HostedControlPlane] the model is a ROSA cluster with hosted
// control planes instead: the operator roles of [HostedControlPlaneRoles],
// each with AWS-managed policies attached ([Role.ManagedPolicyARNs]) and no
// inline policy, no Secrets and no Authentication, and no bucket for a Red
// Hat managed OIDC config ([Model.Bucket] is nil).
package render
