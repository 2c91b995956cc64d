package awsapply

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

// narrowed is m without its last role, as after an upgrade window closes or
// a capability is disabled; reason is what the release says of the role.
func narrowed(m *render.Model, reason string) *render.Model {
	out := *m
	out.Roles = m.Roles[:len(m.Roles)-1]
	if reason != "" {
		out.Dropped = map[string]string{m.Roles[len(m.Roles)-1].Name: reason}
	}
	return &out
}

func TestOrphansArePlannedAndPrunedOnRequest(t *testing.T) {
	for _, batched := range []bool{false, true} {
		name := map[bool]string{false: "per-role reads", true: "batched reads"}[batched]
		t.Run(name, func(t *testing.T) {
			requireMoto(t)
			px := newProxy(t)
			m := testModel(t, 3, nil)
			p := newPlanner(t, px, m)
			p.BatchedReads = batched
			ctx := context.Background()
			apply(t, p)

			// Another cluster whose name is a prefix of ours, under the same
			// path: its roles are never this cluster's orphans.
			other := testModel(t, 2, func(params *render.Params) { params.Name = "apply-tes" })
			apply(t, newPlanner(t, px, other))

			gone := m.Roles[2].Name
			p.Model = narrowed(m, "disabled capabilities: Ingress")
			plan, err := p.Plan(ctx)
			require.NoError(t, err)
			assert.True(t, plan.HasChanges(), "an orphan is a change: plan exits 2")
			var orphans []*Change
			for _, c := range plan.Changes {
				if c.Orphan {
					orphans = append(orphans, c)
				}
			}
			require.Len(t, orphans, 1, "only this cluster's role, not apply-tes's")
			assert.Equal(t, gone, orphans[0].Name)
			var text strings.Builder
			plan.WriteText(&text)
			assert.Contains(t, text.String(), "- iam-role                 "+gone+": delete (orphan: its CredentialsRequest is in the release, dropped for this cluster (disabled capabilities: Ingress); apply --prune leaves it")
			assert.True(t, orphans[0].Filtered)

			// Without --prune the orphan is reported and left: no mutating call.
			px.reset()
			require.NoError(t, p.Apply(ctx, plan))
			_, mutating := px.counts()
			assert.Empty(t, mutating)
			_, err = p.Clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(gone)})
			require.NoError(t, err, "left")

			// Nor with --prune: the release still has its request, and a
			// wrong filter must not cost the cluster a role.
			p.Prune = true
			px.reset()
			require.NoError(t, p.Apply(ctx, plan))
			_, mutating = px.counts()
			assert.Empty(t, mutating)
			_, err = p.Clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(gone)})
			require.NoError(t, err, "a filtered orphan is never pruned")

			// An orphan of the release itself is pruned.
			p.Model = narrowed(m, "")
			plan, err = p.Plan(ctx)
			require.NoError(t, err)
			require.NoError(t, p.Apply(ctx, plan))
			_, err = p.Clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(gone)})
			assert.True(t, isNotFound(err), "pruned: %v", err)
			for _, r := range other.Roles {
				_, err := p.Clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Name)})
				assert.NoError(t, err, "another cluster's role survives")
			}
			again, err := p.Plan(ctx)
			require.NoError(t, err)
			assert.False(t, again.HasChanges())

			// An orphan without a known reason says why it is one anyway.
			p.Model = narrowed(narrowed(m, ""), "")
			plan, err = p.Plan(ctx)
			require.NoError(t, err)
			text.Reset()
			plan.WriteText(&text)
			assert.Contains(t, text.String(), "delete (orphan: no longer rendered: its CredentialsRequest is not in this release)")
		})
	}
}

// TestBatchedReadsSeeWhatPerRoleReadsSee: drift in every field of a role is
// found the same way by both readers, and a no-change plan of 50 roles costs
// a few calls in all when batched.
func TestBatchedReadsSeeWhatPerRoleReadsSee(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 3, nil)
	p := newPlanner(t, px, m)
	apply(t, p)
	ctx := context.Background()
	role := m.Roles[1]
	_, err := p.Clients.IAM.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String(role.Name), Description: aws.String("changed by hand")})
	require.NoError(t, err)
	_, err = p.Clients.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role.Name), PolicyName: aws.String(role.InlinePolicyName),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	require.NoError(t, err)
	_, err = p.Clients.IAM.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String(role.Name), PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	require.NoError(t, err)

	var plans [2]string
	for i, batched := range []bool{false, true} {
		p.BatchedReads = batched
		plan, err := p.Plan(ctx)
		require.NoError(t, err)
		var text strings.Builder
		plan.WriteText(&text)
		plans[i] = text.String()
	}
	assert.Equal(t, plans[0], plans[1], "the same plan from either reader")
	for _, field := range []string{"description:", "inline policy " + role.InlinePolicyName + ":", "permissions boundary:"} {
		assert.Contains(t, plans[1], field)
	}
}

// TestBatchedReadsFallBackWhenDenied: without
// iam:GetAccountAuthorizationDetails the plan reads role by role, says so
// once, and finds the same.
func TestBatchedReadsFallBackWhenDenied(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 2, nil)
	p := newPlanner(t, px, m)
	apply(t, p)
	px.inject(&fault{match: func(c call) bool { return c.action == "GetAccountAuthorizationDetails" }, status: 403, share: 1,
		body: iamError("AccessDenied", "not authorized to perform: iam:GetAccountAuthorizationDetails")})
	var log strings.Builder
	p.Log = &log
	p.BatchedReads = true
	for i := 0; i < 2; i++ {
		plan, err := p.Plan(context.Background())
		require.NoError(t, err)
		assert.False(t, plan.HasChanges())
	}
	assert.Equal(t, 1, strings.Count(log.String(), "iam:GetAccountAuthorizationDetails is denied; reading roles one by one"))
}
