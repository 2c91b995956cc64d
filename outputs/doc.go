// Package outputs turns a render.Model into the Kubernetes objects of the
// engines that apply the AWS side at fleet scale, one file per format:
//
//   - crossplane.go: Upbound provider-aws managed resources, cluster-scoped
//     or namespaced (Crossplane v2), including the two issuer documents as
//     S3 Objects, the one declarative way to publish them;
//   - ack.go: AWS Controllers for Kubernetes Role, OpenIDConnectProvider
//     and Bucket (ACK cannot upload objects: stsrender apply --only
//     issuer-documents does that);
//   - hive.go: the manifests Secret a Hive ClusterDeployment copies over
//     the installer's manifests.
//
// Every function is pure: the same model and options give the same objects,
// in the same order, and nothing is read or written. The KRM function and
// the CLI share them.
package outputs
