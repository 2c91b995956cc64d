package awsapply

import (
	"context"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

// TestPrivateBucketFlow covers the CloudFront flow as far as moto supports
// it (origin access controls and distributions; no origin access
// identities, which stsrender does not use). A new distribution's domain is
// only known once created, so the first apply stops and says which
// issuerURL to set; after that the flow converges and deletes cleanly.
func TestPrivateBucketFlow(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	ctx := context.Background()
	private := func(issuer string) *render.Model {
		return testModel(t, 2, func(p *render.Params) { p.PrivateBucket = true; p.IssuerURL = issuer })
	}
	p := newPlanner(t, px, private("https://d111111abcdef8.cloudfront.net"))

	plan, err := p.Plan(ctx)
	require.NoError(t, err)
	assert.Equal(t, Create, actions(plan)[KindDistribution+" openshift.io/cloud-credential-operator/apply-test"])
	err = p.Apply(ctx, plan)
	require.Error(t, err)
	m := regexp.MustCompile(`set spec.oidc.issuerURL: (https://\S+\.cloudfront\.net)`).FindStringSubmatch(err.Error())
	require.NotNil(t, m, "the error says which issuer to use: %v", err)

	p.Model = private(m[1])
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	assert.Equal(t, NoChange, actions(plan)[KindBucket+" apply-test-oidc"])
	require.NoError(t, p.Apply(ctx, plan))
	require.NoError(t, p.Verify(ctx, nil))

	// The bucket is private: all four blocks on, readable only by the distribution.
	pab, err := p.Clients.S3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("apply-test-oidc")})
	require.NoError(t, err)
	assert.True(t, aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets))
	policy, err := p.Clients.S3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("apply-test-oidc")})
	require.NoError(t, err)
	assert.Contains(t, aws.ToString(policy.Policy), "cloudfront.amazonaws.com")
	assert.Contains(t, aws.ToString(policy.Policy), ":distribution/")
	// (moto does not enforce Block Public Access, so an anonymous read is not
	// asserted here; the settings and the policy above are what AWS enforces.)

	px.reset()
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	assert.False(t, plan.HasChanges())
	require.NoError(t, p.Apply(ctx, plan))
	_, mutating := px.counts()
	assert.Empty(t, mutating)

	del, err := p.PlanDelete(ctx)
	require.NoError(t, err)
	require.NoError(t, p.Delete(ctx, del))
	list, err := p.Clients.CloudFront.ListDistributions(ctx, &cloudfront.ListDistributionsInput{})
	require.NoError(t, err)
	if list.DistributionList != nil {
		assert.Empty(t, list.DistributionList.Items, "the distribution is deleted")
	}
}
