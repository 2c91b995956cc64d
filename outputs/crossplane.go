package outputs

import (
	"fmt"

	"github.com/stsrender/stsrender/render"
)

// Crossplane API groups (Upbound provider-aws family packages
// provider-aws-iam and provider-aws-s3). The namespaced forms (".m.") are
// Crossplane v2 managed resources, provider-aws v2.0.0 and later.
const (
	crossplaneIAM             = "iam.aws.upbound.io/v1beta1"
	crossplaneS3Beta1         = "s3.aws.upbound.io/v1beta1"
	crossplaneS3Beta2         = "s3.aws.upbound.io/v1beta2"
	crossplaneIAMNamespaced   = "iam.aws.m.upbound.io/v1beta1"
	crossplaneS3Namespaced    = "s3.aws.m.upbound.io/v1beta1"
	externalNameAnnotation    = "crossplane.io/external-name"
	DeletionPolicyOrphan      = "Orphan"
	DeletionPolicyDelete      = "Delete"
	clusterProviderConfigKind = "ClusterProviderConfig"
)

// CrossplaneOptions shape the managed resources.
type CrossplaneOptions struct {
	// Namespaced emits the Crossplane v2 namespaced kinds into Namespace.
	Namespaced bool
	Namespace  string
	// ProviderConfigName names the (Cluster)ProviderConfig; default
	// "default".
	ProviderConfigName string
	// DeletionPolicy is Orphan (default) or Delete. Deleting a cluster's
	// Git directory must never delete the roles a running cluster uses, so
	// deleting AWS resources is opt-in.
	DeletionPolicy string
	// ManagementPolicies overrides the default, for example [Observe] to
	// only verify that the resources exist as rendered.
	ManagementPolicies []string
}

type crossplaneSpec struct {
	ForProvider        any            `json:"forProvider"`
	ProviderConfigRef  map[string]any `json:"providerConfigRef"`
	DeletionPolicy     string         `json:"deletionPolicy,omitempty"`
	ManagementPolicies []string       `json:"managementPolicies,omitempty"`
}

type bucketRef struct {
	Name string `json:"name"`
}

type crossplaneInlinePolicy struct {
	Name   string `json:"name"`
	Policy string `json:"policy"`
}

type crossplaneRole struct {
	AssumeRolePolicy    string                   `json:"assumeRolePolicy"`
	Description         string                   `json:"description"`
	InlinePolicy        []crossplaneInlinePolicy `json:"inlinePolicy,omitempty"`
	Path                string                   `json:"path"`
	PermissionsBoundary string                   `json:"permissionsBoundary,omitempty"`
	// MaxSessionDuration is IAM's default, declared, so that upjet's
	// late-initialisation writes nothing new into spec.forProvider.
	MaxSessionDuration int64             `json:"maxSessionDuration"`
	Tags               map[string]string `json:"tags"`
}

// Crossplane returns the bucket, its ownership controls, public access
// block and policy, the two issuer documents, the OIDC provider and the
// roles. Children name the bucket through bucketRef, so they reconcile in
// order; every resource that has a name in AWS carries it as its external
// name, so existing resources (a ccoctl install) are adopted, not
// duplicated.
func Crossplane(m *render.Model, o CrossplaneOptions) ([]Object, error) {
	if m.Bucket != nil && m.Bucket.Private {
		return nil, fmt.Errorf("outputs.aws: crossplane renders the public-bucket issuer; a private bucket also needs a CloudFront distribution and origin access control, which this output does not emit: use stsrender apply for it")
	}
	if o.Namespaced && o.Namespace == "" {
		return nil, fmt.Errorf("outputs.namespace: required by crossplane-namespaced (the namespace of the managed resources)")
	}
	if o.ProviderConfigName == "" {
		o.ProviderConfigName = "default"
	}
	if o.DeletionPolicy == "" {
		o.DeletionPolicy = DeletionPolicyOrphan
	}
	iamAPI, s3API, s3Beta2 := crossplaneIAM, crossplaneS3Beta1, crossplaneS3Beta2
	if o.Namespaced {
		iamAPI, s3API, s3Beta2 = crossplaneIAMNamespaced, crossplaneS3Namespaced, crossplaneS3Namespaced
	}
	spec := func(forProvider any) crossplaneSpec {
		s := crossplaneSpec{ForProvider: forProvider, ProviderConfigRef: map[string]any{"name": o.ProviderConfigName}}
		switch {
		case o.Namespaced:
			// Namespaced managed resources have no deletionPolicy: leaving
			// Delete out of the management policies orphans them.
			s.ProviderConfigRef["kind"] = clusterProviderConfigKind
			s.ManagementPolicies = []string{"Observe", "Create", "Update", "LateInitialize"}
			if o.DeletionPolicy == DeletionPolicyDelete {
				s.ManagementPolicies = []string{"*"}
			}
		default:
			s.DeletionPolicy = o.DeletionPolicy
		}
		if len(o.ManagementPolicies) > 0 {
			s.ManagementPolicies = o.ManagementPolicies
		}
		return s
	}
	meta := func(name, external string) Meta {
		md := Meta{Name: name}
		if o.Namespaced {
			md.Namespace = o.Namespace
		}
		if external != "" {
			md.Annotations = map[string]string{externalNameAnnotation: external}
		}
		return md
	}
	var out []Object
	if m.Bucket != nil {
		objects, err := crossplaneBucket(m.Bucket, meta, spec, s3API, s3Beta2)
		if err != nil {
			return nil, err
		}
		out = objects
	}
	p := m.OIDCProvider
	out = append(out, Object{APIVersion: iamAPI, Kind: "OpenIDConnectProvider", Metadata: meta(m.Name+"-oidc", p.ARN), Spec: spec(map[string]any{
		"url": p.URL, "clientIdList": p.ClientIDs, "tags": tagMap(p.Tags)})})
	for _, r := range m.Roles {
		trust, err := compact(r.TrustPolicy)
		if err != nil {
			return nil, fmt.Errorf("role %s: %w", r.Name, err)
		}
		role := crossplaneRole{AssumeRolePolicy: trust, Description: r.Description, Path: r.Path, PermissionsBoundary: r.PermissionsBoundaryARN,
			MaxSessionDuration: defaultMaxSessionDuration, Tags: tagMap(r.Tags)}
		if r.InlinePolicyName != "" {
			inline, err := compact(r.InlinePolicy)
			if err != nil {
				return nil, fmt.Errorf("role %s: %w", r.Name, err)
			}
			// The exclusive form: the Role owns its inline policies, and
			// there is never also a RolePolicy for them.
			role.InlinePolicy = []crossplaneInlinePolicy{{Name: r.InlinePolicyName, Policy: inline}}
		}
		out = append(out, Object{APIVersion: iamAPI, Kind: "Role", Metadata: meta(kubernetesName(r.Name), r.Name), Spec: spec(role)})
		// One RolePolicyAttachment per policy rather than the Role's
		// managedPolicyArns, which is exclusive and would detach policies
		// someone else attached.
		for _, arn := range r.ManagedPolicyARNs {
			out = append(out, Object{APIVersion: iamAPI, Kind: "RolePolicyAttachment", Metadata: meta(attachmentName(r.Name, arn), ""), Spec: spec(map[string]any{
				"policyArn": arn, "roleRef": map[string]string{"name": kubernetesName(r.Name)}})})
		}
	}
	return out, nil
}

// crossplaneBucket returns the bucket, its ownership controls, public
// access block and policy, and the two issuer documents.
func crossplaneBucket(b *render.Bucket, meta func(name, external string) Meta, spec func(any) crossplaneSpec, s3API, s3Beta2 string) ([]Object, error) {
	ref := bucketRef{Name: b.Name}
	policy, err := compact(*b.Policy)
	if err != nil {
		return nil, fmt.Errorf("bucket policy: %w", err)
	}
	out := []Object{
		{APIVersion: s3Beta2, Kind: "Bucket", Metadata: meta(b.Name, b.Name), Spec: spec(map[string]any{"region": b.Region, "tags": tagMap(b.Tags)})},
		{APIVersion: s3Beta2, Kind: "BucketOwnershipControls", Metadata: meta(b.Name, ""), Spec: spec(map[string]any{
			"region": b.Region, "bucketRef": ref, "rule": map[string]string{"objectOwnership": "BucketOwnerEnforced"}})},
		{APIVersion: s3API, Kind: "BucketPublicAccessBlock", Metadata: meta(b.Name, ""), Spec: spec(map[string]any{
			"region": b.Region, "bucketRef": ref,
			"blockPublicAcls": b.PublicAccessBlock.BlockPublicAcls, "ignorePublicAcls": b.PublicAccessBlock.IgnorePublicAcls,
			"blockPublicPolicy": b.PublicAccessBlock.BlockPublicPolicy, "restrictPublicBuckets": b.PublicAccessBlock.RestrictPublicBuckets})},
		{APIVersion: s3API, Kind: "BucketPolicy", Metadata: meta(b.Name, ""), Spec: spec(map[string]any{"region": b.Region, "bucketRef": ref, "policy": policy})},
	}
	for _, obj := range b.Objects {
		out = append(out, Object{APIVersion: s3Beta2, Kind: "Object", Metadata: meta(objectName(b.Name, obj.Key), ""), Spec: spec(map[string]any{
			"region": b.Region, "bucketRef": ref, "key": obj.Key, "content": string(obj.Body), "contentType": obj.ContentType,
			"tags": tagMap(b.Tags)})})
	}
	return out, nil
}

// objectName is a Kubernetes name for an issuer document's Object.
func objectName(bucket, key string) string {
	if key == render.JWKSKey {
		return bucket + "-keys"
	}
	return bucket + "-discovery"
}
