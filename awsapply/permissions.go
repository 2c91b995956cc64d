package awsapply

import (
	"fmt"
	"slices"

	"github.com/stsrender/stsrender/render"
)

// MinimumPolicy is the least IAM policy apply, verify and delete need for a
// public-bucket cluster (docs/aws.md lists the same actions), for any cluster
// name; ScopedPolicy narrows it to one. The tests run apply and delete as a
// user holding exactly this policy. iam:ListOpenIDConnectProviders is for
// delete --name, which finds the provider by its tag; the statement
// OptionalBatchedRoleReads only makes plans cheaper.
const MinimumPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["sts:GetCallerIdentity", "iam:GetAccountSummary"], "Resource": "*"},
    {"Effect": "Allow", "Action": [
      "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket",
      "s3:GetBucketTagging", "s3:PutBucketTagging",
      "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock",
      "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:PutBucketOwnershipControls",
      "s3:GetObject", "s3:PutObject", "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObject"
    ], "Resource": "*"},
    {"Effect": "Allow", "Action": [
      "iam:GetOpenIDConnectProvider", "iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider",
      "iam:AddClientIDToOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:ListOpenIDConnectProviders",
      "iam:GetRole", "iam:CreateRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole",
      "iam:ListRoles", "iam:ListRoleTags", "iam:ListRolePolicies", "iam:GetRolePolicy",
      "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole",
      "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
      "iam:ListAttachedRolePolicies", "iam:AttachRolePolicy", "iam:DetachRolePolicy"
    ], "Resource": "*"},
    {"Sid": "OptionalBatchedRoleReads", "Effect": "Allow", "Action": ["iam:GetAccountAuthorizationDetails"], "Resource": "*"}
  ]
}`

// ScopedPolicy is the least IAM policy for one cluster: MinimumPolicy with
// each statement limited to what the model's cluster touches (its bucket
// and the two issuer documents, its provider, roles named "<name>-*" under
// its role path), plus the CloudFront actions for a private bucket. The
// actions that IAM does not scope to a resource (ListRoles,
// GetCallerIdentity, CloudFront's lists) keep "*".
func ScopedPolicy(m *render.Model) ([]byte, error) {
	p := m.Partition.ID
	rolePath := m.RolePath
	if rolePath == "" {
		rolePath = "/"
	}
	rolesUnderPath := fmt.Sprintf("arn:%s:iam::%s:role%s", p, m.AccountID, rolePath)
	ownRoles := rolesUnderPath + m.RolePrefix + "-*"
	doc := render.PolicyDocument{Version: render.PolicyVersion, Statement: []render.Statement{
		{Effect: "Allow", Action: []string{"sts:GetCallerIdentity", "iam:ListRoles", "iam:GetAccountSummary"}, Resource: "*"},
	}}
	if m.Bucket != nil {
		doc.Statement = append(doc.Statement, bucketStatements(fmt.Sprintf("arn:%s:s3:::%s", p, m.Bucket.Name))...)
	}
	doc.Statement = append(doc.Statement,
		render.Statement{Effect: "Allow", Action: []string{
			"iam:GetOpenIDConnectProvider", "iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider",
			"iam:AddClientIDToOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider",
		}, Resource: m.OIDCProvider.ARN},
		render.Statement{Effect: "Allow", Action: []string{
			"iam:GetRole", "iam:CreateRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole",
			"iam:ListRolePolicies", "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole",
			"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
			// delete detaches every managed policy of an owned role, also
			// those someone else attached: a role cannot be deleted with any.
			"iam:ListAttachedRolePolicies", "iam:DetachRolePolicy",
		}, Resource: ownRoles},
	)
	if policies := managedPolicyARNs(m); len(policies) > 0 {
		// Only the rendered policies may be attached: these credentials
		// cannot grant a role anything else.
		doc.Statement = append(doc.Statement, render.Statement{Effect: "Allow", Action: []string{"iam:AttachRolePolicy"}, Resource: ownRoles,
			Condition: map[string]map[string]any{"ArnEquals": {"iam:PolicyARN": policies}}})
	}
	doc.Statement = append(doc.Statement,
		// delete reads the tags of every role under the path to find the
		// cluster's roles whose CredentialsRequest is gone.
		render.Statement{Effect: "Allow", Action: []string{"iam:ListRoleTags"}, Resource: rolesUnderPath + "*"},
		// Optional: plan reads every role in a few calls with it, and falls
		// back to reading role by role without it. It cannot be scoped.
		render.Statement{Sid: "OptionalBatchedRoleReads", Effect: "Allow", Action: []string{"iam:GetAccountAuthorizationDetails"}, Resource: "*"},
	)
	if m.MigrationInfraID != "" {
		// plan lists the users CCO minted (ListUsers cannot be scoped);
		// apply --prune-minted-users deletes them and what they hold.
		doc.Statement = append(doc.Statement,
			render.Statement{Effect: "Allow", Action: []string{"iam:ListUsers"}, Resource: "*"},
			render.Statement{Effect: "Allow", Action: []string{
				"iam:ListUserTags", "iam:ListAccessKeys", "iam:ListUserPolicies", "iam:ListAttachedUserPolicies",
				"iam:DeleteAccessKey", "iam:DeleteUserPolicy", "iam:DetachUserPolicy", "iam:DeleteUser",
			}, Resource: fmt.Sprintf("arn:%s:iam::%s:user/%s-*", p, m.AccountID, m.MigrationInfraID)},
		)
	}
	if m.Bucket != nil && m.Bucket.Private {
		cf := fmt.Sprintf("arn:%s:cloudfront::%s:", p, m.AccountID)
		doc.Statement = append(doc.Statement,
			render.Statement{Effect: "Allow", Action: []string{"cloudfront:ListDistributions", "cloudfront:ListOriginAccessControls"}, Resource: "*"},
			render.Statement{Effect: "Allow", Action: []string{
				"cloudfront:CreateDistribution", "cloudfront:CreateDistributionWithTags", "cloudfront:GetDistribution", "cloudfront:GetDistributionConfig",
				"cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution", "cloudfront:TagResource", "cloudfront:ListTagsForResource",
			}, Resource: cf + "distribution/*"},
			render.Statement{Effect: "Allow", Action: []string{
				"cloudfront:CreateOriginAccessControl", "cloudfront:GetOriginAccessControl", "cloudfront:DeleteOriginAccessControl",
			}, Resource: cf + "origin-access-control/*"},
		)
	}
	return render.MarshalIndented(doc)
}

// bucketStatements allow the bucket's own calls and those on its two
// issuer documents.
func bucketStatements(bucket string) []render.Statement {
	return []render.Statement{
		{Effect: "Allow", Action: []string{
			"s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket",
			"s3:GetBucketTagging", "s3:PutBucketTagging",
			"s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock",
			"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:PutBucketOwnershipControls",
		}, Resource: bucket},
		{Effect: "Allow", Action: []string{"s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject"},
			Resource: []string{bucket + "/" + render.DiscoveryKey, bucket + "/" + render.JWKSKey}},
		// delete reads the tags of every object, to keep a bucket holding
		// someone else's.
		{Effect: "Allow", Action: []string{"s3:GetObjectTagging"}, Resource: bucket + "/*"},
	}
}

// managedPolicyARNs are the managed policies of all roles, sorted, once each.
func managedPolicyARNs(m *render.Model) []string {
	var out []string
	for _, r := range m.Roles {
		for _, arn := range r.ManagedPolicyARNs {
			if !slices.Contains(out, arn) {
				out = append(out, arn)
			}
		}
	}
	slices.Sort(out)
	return out
}

// DoctorPolicy is what stsrender doctor reads: the provider and roles,
// nothing it could change. AssumeRoleWithWebIdentity (--assume) is
// unsigned, as a pod's call is, and needs no permission.
const DoctorPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["iam:GetOpenIDConnectProvider", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"], "Resource": "*"}
  ]
}`
