package awsapply

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

func TestCanonicalJSONWritesBothSidesAlike(t *testing.T) {
	remote := `%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22s3%3AGetObject%22%2C%20%22Resource%22%3A%20%22%2A%22%7D%5D%7D`
	local := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	assert.Equal(t, canonicalJSON(local), canonicalJSON(remote), "URL-encoded and spaced, or compact: one form")
	assert.Equal(t, `{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}`, canonicalJSON(local))
	assert.Equal(t, `{"n":18446744073709551617}`, canonicalJSON(`{"n": 18446744073709551617}`), "numbers as written")
	assert.Equal(t, "not json", canonicalJSON("not json"))
}

func TestKeySetDiffByKid(t *testing.T) {
	keys := func(files ...string) []byte {
		var pks []render.PublicKey
		for _, f := range files {
			pem, err := os.ReadFile(filepath.Join("..", "render", "testdata", "keys", f))
			require.NoError(t, err)
			pks = append(pks, render.PublicKey{Source: f, PEM: pem})
		}
		m, err := render.Render(render.Params{Name: "k", AccountID: motoAccount, Region: "us-east-2", PublicKeys: pks}, nil)
		require.NoError(t, err)
		return m.Bucket.Objects[1].Body
	}
	primary, previous := keys("primary.pub"), keys("previous.pub")
	both := keys("primary.pub", "previous.pub")
	diffs, ok := jwksDiffs(primary, both)
	require.True(t, ok)
	require.Len(t, diffs, 1)
	assert.Regexp(t, `^keys.json kid [A-Za-z0-9_-]{43} \(added\)$`, diffs[0].Field)
	assert.Empty(t, diffs[0].Current)
	assert.Regexp(t, `^RSA \d+-bit, alg RS256, use sig, n .{12}…$`, diffs[0].Desired)

	diffs, ok = jwksDiffs(both, previous)
	require.True(t, ok)
	require.Len(t, diffs, 1)
	assert.Contains(t, diffs[0].Field, "(removed)")

	for _, d := range diffs {
		assert.Less(t, len(d.Current)+len(d.Desired), 120, "no multi-line modulus")
	}
	_, ok = jwksDiffs([]byte("<html>"), both)
	assert.False(t, ok)
}

// TestPlanDiffsAreReadable: a key rotation shows as a kid added, and a
// drifted inline policy shows both sides in the same canonical form.
func TestPlanDiffsAreReadable(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	m := testModel(t, 1, nil)
	p := newPlanner(t, px, m)
	ctx := context.Background()
	plan, err := p.Plan(ctx)
	require.NoError(t, err)
	require.NoError(t, p.Apply(ctx, plan))
	_, err = p.Clients.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(m.Roles[0].Name), PolicyName: aws.String(m.Roles[0].InlinePolicyName),
		PolicyDocument: aws.String(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`)})
	require.NoError(t, err)

	previous, err := os.ReadFile(filepath.Join("..", "render", "testdata", "keys", "previous.pub"))
	require.NoError(t, err)
	p.Model = testModel(t, 1, func(params *render.Params) {
		params.PublicKeys = append(params.PublicKeys, render.PublicKey{Source: "previous.pub", PEM: previous})
	})
	plan, err = p.Plan(ctx)
	require.NoError(t, err)
	var text strings.Builder
	plan.WriteText(&text)
	out := text.String()
	assert.Regexp(t, `keys.json kid [A-Za-z0-9_-]{43} \(added\):\n        - \(none\)\n        \+ RSA \d+-bit, alg RS256, use sig, n .{12}…\n`, out)
	assert.Contains(t, out, `- {"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}`)
	assert.Contains(t, out, `+ {"Statement":[{"Action":["ec2:DescribeInstances","s3:GetObject"],"Effect":"Allow","Resource":"*"}`)
	for _, line := range strings.Split(out, "\n") {
		assert.Less(t, len(line), 400, "no line carries a modulus: %s", line)
	}
	require.NoError(t, p.Apply(ctx, plan))
	again, err := p.Plan(ctx)
	require.NoError(t, err)
	assert.False(t, again.HasChanges())
}
