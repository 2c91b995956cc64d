// Package awsapply creates, repairs and deletes the AWS side of a render:
// the issuer bucket and its two documents, the IAM OpenID Connect provider
// and one IAM role per CredentialsRequest. It consumes a render.Model and
// nothing else.
//
// It works the way Terraform users expect:
//
//   - [Planner.Plan] is read-only. Every resource is create, update (with a
//     field-level diff), no change, or conflict: a resource of the same name
//     that is not tagged as owned by this cluster name is never touched unless
//     adoption was asked for. Policies are compared by meaning (URL-decoded,
//     normalised JSON), so a re-plan after an apply is empty and a re-apply
//     makes no mutating call.
//   - [Planner.Apply] executes a plan in dependency order (bucket, objects,
//     provider, roles with bounded concurrency), with the SDK's standard
//     retryer for throttling and 5xx and an application-level retry with a
//     deadline for IAM's eventual consistency. An interrupted apply converges
//     on the next run.
//   - [Planner.Verify] reads the issuer documents back anonymously through the
//     S3 API and checks every role's trust policy names the existing provider.
//   - [Planner.Delete] removes only what carries the ownership tag, roles
//     first (inline policies before the role), and refuses to remove a bucket
//     that holds objects it does not own.
//
// AWS limits are validated by the render package before any call; local
// stand-ins such as moto do not enforce them.
package awsapply
