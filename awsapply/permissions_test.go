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
)

// TestMinimumPolicyIsEnough creates a user holding only MinimumPolicy, turns
// on moto's IAM policy enforcement, and runs apply, verify, a re-plan and
// delete with that user's keys: a missing action would be AccessDenied.
func TestMinimumPolicyIsEnough(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	admin := px.clients(t)
	ctx := context.Background()
	_, err := admin.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("stsrender")})
	require.NoError(t, err)
	_, err = admin.IAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("stsrender"), PolicyName: aws.String("minimum"), PolicyDocument: aws.String(MinimumPolicy)})
	require.NoError(t, err)
	// moto authorizes HEAD on a bucket as "s3:HeadBucket", a name IAM does
	// not have (AWS checks s3:ListBucket, which MinimumPolicy grants).
	_, err = admin.IAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("stsrender"), PolicyName: aws.String("moto-head-bucket"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:HeadBucket"],"Resource":"*"}]}`)})
	require.NoError(t, err)
	key, err := admin.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("stsrender")})
	require.NoError(t, err)

	// Enforcement starts now; moto's state reset turns it off again.
	resp, err := http.Post(moto.Endpoint+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	require.NoError(t, err)
	resp.Body.Close()
	t.Cleanup(func() { requireMoto(t) })

	setenv(t, "AWS_ACCESS_KEY_ID", aws.ToString(key.AccessKey.AccessKeyId))
	setenv(t, "AWS_SECRET_ACCESS_KEY", aws.ToString(key.AccessKey.SecretAccessKey))
	clients, err := NewClients(ctx, "us-east-2", ClientOptions{MaxAttempts: 2})
	require.NoError(t, err)
	p := &Planner{Clients: clients, Model: testModel(t, 2, nil)}

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
	del, err := p.PlanDelete(ctx)
	require.NoError(t, err)
	require.NoError(t, p.Delete(ctx, del))
}
