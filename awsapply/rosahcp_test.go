package awsapply

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/internal/testsupport/mototest"
	"github.com/stsrender/stsrender/render"
)

// hcpModel renders ROSA HCP cluster "hcp-test" with a managed OIDC config.
func hcpModel(t testing.TB, extra ...render.OperatorRole) *render.Model {
	t.Helper()
	m, err := render.Render(render.Params{Name: "hcp-test", AccountID: motoAccount, Region: "us-east-1",
		HostedControlPlane: &render.HostedControlPlane{
			OperatorRolePrefix: "hcp-test-x1",
			ManagedIssuerURL:   render.ManagedOIDCIssuer("2fkrvc0u4lbrsq0d2fgcs4t1n3kp31qg"),
			AdditionalRoles:    extra,
		}}, nil)
	require.NoError(t, err)
	return m
}

// startManagedPolicyMoto runs a moto_server of its own that knows the
// AWS-managed policies, and skips when that moto's list lacks one the
// model attaches: moto cannot create a policy under an aws-owned ARN
// (CreatePolicy always uses the caller's account), so no stand-in is
// possible.
func startManagedPolicyMoto(t testing.TB, m *render.Model) *proxy {
	t.Helper()
	requireMoto(t)
	server, err := mototest.Start(mototest.ManagedPolicies)
	require.NoError(t, err)
	t.Cleanup(server.Stop)
	px := newProxyTo(t, server.Endpoint)
	client := px.clients(t).IAM
	var missing []string
	for _, arn := range managedPolicyARNs(m) {
		if _, err := client.GetPolicy(context.Background(), &iam.GetPolicyInput{PolicyArn: aws.String(arn)}); err != nil {
			missing = append(missing, arn)
		}
	}
	if len(missing) > 0 {
		t.Skipf("this moto does not know %s (its AWS-managed policy list predates them) and cannot create policies under aws-owned ARNs; upgrade moto to run this test", strings.Join(missing, ", "))
	}
	return px
}

func attachedOf(t *testing.T, p *Planner, role string) []string {
	t.Helper()
	got, err := attachedPolicies(context.Background(), p.Clients.IAM, role)
	require.NoError(t, err)
	slices.Sort(got)
	return got
}

func TestHostedControlPlaneLifecycle(t *testing.T) {
	m := hcpModel(t)
	px := startManagedPolicyMoto(t, m)
	p := newPlanner(t, px, m)
	ctx := context.Background()

	t.Log("apply creates the provider for Red Hat's issuer and the eight roles, with their policies, and touches no bucket")
	plan := apply(t, p)
	assert.Len(t, plan.Changes, 1+8)
	for name, a := range actions(plan) {
		assert.Equal(t, Create, a, name)
		assert.NotContains(t, name, KindBucket)
	}
	assert.Zero(t, px.countService("s3"), "a managed OIDC config needs no S3 call")
	require.NoError(t, p.Verify(ctx, nil))
	for _, r := range m.Roles {
		assert.Equal(t, r.ManagedPolicyARNs, attachedOf(t, p, r.Name), r.Name)
		out, err := p.Clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Name)})
		require.NoError(t, err)
		tags := iamTagMap(out.Role.Tags)
		assert.Equal(t, "true", tags["rosa_hcp_policies"])
		assert.Equal(t, r.Request.SecretRef.Namespace, tags["operator_namespace"])
		inline, err := p.Clients.IAM.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(r.Name)})
		require.NoError(t, err)
		assert.Empty(t, inline.PolicyNames, "HCP roles have no inline policy")
	}

	t.Log("a re-apply makes zero mutating calls")
	px.reset()
	plan, err := p.Plan(ctx)
	require.NoError(t, err)
	assert.False(t, plan.HasChanges())
	require.NoError(t, p.Apply(ctx, plan))
	_, mutating := px.counts()
	assert.Empty(t, mutating)

	t.Log("a policy detached out of band is reported and attached again")
	kcm := m.Roles[3]
	require.Equal(t, "hcp-test-x1-kube-system-kube-controller-manager", kcm.Name)
	_, err = p.Clients.IAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(kcm.Name), PolicyArn: aws.String(kcm.ManagedPolicyARNs[0])})
	require.NoError(t, err)
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	drift := changeOf(t, plan, kcm.Name)
	assert.Equal(t, Update, drift.Action)
	require.Len(t, drift.Diffs, 1)
	assert.Equal(t, FieldDiff{Field: "managed policies", Current: "", Desired: kcm.ManagedPolicyARNs[0]}, drift.Diffs[0])
	require.NoError(t, p.Apply(ctx, plan))
	assert.Equal(t, kcm.ManagedPolicyARNs, attachedOf(t, p, kcm.Name))

	t.Log("a policy someone else attached is reported and stays, with per-role and batched reads alike")
	foreign := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	_, err = p.Clients.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(kcm.Name), PolicyArn: aws.String(foreign)})
	require.NoError(t, err)
	for _, batched := range []bool{false, true} {
		p.BatchedReads = batched
		plan, err = p.Plan(ctx)
		require.NoError(t, err)
		c := changeOf(t, plan, kcm.Name)
		assert.Equal(t, NoChange, c.Action, "batched=%v", batched)
		assert.Equal(t, []string{"managed policy " + foreign + " was not attached by stsrender; left attached"}, c.Notes, "batched=%v", batched)
		require.NoError(t, p.Apply(ctx, plan))
	}
	p.BatchedReads = false
	assert.Contains(t, attachedOf(t, p, kcm.Name), foreign)

	t.Log("a policy stsrender attached and the render dropped is detached; the foreign one stays")
	extra := render.OperatorRole{Secret: kcm.Request.SecretRef, ServiceAccounts: []string{"kube-controller-manager"},
		PolicyARNs: []string{"arn:aws:iam::aws:policy/service-role/ROSAKMSProviderPolicy"}}
	p.Model = hcpModel(t, extra)
	apply(t, p)
	assert.Contains(t, attachedOf(t, p, kcm.Name), extra.PolicyARNs[0])
	p.Model = m
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	c := changeOf(t, plan, kcm.Name)
	require.Equal(t, Update, c.Action)
	assert.Equal(t, "managed policies", c.Diffs[0].Field)
	require.NoError(t, p.Apply(ctx, plan))
	assert.Equal(t, []string{foreign, kcm.ManagedPolicyARNs[0]}, attachedOf(t, p, kcm.Name))

	t.Log("a changed prefix plans the old roles as orphans")
	renamed, err := render.Render(render.Params{Name: "hcp-test", AccountID: motoAccount, Region: "us-east-1",
		HostedControlPlane: &render.HostedControlPlane{OperatorRolePrefix: "hcp-test-x2", ManagedIssuerURL: m.Issuer.URL}}, nil)
	require.NoError(t, err)
	p.Model = renamed
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	orphans := 0
	for _, c := range plan.Changes {
		if c.Orphan {
			orphans++
			assert.Contains(t, c.Reason, "was spec.rosa.operatorRolePrefix changed?")
		}
	}
	assert.Equal(t, 8, orphans)
	p.Model = m

	t.Log("a role rosa created (no ownership tag, its own trust spelling) is a conflict until adopted")
	kms := m.Roles[2]
	require.Equal(t, "hcp-test-x1-kube-system-kms-provider", kms.Name)
	require.NoError(t, p.deleteRole(kms.Name)(ctx))
	rosaTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRoleWithWebIdentity"],"Principal":{"Federated":"` + m.OIDCProvider.ARN +
		`"},"Condition":{"StringEquals":{"` + m.Issuer.HostPath + `:sub":["system:serviceaccount:kube-system:kms-provider"]}}}]}`
	_, err = p.Clients.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(kms.Name), AssumeRolePolicyDocument: aws.String(rosaTrust), Description: aws.String(kms.Description),
		Tags: []iamtypes.Tag{{Key: aws.String("red-hat-managed"), Value: aws.String("true")}}})
	require.NoError(t, err)
	_, err = p.Clients.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(kms.Name), PolicyArn: aws.String(kms.ManagedPolicyARNs[0])})
	require.NoError(t, err)
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	assert.Equal(t, Conflict, changeOf(t, plan, kms.Name).Action)
	p.Adopt = true
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	adopted := changeOf(t, plan, kms.Name)
	assert.Equal(t, Update, adopted.Action)
	require.Len(t, adopted.Diffs, 1, "the trust spelling and the attached policy already match: only the tags differ")
	assert.Equal(t, "tags", adopted.Diffs[0].Field)
	require.NoError(t, p.Apply(ctx, plan))
	p.Adopt = false
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	assert.False(t, plan.HasChanges())

	t.Log("delete detaches every policy (a role with any cannot be deleted) and removes roles and provider")
	plan, err = p.PlanDelete(ctx)
	require.NoError(t, err)
	assert.Len(t, plan.Changes, 8+1)
	require.NoError(t, p.Delete(ctx, plan))
	roles, err := p.Clients.IAM.ListRoles(ctx, &iam.ListRolesInput{})
	require.NoError(t, err)
	assert.Empty(t, roles.Roles)
	_, err = p.Clients.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(m.OIDCProvider.ARN)})
	assert.True(t, isNotFound(err), "provider deleted: %v", err)
	assert.Zero(t, px.countService("s3"))
}

func changeOf(t *testing.T, plan *Plan, name string) *Change {
	t.Helper()
	for _, c := range plan.Changes {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no change for %s in the plan", name)
	return nil
}

// TestHostedControlPlaneScopedPolicyIsEnough applies, re-plans and deletes
// a ROSA HCP cluster as a user holding only ScopedPolicy, which has no S3
// statement (a managed OIDC config has no bucket) and attaches policies to
// the cluster's roles alone. Its iam:PolicyARN condition, which limits the
// attachable policies to the rendered ones, is checked in the document:
// moto does not evaluate that condition key.
func TestHostedControlPlaneScopedPolicyIsEnough(t *testing.T) {
	m := hcpModel(t)
	px := startManagedPolicyMoto(t, m)
	doc, err := ScopedPolicy(m)
	require.NoError(t, err)
	assert.NotContains(t, string(doc), "s3:")
	var policy render.PolicyDocument
	require.NoError(t, json.Unmarshal(doc, &policy))
	var attach *render.Statement
	for i, s := range policy.Statement {
		if fmt.Sprint(s.Action) == "[iam:AttachRolePolicy]" {
			attach = &policy.Statement[i]
		}
	}
	require.NotNil(t, attach, "a statement of its own allows iam:AttachRolePolicy")
	assert.Equal(t, "arn:aws:iam::123456789012:role/hcp-test-x1-*", attach.Resource)
	assert.ElementsMatch(t, managedPolicyARNs(m), attach.Condition["ArnEquals"]["iam:PolicyARN"])

	runAsUserWith(t, px, m, func(*testing.T) string { return string(doc) }, func(t *testing.T, ctx context.Context, user *Clients) {
		_, err := user.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(otherRole), PolicyArn: aws.String(m.Roles[0].ManagedPolicyARNs[0])})
		require.Error(t, err, "a role outside <prefix>-* is out of reach")
		assert.Contains(t, err.Error(), "403")
	})
}

// TestHostedControlPlaneUnmanagedOIDCConfig applies a ROSA HCP cluster
// whose OIDC config is unmanaged: the bucket and its two documents as for a
// self-managed cluster, and the operator roles with managed policies.
func TestHostedControlPlaneUnmanagedOIDCConfig(t *testing.T) {
	m := hcpUnmanagedModel(t)
	px := startManagedPolicyMoto(t, m)
	p := newPlanner(t, px, m)
	plan := apply(t, p)
	kinds := map[string]int{}
	for _, c := range plan.Changes {
		kinds[c.Kind]++
		assert.Equal(t, Create, c.Action, c.Name)
	}
	assert.Equal(t, map[string]int{KindBucket: 1, KindObject: 2, KindProvider: 1, KindRole: 8}, kinds)
	require.NoError(t, p.Verify(context.Background(), nil), "the documents are readable anonymously and the roles trust the provider")
	for _, r := range m.Roles {
		assert.Equal(t, r.ManagedPolicyARNs, attachedOf(t, p, r.Name))
	}
	px.reset()
	plan, err := p.Plan(context.Background())
	require.NoError(t, err)
	assert.False(t, plan.HasChanges())
	require.NoError(t, p.Apply(context.Background(), plan))
	_, mutating := px.counts()
	assert.Empty(t, mutating)
}

func hcpUnmanagedModel(t testing.TB) *render.Model {
	t.Helper()
	pub, err := os.ReadFile(filepath.Join("..", "render", "testdata", "keys", "primary.pub"))
	require.NoError(t, err)
	m, err := render.Render(render.Params{Name: "hcp-own", AccountID: motoAccount, Region: "us-east-2",
		PublicKeys:         []render.PublicKey{{Source: "primary.pub", PEM: pub}},
		HostedControlPlane: &render.HostedControlPlane{}}, nil)
	require.NoError(t, err)
	require.NotNil(t, m.Bucket)
	return m
}
