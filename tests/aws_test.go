package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/internal/testsupport/mototest"
)

// awsEnv points the AWS SDK at moto the way users point it at any endpoint.
func awsEnv(t *testing.T) []string {
	t.Helper()
	mototest.Require(t, e2e.moto)
	return []string{
		"AWS_ENDPOINT_URL=" + e2e.moto.Endpoint,
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing-secret-key",
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
	}
}

// TestPlanApplyDelete drives the CLI as an operator would: plan (changes,
// exit 2), apply refused without a terminal or --yes, apply --yes, plan
// again (exit 0), delete refused without --yes, delete --yes.
func TestPlanApplyDelete(t *testing.T) {
	env := awsEnv(t)
	dir := installerExample(t)
	run := func(args ...string) result { return runIn(t, dir, env, e2e.stsrender, args...) }

	res := run("plan", "-f", "cluster.yaml")
	require.Equal(t, 2, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Plan for demo in account 123456789012 (us-east-2):")
	assert.Contains(t, res.stdout, "+ s3-bucket                demo-oidc: create")
	assert.Contains(t, res.stdout, "+ iam-role                 demo-openshift-ingress-operator-cloud-credentials: create")
	assert.Contains(t, res.stdout, "Summary: 9 create")

	res = run("apply", "-f", "cluster.yaml")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "refusing to apply without --yes: standard input is not a terminal")

	res = run("apply", "-f", "cluster.yaml", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "creating iam-role demo-openshift-machine-api-aws-cloud-credentials")
	assert.Contains(t, res.stderr, "applied and verified")
	assert.NotContains(t, res.stdout+res.stderr, "testing-secret-key", "credentials never appear in output")

	res = run("plan", "-f", "cluster.yaml", "-o", "json")
	require.Equal(t, 0, res.code, res.stderr)
	var plan struct {
		Changes []struct{ Kind, Name, Action string }
	}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &plan))
	require.Len(t, plan.Changes, 9)
	for _, c := range plan.Changes {
		assert.Equal(t, "no change", c.Action, c.Name)
	}

	res = run("apply", "-f", "cluster.yaml")
	require.Equal(t, 0, res.code, "nothing to change: no confirmation needed: %s", res.stderr)

	res = run("delete", "-f", "cluster.yaml")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "delete needs --yes")

	// Deleting needs neither the release image nor the keys, which may be
	// gone by then.
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "..", "quickstart", "release-image")))
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "keys")))
	res = run("delete", "-f", "cluster.yaml", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "- iam-oidc-provider")
	assert.Contains(t, res.stdout, "- iam-role                 demo-openshift-ingress-operator-cloud-credentials: delete")
	res = run("delete", "-f", "cluster.yaml", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Summary: nothing to do: no resource of this cluster exists")
}

// TestDeleteByName deletes like ccoctl aws delete --name N --region R: no
// config, the account from the credentials, the provider found by its tag.
// A cluster whose name is a prefix of ours is left alone.
func TestDeleteByName(t *testing.T) {
	env := awsEnv(t)
	dir := installerExample(t)
	run := func(args ...string) result { return runIn(t, dir, env, e2e.stsrender, args...) }
	cfg, err := os.ReadFile(filepath.Join(dir, "cluster.yaml"))
	require.NoError(t, err)
	other := strings.ReplaceAll(string(cfg), "name: demo", "name: dem")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.yaml"), []byte(other), 0o644))
	for _, c := range []string{"cluster.yaml", "other.yaml"} {
		res := run("apply", "-f", c, "--yes")
		require.Equal(t, 0, res.code, res.stderr)
	}

	res := run("delete", "--name", "demo", "--region", "us-east-2", "--account", "999999999999", "--yes")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "the AWS credentials are for account 123456789012 but the cluster's account (spec.aws.accountID, or --account) is 999999999999")

	res = run("delete", "--name", "demo", "--region", "us-east-2", "--yes")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "--name needs --account")

	res = run("delete", "--name", "demo", "--region", "us-east-2", "--account", "123456789012", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Plan for demo in account 123456789012 (us-east-2):")
	assert.Contains(t, res.stdout, "- iam-oidc-provider        arn:aws:iam::123456789012:oidc-provider/demo-oidc.s3.us-east-2.amazonaws.com: delete")
	assert.Contains(t, res.stdout, "Summary: 9 delete", "5 roles, the provider, 2 objects, the bucket")
	assert.NotContains(t, res.stdout, "dem-openshift", "another cluster's roles are not ours")

	res = run("plan", "-f", "other.yaml")
	assert.Equal(t, 0, res.code, "the cluster named dem is untouched: %s", res.stdout)

	res = run("delete", "--name", "demo", "--yes")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "--name needs --region")
	res = run("delete", "--yes")
	assert.Contains(t, res.stderr, "delete needs either -f CONFIG or --name NAME with --region REGION")
}

// TestDeleteByNameInTheWrongAccount: a shell whose credentials belong to
// another account (a second moto) that has a cluster of the same name.
// The documented by-name delete, pasted there, deletes nothing: --account
// is required and checked against the credentials.
func TestDeleteByNameInTheWrongAccount(t *testing.T) {
	awsEnv(t)
	second, err := mototest.Start("MOTO_ACCOUNT_ID=210987654321")
	require.NoError(t, err)
	t.Cleanup(second.Stop)
	env := []string{
		"AWS_ENDPOINT_URL=" + second.Endpoint,
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing-secret-key",
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
	}
	dir := installerExample(t)
	cfg, err := os.ReadFile(filepath.Join(dir, "cluster.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "theirs.yaml"), []byte(strings.ReplaceAll(string(cfg), "123456789012", "210987654321")), 0o644))
	run := func(args ...string) result { return runIn(t, dir, env, e2e.stsrender, args...) }
	require.Equal(t, 0, run("apply", "-f", "theirs.yaml", "--yes").code)

	res := run("delete", "--name", "demo", "--region", "us-east-2", "--yes")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "--name needs --account")
	res = run("delete", "--name", "demo", "--region", "us-east-2", "--account", "123456789012", "--yes")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "the AWS credentials are for account 210987654321")
	res = run("plan", "-f", "theirs.yaml")
	assert.Equal(t, 0, res.code, "the other account's cluster is whole: %s", res.stdout)
}

func TestPermissionsScopedToAConfig(t *testing.T) {
	dir := installerExample(t)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "keys")), "the keys are not needed")
	res := runIn(t, dir, nil, e2e.stsrender, "permissions", "-f", "cluster.yaml")
	require.Equal(t, 0, res.code, res.stderr)
	var doc struct {
		Statement []struct {
			Action   []string
			Resource any
		}
	}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &doc))
	resources := map[string]any{}
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			resources[a] = s.Resource
		}
	}
	assert.Equal(t, "arn:aws:iam::123456789012:role/demo-*", resources["iam:PutRolePolicy"])
	assert.Equal(t, "arn:aws:iam::123456789012:oidc-provider/demo-oidc.s3.us-east-2.amazonaws.com", resources["iam:CreateOpenIDConnectProvider"])
	assert.Equal(t, "arn:aws:s3:::demo-oidc", resources["s3:CreateBucket"])
	assert.Equal(t, []any{"arn:aws:s3:::demo-oidc/.well-known/openid-configuration", "arn:aws:s3:::demo-oidc/keys.json"}, resources["s3:PutObject"])
}

// TestUnreachableAWSFailsFast: a closed port as the endpoint fails within
// seconds, naming the service and endpoint, instead of retrying for minutes.
func TestUnreachableAWSFailsFast(t *testing.T) {
	dir := installerExample(t)
	env := []string{"AWS_ENDPOINT_URL=http://127.0.0.1:1", "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y",
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull}
	start := time.Now()
	res := runIn(t, dir, env, e2e.stsrender, "plan", "-f", "cluster.yaml")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "cannot reach the AWS STS endpoint http://127.0.0.1:1")
	assert.Less(t, time.Since(start), 10*time.Second)

	res = runIn(t, dir, env, e2e.stsrender, "plan", "-f", "cluster.yaml", "--timeout", "1ns")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "gave up after --timeout 1ns")
}

// TestKustomizeApply runs the quickstart with spec.apply: true: without the
// operator's STSRENDER_ALLOW_APPLY the render refuses and AWS is untouched;
// with it, the render creates the AWS side, and a second build changes
// nothing.
func TestKustomizeApply(t *testing.T) {
	env := awsEnv(t)
	dir := copyExample(t, "quickstart")
	cfg := filepath.Join(dir, "sts-credentials.yaml")
	data, err := os.ReadFile(cfg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(data), "  release:\n", "  apply: true\n  release:\n", 1)), 0o644))

	res := runIn(t, dir, env, e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	require.NotEqual(t, 0, res.code)
	assert.Empty(t, res.stdout)
	assert.Contains(t, res.stderr, "STSRENDER_ALLOW_APPLY=123456789012")
	plan := runIn(t, dir, env, e2e.stsrender, "plan", "-f", "sts-credentials.yaml")
	assert.Equal(t, 2, plan.code, "a config in Git alone wrote nothing: %s", plan.stdout)
	assert.NotContains(t, plan.stdout, "= iam-oidc-provider")

	env = append(env, "STSRENDER_ALLOW_APPLY=123456789012")
	build := func() result {
		return runIn(t, dir, env, e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	}
	res = build()
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "creating iam-oidc-provider")
	assert.Contains(t, res.stderr, "applied and verified")
	want, err := os.ReadFile(filepath.Join(e2e.root, "examples", "quickstart", "expected.yaml"))
	require.NoError(t, err)
	assert.Equal(t, string(want), res.stdout, "the manifests are the same as an offline render")

	res = build()
	require.Equal(t, 0, res.code, res.stderr)
	assert.NotContains(t, res.stderr, "creating")
	assert.NotContains(t, res.stderr, "updating")
}

// TestApplyOnlyIssuerDocuments is the ACK pairing: ACK owns the bucket (here
// created beforehand, untagged, as a controller would) and cannot upload
// objects; apply --only issuer-documents writes and verifies the two
// documents and makes no other call that changes anything: no role, no
// provider, no bucket setting.
func TestApplyOnlyIssuerDocuments(t *testing.T) {
	env := awsEnv(t)
	dir := installerExample(t)
	run := func(args ...string) result { return runIn(t, dir, env, e2e.stsrender, args...) }

	res := run("apply", "-f", "cluster.yaml", "--only", "issuer-documents", "--yes")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "bucket demo-oidc does not exist yet: create it first")

	res = run("apply", "-f", "cluster.yaml", "--only", "roles", "--yes")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, `--only "roles": the one part apply can do alone is issuer-documents`)

	// A bucket without the public-read policy: publishing works, the
	// anonymous read-back fails and says so.
	createBucket(t, env, "demo-oidc", "")
	res = run("apply", "-f", "cluster.yaml", "--only", "issuer-documents", "--yes")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "verify: read demo-oidc/.well-known/openid-configuration anonymously: access denied: the bucket's policy does not allow anonymous s3:GetObject")
	assert.Contains(t, res.stderr, "check that its Bucket object carries the policy and has synced")
	assert.NotContains(t, res.stderr, "StatusCode: 403", "not the SDK's text")

	// What ACK's Bucket does with the rendered spec.policy.
	out := filepath.Join(t.TempDir(), "out")
	require.Equal(t, 0, run("render", "-f", "cluster.yaml", "-o", out).code)
	var bucket struct{ Policy json.RawMessage }
	data, err := os.ReadFile(filepath.Join(out, "s3", "bucket.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &bucket))
	createBucket(t, env, "demo-oidc", string(bucket.Policy))

	res = run("apply", "-f", "cluster.yaml", "--only", "issuer-documents", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "= s3-object                demo-oidc/.well-known/openid-configuration: no change", "written by the first run")
	assert.NotContains(t, res.stdout, "iam-role")
	assert.NotContains(t, res.stdout, "iam-oidc-provider")
	assert.Contains(t, res.stderr, "published and verified")

	res = run("plan", "-f", "cluster.yaml")
	assert.Equal(t, 2, res.code)
	assert.Contains(t, res.stdout, "+ iam-oidc-provider", "the provider and roles were left to ACK")
	assert.Contains(t, res.stdout, "! s3-bucket                demo-oidc: conflict", "the bucket stays ACK's: the full apply would not take it without --adopt")

	res = run("apply", "-f", "cluster.yaml", "--only", "issuer-documents", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Summary: 2 no change", "idempotent")
}
