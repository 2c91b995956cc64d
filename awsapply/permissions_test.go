package awsapply

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

// TestMinimumPolicyIsEnough creates a user holding only MinimumPolicy, turns
// on moto's IAM policy enforcement, and runs apply, verify, a re-plan and
// delete with that user's keys: a missing action would be AccessDenied.
func TestMinimumPolicyIsEnough(t *testing.T) {
	requireMoto(t)
	runAsUserWith(t, newProxy(t), testModel(t, 2, nil), func(*testing.T) string { return MinimumPolicy }, nil)
}

// TestScopedPolicyIsEnough does the same with ScopedPolicy, which names the
// cluster's bucket, objects, provider and roles, and checks that the scope
// is real: the same user cannot touch a role of another name.
//
// moto evaluates an IAM action against "*" unless it names a role that
// already exists (it resolves only those ARNs), so CreateRole, a GetRole of
// a missing role and the provider actions need a "*" stand-in there, like
// moto's s3:HeadBucket below. Real IAM evaluates them against the ARNs
// ScopedPolicy names. S3 and the actions on existing roles are enforced
// with the scoped ARNs.
func TestScopedPolicyIsEnough(t *testing.T) {
	m := testModel(t, 2, nil)
	scoped := func(t *testing.T) string {
		doc, err := ScopedPolicy(m)
		require.NoError(t, err)
		return string(doc)
	}
	requireMoto(t)
	runAsUserWith(t, newProxy(t), m, scoped, func(t *testing.T, ctx context.Context, user *Clients) {
		_, err := user.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(otherRole), PolicyName: aws.String("x"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
		require.Error(t, err, "a role outside <name>-* is out of reach")
		assert.Contains(t, err.Error(), "403")
	})
}

func TestScopedPolicyNamesTheCluster(t *testing.T) {
	m := testModel(t, 1, nil)
	doc, err := ScopedPolicy(m)
	require.NoError(t, err)
	text := string(doc)
	for _, want := range []string{
		`"Resource": "arn:aws:s3:::` + m.Bucket.Name + `"`,
		`"arn:aws:s3:::` + m.Bucket.Name + `/.well-known/openid-configuration"`,
		`"arn:aws:s3:::` + m.Bucket.Name + `/keys.json"`,
		`"Resource": "` + m.OIDCProvider.ARN + `"`,
		`"Resource": "arn:aws:iam::123456789012:role/` + m.Name + `-*"`,
	} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "cloudfront:", "a public bucket needs no CloudFront action")
	m.Bucket.Private = true
	doc, err = ScopedPolicy(m)
	require.NoError(t, err)
	assert.Contains(t, string(doc), `"Resource": "arn:aws:cloudfront::123456789012:distribution/*"`)
}

// otherRole belongs to no cluster: a scoped user must not reach it.
const otherRole = "someone-elses-role"

// runAsUserWith applies, re-plans and deletes m as a moto user holding the
// policy, with moto's IAM enforcement on; px leads to that moto.
func runAsUserWith(t *testing.T, px *proxy, m *render.Model, policy func(*testing.T) string, extra func(t *testing.T, ctx context.Context, user *Clients)) {
	admin := px.clients(t)
	ctx := context.Background()
	_, err := admin.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(otherRole), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
	require.NoError(t, err)
	_, err = admin.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("stsrender")})
	require.NoError(t, err)
	_, err = admin.IAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("stsrender"), PolicyName: aws.String("minimum"), PolicyDocument: aws.String(policy(t))})
	require.NoError(t, err)
	_, err = admin.IAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("stsrender"), PolicyName: aws.String("moto-unresolved-iam"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateRole","iam:GetRole","iam:GetOpenIDConnectProvider","iam:CreateOpenIDConnectProvider","iam:TagOpenIDConnectProvider","iam:DeleteOpenIDConnectProvider","iam:ListRoleTags"],"Resource":"*"}]}`)})
	require.NoError(t, err)
	// moto authorizes HEAD on a bucket as "s3:HeadBucket", a name IAM does
	// not have (AWS checks s3:ListBucket, which MinimumPolicy grants).
	_, err = admin.IAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("stsrender"), PolicyName: aws.String("moto-head-bucket"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:HeadBucket"],"Resource":"*"}]}`)})
	require.NoError(t, err)
	key, err := admin.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("stsrender")})
	require.NoError(t, err)

	// Enforcement starts now; moto's state reset turns it off again.
	resp, err := http.Post(px.target+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	require.NoError(t, err)
	resp.Body.Close()
	t.Cleanup(func() { requireMoto(t) })

	setenv(t, "AWS_ACCESS_KEY_ID", aws.ToString(key.AccessKey.AccessKeyId))
	setenv(t, "AWS_SECRET_ACCESS_KEY", aws.ToString(key.AccessKey.SecretAccessKey))
	clients, err := NewClients(ctx, "us-east-2", ClientOptions{MaxAttempts: 2})
	require.NoError(t, err)
	p := &Planner{Clients: clients, Model: m}

	// A user without the policy is refused: enforcement is really on.
	_, err = admin.IAM.ListRoles(ctx, &iam.ListRolesInput{})
	require.Error(t, err, "the test's admin keys belong to no user: moto must refuse them now")
	assert.Contains(t, err.Error(), "403")

	plan, err := p.Plan(ctx)
	require.NoError(t, err)
	require.NoError(t, p.Apply(ctx, plan))
	// Only the trust half of Verify: with enforcement on, moto answers
	// unsigned (anonymous) S3 requests with a malformed HTTP 500. The other
	// tests cover the anonymous read.
	require.NoError(t, p.verifyTrust(ctx, nil))
	again, err := p.Plan(ctx)
	require.NoError(t, err)
	assert.False(t, again.HasChanges())
	if extra != nil {
		extra(t, ctx, clients)
	}
	del, err := p.PlanDelete(ctx)
	require.NoError(t, err)
	require.NoError(t, p.Delete(ctx, del))
}
