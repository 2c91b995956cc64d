package outputs

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stsrender/stsrender/render"
)

// ACK API groups (iam-controller and s3-controller).
const (
	ackIAM = "iam.services.k8s.aws/v1alpha1"
	ackS3  = "s3.services.k8s.aws/v1alpha1"

	ackDeletionPolicy = "services.k8s.aws/deletion-policy"
	ackAdoptionPolicy = "services.k8s.aws/adoption-policy"
	ackAdoptionFields = "services.k8s.aws/adoption-fields"
	ackRegion         = "services.k8s.aws/region"
)

// defaultMaxSessionDuration is IAM's default role session length, in
// seconds, which stsrender's roles keep.
const defaultMaxSessionDuration = 3600

// ACKOptions shape the ACK resources.
type ACKOptions struct {
	// Namespace of the resources (ACK's kinds are namespaced); required.
	Namespace string
	// DeletionPolicy is "retain" (default: deleting the object keeps the
	// AWS resource a running cluster uses) or "delete".
	DeletionPolicy string
	// AdoptionPolicy is "adopt-or-create" (default: an existing resource,
	// such as a ccoctl install's, is taken over, not fought), "adopt", or
	// "none" for no adoption annotations.
	AdoptionPolicy string
}

type ackTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type ackRole struct {
	Name                     string            `json:"name"`
	Description              string            `json:"description"`
	AssumeRolePolicyDocument string            `json:"assumeRolePolicyDocument"`
	InlinePolicies           map[string]string `json:"inlinePolicies,omitempty"`
	// Policies are the attached managed policies' ARNs. ACK owns the set:
	// it detaches what is not listed.
	Policies            []string `json:"policies,omitempty"`
	Path                string   `json:"path"`
	PermissionsBoundary string   `json:"permissionsBoundary,omitempty"`
	// MaxSessionDuration is IAM's default, declared: ACK defaults it into
	// the spec of a new Role, which cost an extra UpdateRole per Role.
	MaxSessionDuration int64    `json:"maxSessionDuration"`
	Tags               []ackTag `json:"tags"`
}

type ackBucket struct {
	Name                      string            `json:"name"`
	CreateBucketConfiguration map[string]string `json:"createBucketConfiguration,omitempty"`
	Policy                    string            `json:"policy"`
	PublicAccessBlock         map[string]bool   `json:"publicAccessBlock"`
	OwnershipControls         map[string]any    `json:"ownershipControls"`
	// Encryption declares S3's default (SSE-S3, no bucket key): left out,
	// ACK's s3-controller sees S3 report it and calls DeleteBucketEncryption
	// on every reconcile.
	Encryption map[string]any `json:"encryption"`
	Tagging    map[string]any `json:"tagging"`
}

// ACK returns the roles, the OIDC provider and the bucket as ACK resources.
// Policies are canonical compact JSON: ACK compares inline policies as
// plain strings, so any other spelling would be rewritten on every sync.
// ACK also URL-decodes policy documents before sending them, which would
// corrupt a "+" or a "%": such a document is refused with the request and
// statement to change. ACK cannot upload the issuer documents;
// stsrender apply --only issuer-documents does.
func ACK(m *render.Model, o ACKOptions) ([]Object, error) {
	if o.Namespace == "" {
		return nil, fmt.Errorf("outputs.namespace: required by ack (ACK's resources are namespaced)")
	}
	if m.Bucket != nil && m.Bucket.Private {
		return nil, fmt.Errorf("outputs.aws: ack renders the public-bucket issuer; a private bucket needs CloudFront, which ACK's IAM and S3 controllers do not manage: use stsrender apply for it")
	}
	if o.DeletionPolicy == "" {
		o.DeletionPolicy = "retain"
	}
	if o.AdoptionPolicy == "" {
		o.AdoptionPolicy = "adopt-or-create"
	}
	meta := func(name string, adoption map[string]string) (Meta, error) {
		md := Meta{Name: name, Namespace: o.Namespace, Annotations: map[string]string{ackDeletionPolicy: o.DeletionPolicy}}
		if o.AdoptionPolicy != "none" {
			fields, err := json.Marshal(adoption)
			if err != nil {
				return Meta{}, err
			}
			md.Annotations[ackAdoptionPolicy] = o.AdoptionPolicy
			md.Annotations[ackAdoptionFields] = string(fields)
		}
		return md, nil
	}
	var out []Object
	if m.Bucket != nil {
		bucket, err := ackBucketObject(m.Bucket, meta)
		if err != nil {
			return nil, err
		}
		out = append(out, bucket)
	}
	p := m.OIDCProvider
	md, err := meta(m.Name+"-oidc", map[string]string{"arn": p.ARN})
	if err != nil {
		return nil, err
	}
	out = append(out, Object{APIVersion: ackIAM, Kind: "OpenIDConnectProvider", Metadata: md, Spec: map[string]any{
		"url": p.URL, "clientIDs": p.ClientIDs, "tags": ackTags(p.Tags)}})

	for _, r := range m.Roles {
		if err := refuseURLSpecials(r); err != nil {
			return nil, err
		}
		trust, err := canonical(r.TrustPolicy)
		if err != nil {
			return nil, fmt.Errorf("role %s: %w", r.Name, err)
		}
		role := ackRole{Name: r.Name, Description: r.Description, AssumeRolePolicyDocument: trust, Path: r.Path,
			PermissionsBoundary: r.PermissionsBoundaryARN, MaxSessionDuration: defaultMaxSessionDuration, Tags: ackTags(r.Tags), Policies: r.ManagedPolicyARNs}
		if r.InlinePolicyName != "" {
			inline, err := canonical(r.InlinePolicy)
			if err != nil {
				return nil, fmt.Errorf("role %s: %w", r.Name, err)
			}
			role.InlinePolicies = map[string]string{r.InlinePolicyName: inline}
		}
		md, err := meta(kubernetesName(r.Name), map[string]string{"name": r.Name})
		if err != nil {
			return nil, err
		}
		out = append(out, Object{APIVersion: ackIAM, Kind: "Role", Metadata: md, Spec: role})
	}
	return out, nil
}

// ackBucketObject is the issuer bucket with its policy, public access
// block, ownership controls and tags.
func ackBucketObject(b *render.Bucket, meta func(string, map[string]string) (Meta, error)) (Object, error) {
	policy, err := canonical(*b.Policy)
	if err != nil {
		return Object{}, err
	}
	bucket := ackBucket{
		Name:   b.Name,
		Policy: policy,
		PublicAccessBlock: map[string]bool{
			"blockPublicACLs": b.PublicAccessBlock.BlockPublicAcls, "ignorePublicACLs": b.PublicAccessBlock.IgnorePublicAcls,
			"blockPublicPolicy": b.PublicAccessBlock.BlockPublicPolicy, "restrictPublicBuckets": b.PublicAccessBlock.RestrictPublicBuckets},
		OwnershipControls: map[string]any{"rules": []map[string]string{{"objectOwnership": "BucketOwnerEnforced"}}},
		Encryption: map[string]any{"rules": []map[string]any{{
			"applyServerSideEncryptionByDefault": map[string]string{"sseAlgorithm": "AES256"}, "bucketKeyEnabled": false}}},
		Tagging: map[string]any{"tagSet": ackTags(b.Tags)},
	}
	if b.Region != "us-east-1" {
		bucket.CreateBucketConfiguration = map[string]string{"locationConstraint": b.Region}
	}
	md, err := meta(b.Name, map[string]string{"name": b.Name})
	if err != nil {
		return Object{}, err
	}
	md.Annotations[ackRegion] = b.Region
	return Object{APIVersion: ackS3, Kind: "Bucket", Metadata: md, Spec: bucket}, nil
}

// refuseURLSpecials rejects a role whose policies hold "+" or "%", which
// ACK's url.QueryUnescape would turn into a space or decode.
func refuseURLSpecials(r render.Role) error {
	for i, e := range r.Request.StatementEntries {
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if strings.ContainsAny(string(raw), "+%") {
			return fmt.Errorf("%s (CredentialsRequest %s/%s): spec.providerSpec.statementEntries[%d] contains %q, which ACK URL-decodes before sending a policy to IAM (a \"+\" becomes a space): the policy would be corrupted; use outputs.aws: crossplane or stsrender apply for this request",
				r.Request.Source, r.Request.Namespace, r.Request.Name, i, specials(string(raw)))
		}
	}
	if strings.ContainsAny(strings.Join(r.Request.ServiceAccountNames, ""), "+%") {
		return fmt.Errorf("%s (CredentialsRequest %s/%s): spec.serviceAccountNames contains \"+\" or \"%%\", which ACK would URL-decode", r.Request.Source, r.Request.Namespace, r.Request.Name)
	}
	return nil
}

func specials(s string) string {
	var found []string
	for _, c := range []string{"+", "%"} {
		if strings.Contains(s, c) {
			found = append(found, c)
		}
	}
	return strings.Join(found, " and ")
}

func ackTags(tags []render.Tag) []ackTag {
	out := make([]ackTag, len(tags))
	for i, t := range tags {
		out[i] = ackTag{Key: t.Key, Value: t.Value}
	}
	return out
}
