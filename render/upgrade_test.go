package render_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

func request(ns, name string, sas []string, entries ...render.StatementEntry) render.CredentialsRequest {
	return render.CredentialsRequest{Name: name, Namespace: "openshift-cloud-credential-operator",
		SecretRef: render.NamespacedName{Namespace: ns, Name: name}, ServiceAccountNames: sas, StatementEntries: entries}
}

func allow(resource string, actions ...string) render.StatementEntry {
	return render.StatementEntry{Effect: "Allow", Action: actions, Resource: resource}
}

func TestDiffReleases(t *testing.T) {
	kms := allow("*", "kms:CreateGrant")
	kms.PolicyCondition = map[string]map[string]any{"Bool": {"kms:GrantIsForAWSResource": true}}
	from := []render.CredentialsRequest{
		request("ns-a", "grows", []string{"op"}, allow("*", "ec2:A", "ec2:B")),
		request("ns-a", "gone", []string{"op"}, allow("*", "s3:X")),
		request("ns-a", "moved", []string{"op"}, allow("arn:aws:s3:::old/*", "s3:GetObject")),
		request("ns-a", "same", []string{"op"}, kms),
	}
	kmsLoose := allow("*", "kms:CreateGrant")
	to := []render.CredentialsRequest{
		request("ns-a", "grows", []string{"op", "controller"}, allow("*", "ec2:A", "ec2:C")),
		request("ns-b", "new", []string{"sa"}, allow("*", "route53:List")),
		request("ns-a", "moved", []string{"op"}, allow("arn:aws:s3:::new/*", "s3:GetObject")),
		request("ns-a", "same", []string{"op"}, kmsLoose),
	}
	d := render.DiffReleases("c", render.RoleNamingTruncate, "4.18.0", from, "4.22.0", to)
	byName := map[string]render.RoleChange{}
	for _, r := range d.Roles {
		byName[r.SecretRef.Name] = r
	}
	require.Len(t, d.Roles, 5)

	grows := byName["grows"]
	assert.Equal(t, "c-ns-a-grows", grows.Role)
	assert.Equal(t, render.SetChange{Added: []string{"controller"}}, grows.ServiceAccounts, "a service account added: a trust policy update")
	require.Len(t, grows.Statements, 1)
	assert.Equal(t, render.SetChange{Added: []string{"ec2:C"}, Removed: []string{"ec2:B"}}, grows.Statements[0].Actions)
	assert.Equal(t, 1, grows.Statements[0].Unchanged)

	assert.Equal(t, render.ChangeRemoved, byName["gone"].Change)
	added := byName["new"]
	assert.Equal(t, render.ChangeAdded, added.Change)
	assert.True(t, added.NewNamespace, "no request of the source used ns-b")

	moved := byName["moved"]
	require.Len(t, moved.Statements, 1, "a resource that moved is one change, not a removal and an addition")
	assert.Equal(t, "arn:aws:s3:::old/*", moved.Statements[0].FromResource)
	assert.Equal(t, "arn:aws:s3:::new/*", moved.Statements[0].Resource)

	same := byName["same"]
	require.Len(t, same.Statements, 1)
	assert.Equal(t, `{"Bool":{"kms:GrantIsForAWSResource":true}}`, same.Statements[0].FromCondition, "a dropped condition shows")

	assert.True(t, render.DiffReleases("c", "", "a", from, "b", from).Empty())
}

// TestUnionRequests: during the upgrade window a role allows what either
// release asks, once.
func TestUnionRequests(t *testing.T) {
	from := []render.CredentialsRequest{
		request("ns-a", "grows", []string{"op"}, allow("*", "ec2:A", "ec2:B"), allow("*", "s3:X")),
		request("ns-a", "old-only", []string{"op"}, allow("*", "s3:X")),
	}
	to := []render.CredentialsRequest{
		request("ns-a", "grows", []string{"op", "controller"}, allow("*", "ec2:A", "ec2:C"), allow("*", "s3:X")),
		request("ns-b", "new-only", []string{"sa"}, allow("*", "route53:List")),
	}
	union := render.UnionRequests(from, to)
	require.Len(t, union, 3)
	grows := union[0]
	assert.Equal(t, []string{"op", "controller"}, grows.ServiceAccountNames, "the target's order, then the current release's")
	assert.Equal(t, []render.StatementEntry{allow("*", "ec2:A", "ec2:C"), allow("*", "s3:X"), allow("*", "ec2:A", "ec2:B")}, grows.StatementEntries,
		"the target's statements, then the current release's that differ; the identical s3:X statement once")
	assert.Equal(t, "new-only", union[1].Name)
	assert.Equal(t, "old-only", union[2].Name)
	assert.Equal(t, render.UnionRequests(from, to), union, "deterministic")

	p := defaultParams(t)
	m, err := render.Render(p, union)
	require.NoError(t, err, "the inline-policy size limit is checked on the union")
	assert.Len(t, m.Roles, 3)
}
