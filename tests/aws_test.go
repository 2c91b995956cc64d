package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/internal/mototest"
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
	dir := copyExample(t, "installer")
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

	res = run("delete", "-f", "cluster.yaml", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "- iam-oidc-provider")
	res = run("plan", "-f", "cluster.yaml")
	assert.Equal(t, 2, res.code, "everything is gone again")
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
