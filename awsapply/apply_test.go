package awsapply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

const motoAccount = "123456789012"

// testModel renders n requests for cluster "apply-test" in us-east-2.
func testModel(t testing.TB, n int, edit func(*render.Params)) *render.Model {
	t.Helper()
	pub, err := os.ReadFile(filepath.Join("..", "render", "testdata", "keys", "primary.pub"))
	require.NoError(t, err)
	p := render.Params{Name: "apply-test", AccountID: motoAccount, Region: "us-east-2", Tags: map[string]string{"team": "platform"},
		PublicKeys: []render.PublicKey{{Source: "primary.pub", PEM: pub}}}
	if edit != nil {
		edit(&p)
	}
	var requests []render.CredentialsRequest
	for i := 0; i < n; i++ {
		requests = append(requests, render.CredentialsRequest{
			Source:              render.Source{File: "test.yaml", Index: i, Item: -1},
			Name:                fmt.Sprintf("request-%02d", i),
			SecretRef:           render.NamespacedName{Namespace: "openshift-test", Name: fmt.Sprintf("credentials-%02d", i)},
			ServiceAccountNames: []string{"operator", "controller"},
			StatementEntries: []render.StatementEntry{
				{Effect: "Allow", Action: []string{"ec2:DescribeInstances", "s3:GetObject"}, Resource: "*"},
				{Effect: "Allow", Action: []string{"kms:CreateGrant"}, Resource: "*", PolicyCondition: map[string]map[string]any{"Bool": {"kms:GrantIsForAWSResource": true}}},
			},
		})
	}
	m, err := render.Render(p, requests)
	require.NoError(t, err)
	return m
}

func newPlanner(t testing.TB, px *proxy, m *render.Model) *Planner {
	return &Planner{Clients: px.clients(t), Model: m, Retry: RetryPolicy{Initial: 5 * time.Millisecond, Deadline: 5 * time.Second}}
}

func apply(t testing.TB, p *Planner) *Plan {
	t.Helper()
	plan, err := p.Plan(context.Background())
	require.NoError(t, err)
	require.NoError(t, p.Apply(context.Background(), plan))
	return plan
}

func actions(plan *Plan) map[string]Action {
	out := map[string]Action{}
	for _, c := range plan.Changes {
		out[c.Kind+" "+c.Name] = c.Action
	}
	return out
}

func TestApplyCreatesEverythingAndVerifies(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 3, nil)
	p := newPlanner(t, px, m)

	plan, err := p.Plan(context.Background())
	require.NoError(t, err)
	for name, a := range actions(plan) {
		assert.Equal(t, Create, a, name)
	}
	assert.Len(t, plan.Changes, 1+2+1+3, "bucket, two documents, provider, three roles")
	_, mutating := px.counts()
	assert.Empty(t, mutating, "plan is read-only")

	require.NoError(t, p.Apply(context.Background(), plan))
	require.NoError(t, p.Verify(context.Background(), nil))

	// The documents are readable without credentials, byte for byte.
	for _, obj := range m.Bucket.Objects {
		out, err := p.Clients.AnonymousS3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(m.Bucket.Name), Key: aws.String(obj.Key)})
		require.NoError(t, err)
		body, _ := io.ReadAll(out.Body)
		assert.Equal(t, string(obj.Body), string(body))
		assert.Equal(t, "application/json", aws.ToString(out.ContentType))
	}
	// Every role trusts the provider and carries the ownership tags.
	for _, r := range m.Roles {
		out, err := p.Clients.IAM.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(r.Name)})
		require.NoError(t, err)
		trust := decodePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument))
		assert.Contains(t, trust, `"Federated":"`+m.OIDCProvider.ARN+`"`)
		assert.Equal(t, r.ARN, aws.ToString(out.Role.Arn))
		tags := iamTagMap(out.Role.Tags)
		assert.Equal(t, "owned", tags["openshift.io/cloud-credential-operator/apply-test"])
		assert.Equal(t, "platform", tags["team"])
	}
	// Public access: public ACLs blocked, the policy allows the two documents only.
	policy, err := p.Clients.S3.GetBucketPolicy(context.Background(), &s3.GetBucketPolicyInput{Bucket: aws.String(m.Bucket.Name)})
	require.NoError(t, err)
	assert.Contains(t, aws.ToString(policy.Policy), "arn:aws:s3:::apply-test-oidc/keys.json")
	assert.NotContains(t, aws.ToString(policy.Policy), "apply-test-oidc/*")
	resp, err := http.Get(px.server.URL + "/apply-test-oidc/other-key")
	require.NoError(t, err)
	resp.Body.Close()
	assert.NotEqual(t, http.StatusOK, resp.StatusCode)
}

func TestReapplyMakesNoMutatingCall(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	p := newPlanner(t, px, testModel(t, 4, nil))
	apply(t, p)

	px.reset()
	plan, err := p.Plan(context.Background())
	require.NoError(t, err)
	for name, a := range actions(plan) {
		assert.Equal(t, NoChange, a, name)
	}
	assert.False(t, plan.HasChanges())
	require.NoError(t, p.Apply(context.Background(), plan))
	require.NoError(t, p.Verify(context.Background(), nil))
	total, mutating := px.counts()
	assert.Empty(t, mutating, "a second apply makes zero mutating calls")
	assert.Greater(t, total, 0)
}

func TestDriftIsReportedAndRepaired(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 2, nil)
	p := newPlanner(t, px, m)
	apply(t, p)
	ctx := context.Background()
	role := m.Roles[0]

	// Out of band: a broader inline policy, a foreign trust, a changed tag.
	_, err := p.Clients.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role.Name), PolicyName: aws.String(role.InlinePolicyName),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	require.NoError(t, err)
	_, err = p.Clients.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(role.Name),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`)})
	require.NoError(t, err)
	_, err = p.Clients.IAM.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(role.Name), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("someone-else")}}})
	require.NoError(t, err)
	// An inline policy stsrender did not write: reported, never removed.
	_, err = p.Clients.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role.Name), PolicyName: aws.String("break-glass"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}`)})
	require.NoError(t, err)

	plan, err := p.Plan(ctx)
	require.NoError(t, err)
	var changed *Change
	for _, c := range plan.Changes {
		if c.Kind == KindRole && c.Name == role.Name {
			changed = c
		} else {
			assert.Equal(t, NoChange, c.Action, "%s %s", c.Kind, c.Name)
		}
	}
	require.NotNil(t, changed)
	assert.Equal(t, Update, changed.Action)
	var fields []string
	for _, d := range changed.Diffs {
		fields = append(fields, d.Field)
	}
	assert.ElementsMatch(t, []string{"trust policy", "tags", "inline policy " + role.InlinePolicyName}, fields, "exactly the drifted fields")
	assert.Equal(t, []string{"inline policy break-glass was not written by stsrender; left alone"}, changed.Notes)

	require.NoError(t, p.Apply(ctx, plan))
	kept, err := p.Clients.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role.Name), PolicyName: aws.String("break-glass")})
	require.NoError(t, err, "the foreign inline policy survives the apply")
	assert.Contains(t, decodePolicy(aws.ToString(kept.PolicyDocument)), "logs:*")
	again, err := p.Plan(ctx)
	require.NoError(t, err)
	assert.False(t, again.HasChanges(), "apply restored them (the foreign policy is a note, not a change)")
	require.NoError(t, p.Verify(ctx, nil))
}

// TestTightenedTrustIsNotLoosenedSilently: an admin added an aud condition
// and a Deny to an owned role's trust policy. plan says the update would
// loosen it, apply refuses without making any call, and only
// AllowLoosening replaces it.
func TestTightenedTrustIsNotLoosenedSilently(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 2, nil)
	p := newPlanner(t, px, m)
	ctx := context.Background()
	plan, err := p.Plan(ctx)
	require.NoError(t, err)
	require.NoError(t, p.Apply(ctx, plan))
	role := m.Roles[0]
	trust := compactJSON(&role.TrustPolicy)
	host := strings.TrimPrefix(m.Issuer.URL, "https://")
	tightened := strings.Replace(trust, `"StringEquals":{`, `"StringEquals":{"`+host+`:aud":"openshift",`, 1)
	tightened = strings.TrimSuffix(tightened, `]}`) + `,{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}}]}`
	require.NotEqual(t, trust, tightened)
	_, err = p.Clients.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(role.Name), PolicyDocument: aws.String(tightened)})
	require.NoError(t, err)

	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	var text strings.Builder
	plan.WriteText(&text)
	assert.Contains(t, text.String(), "LOOSENS the trust policy: removes the Deny statement on sts:AssumeRoleWithWebIdentity")
	assert.Contains(t, text.String(), "LOOSENS the trust policy: removes the condition StringEquals "+host+":aud")

	px.reset()
	err = p.Apply(ctx, plan)
	require.ErrorIs(t, err, ErrLoosening)
	assert.Contains(t, err.Error(), role.Name)
	assert.Contains(t, err.Error(), "--allow-trust-loosening")
	_, mutating := px.counts()
	assert.Empty(t, mutating, "nothing was changed")

	p.AllowLoosening = true
	require.NoError(t, p.Apply(ctx, plan))
	again, err := p.Plan(ctx)
	require.NoError(t, err)
	assert.False(t, again.HasChanges())
}

func TestForeignRoleIsAConflictUntilAdopted(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 2, nil)
	p := newPlanner(t, px, m)
	ctx := context.Background()
	foreign := m.Roles[1]
	foreignTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	_, err := p.Clients.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(foreign.Name), AssumeRolePolicyDocument: aws.String(foreignTrust)})
	require.NoError(t, err)

	plan, err := p.Plan(ctx)
	require.NoError(t, err)
	assert.Equal(t, Conflict, actions(plan)[KindRole+" "+foreign.Name])
	err = p.Apply(ctx, plan)
	require.ErrorIs(t, err, ErrConflicts)
	require.NoError(t, p.Verify(ctx, map[string]bool{foreign.Name: true}))
	out, err := p.Clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(foreign.Name)})
	require.NoError(t, err)
	same, err := samePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument), foreignTrust)
	require.NoError(t, err)
	assert.True(t, same, "the foreign role is left untouched")
	assert.Empty(t, out.Role.Tags)

	p.Adopt = true
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	assert.Equal(t, Update, actions(plan)[KindRole+" "+foreign.Name])
	require.NoError(t, p.Apply(ctx, plan))
	p.Adopt = false
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	assert.False(t, plan.HasChanges(), "after adoption the role is ours and converged")
	require.NoError(t, p.Verify(ctx, nil))
}

func TestDeleteRemovesOnlyOwnedResources(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 3, nil)
	p := newPlanner(t, px, m)
	apply(t, p)
	ctx := context.Background()

	_, err := p.Clients.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("someone-elses-role"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
	require.NoError(t, err)
	_, err = p.Clients.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(m.Bucket.Name), Key: aws.String("notes.txt"), Body: strings.NewReader("mine")})
	require.NoError(t, err)
	// A role left over from a CredentialsRequest that is gone: still ours.
	smaller := testModel(t, 2, nil)
	p.Model = smaller

	plan, err := p.PlanDelete(ctx)
	require.NoError(t, err)
	got := actions(plan)
	for _, r := range m.Roles {
		assert.Equal(t, Delete, got[KindRole+" "+r.Name], "owned roles, including the leftover one")
	}
	assert.NotContains(t, got, KindRole+" someone-elses-role")
	assert.Equal(t, Delete, got[KindProvider+" "+m.OIDCProvider.ARN])
	assert.Equal(t, Delete, got[KindObject+" apply-test-oidc/keys.json"])
	assert.Equal(t, Conflict, got[KindBucket+" apply-test-oidc"], "the bucket holds a foreign object")

	err = p.Delete(ctx, plan)
	require.Error(t, err, "a kept bucket is a failure of delete")
	assert.Contains(t, err.Error(), "bucket "+m.Bucket.Name+" kept: it holds objects stsrender does not own: notes.txt")
	assert.Equal(t, 1, strings.Count(err.Error(), "kept"), "said once")

	_, err = p.Clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("someone-elses-role")})
	assert.NoError(t, err, "the untagged role survives")
	_, err = p.Clients.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(m.Bucket.Name), Key: aws.String("notes.txt")})
	assert.NoError(t, err, "the foreign object survives")
	for _, r := range m.Roles {
		_, err := p.Clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Name)})
		assert.True(t, isNotFound(err), "%s deleted", r.Name)
	}
	_, err = p.Clients.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(m.OIDCProvider.ARN)})
	assert.True(t, isNotFound(err))

	// Once the foreign object is gone, delete finishes; a second run finds nothing.
	_, err = p.Clients.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(m.Bucket.Name), Key: aws.String("notes.txt")})
	require.NoError(t, err)
	plan, err = p.PlanDelete(ctx)
	require.NoError(t, err)
	require.NoError(t, p.Delete(ctx, plan))
	plan, err = p.PlanDelete(ctx)
	require.NoError(t, err)
	assert.Empty(t, plan.Changes)
}

func TestApplyConvergesThroughFaults(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 6, nil)
	p := newPlanner(t, px, m)
	all := func(call) bool { return true }
	iamOnly := func(c call) bool { return c.service == "iam" }
	s3Only := func(c call) bool { return c.service == "s3" }
	px.inject(&fault{match: iamOnly, share: 0.15, status: 400, body: iamError("Throttling", "Rate exceeded")})
	px.inject(&fault{match: iamOnly, share: 0.1, status: 500, body: iamError("ServiceFailure", "try again")})
	px.inject(&fault{match: s3Only, share: 0.15, status: 503, body: s3Error("SlowDown", "Reduce your request rate")})
	px.inject(&fault{match: all, share: 0.2, delay: 20 * time.Millisecond})
	// IAM eventual consistency: the new provider is not yet a valid principal.
	px.inject(&fault{match: func(c call) bool { return c.action == "CreateRole" }, share: 1, remaining: 3, status: 400,
		body: iamError("MalformedPolicyDocument", "Invalid principal in policy: federated")})

	apply(t, p)
	require.NoError(t, p.Verify(context.Background(), nil))
	px.mu.Lock()
	injected := px.injected
	px.mu.Unlock()
	assert.GreaterOrEqual(t, injected, 8, "faults were injected")
	t.Logf("%d requests answered with an injected error", injected)
	px.reset()
	plan, err := p.Plan(context.Background())
	require.NoError(t, err)
	assert.False(t, plan.HasChanges(), "converged despite faults")
}

func TestCancelledApplyConvergesOnTheNextRun(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 8, nil)
	p := newPlanner(t, px, m)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	plan, err := p.Plan(ctx)
	require.NoError(t, err)
	var seen atomic.Int32
	px.setOnCall(func(c call) {
		if c.mutating && seen.Add(1) == 9 {
			cancel()
		}
	})
	err = p.Apply(ctx, plan)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)

	px.reset()
	second, err := p.Plan(context.Background())
	require.NoError(t, err)
	assert.True(t, second.HasChanges(), "the interrupted apply left work")
	require.NoError(t, p.Apply(context.Background(), second))
	require.NoError(t, p.Verify(context.Background(), nil))
	third, err := p.Plan(context.Background())
	require.NoError(t, err)
	assert.False(t, third.HasChanges())
}

func TestWrongAccountIsRefusedBeforeAnyCall(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 1, func(p *render.Params) { p.AccountID = "111111111111" })
	p := newPlanner(t, px, m)
	_, err := p.Plan(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the AWS credentials are for account 123456789012 but the cluster's account (spec.aws.accountID, or --account) is 111111111111")
	total, _ := px.counts()
	assert.Equal(t, 1, total, "only GetCallerIdentity")
}

// TestTrustPolicyQuota: a trust policy over IAM's default quota is planned
// only when the account's own AssumeRolePolicySizeQuota (moto answers
// GetAccountSummary with the default, 2048) admits it; otherwise plan
// fails before any change, naming the quota.
func TestTrustPolicyQuota(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 1, nil)
	var many []string
	for i := 0; i < 40; i++ {
		many = append(many, fmt.Sprintf("service-account-with-a-long-name-%02d", i))
	}
	m.Roles[0].Request.ServiceAccountNames = many
	big, err := render.Render(render.Params{Name: m.Name, AccountID: m.AccountID, Region: m.Region,
		PublicKeys: []render.PublicKey{{Source: "primary.pub", PEM: readPrimaryKey(t)}}}, []render.CredentialsRequest{m.Roles[0].Request})
	require.NoError(t, err, "the render only warns: the quota is adjustable")
	require.NotEmpty(t, big.Warnings)
	p := newPlanner(t, px, big)
	_, err = p.Plan(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "over this account's AssumeRolePolicySizeQuota of 2048")
	_, mutating := px.counts()
	assert.Empty(t, mutating)
}

func readPrimaryKey(t *testing.T) []byte {
	t.Helper()
	pub, err := os.ReadFile(filepath.Join("..", "render", "testdata", "keys", "primary.pub"))
	require.NoError(t, err)
	return pub
}
