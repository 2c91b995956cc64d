package tests

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestROSAHCPExample builds examples/rosa-hcp with the real kustomize: the
// provider of the managed OIDC config, the eight operator roles (one name
// cut to 64 characters as rosa cuts it) and one RolePolicyAttachment per
// role; nothing for a bucket and no Secret.
func TestROSAHCPExample(t *testing.T) {
	dir := filepath.Join(e2e.root, "examples", "rosa-hcp")
	res := kustomizeBuild(t, dir)
	require.Equal(t, 0, res.code, res.stderr)
	golden(t, filepath.Join(e2e.root, "tests", "testdata", "outputs", "rosa-hcp-example.yaml"), res.stdout)
	nodes := parseStream(t, res.stdout)
	kinds := map[string]int{}
	for _, n := range nodes {
		kinds[n.GetKind()]++
	}
	assert.Equal(t, map[string]int{"OpenIDConnectProvider": 1, "Role": 8, "RolePolicyAttachment": 8}, kinds)
	role := find(nodes, "Role", "", "hcp-prod-a1b2-openshift-cloud-network-config-controller-cloud-cr")
	require.NotNil(t, role, "the name is cut to 64 characters")
	attachment := find(nodes, "RolePolicyAttachment", "", "hcp-prod-a1b2-openshift-cloud-network-config-controller-cloud-cr-rosacloudnetworkconfigoperatorpolicy")
	require.NotNil(t, attachment)
	assert.Equal(t, "arn:aws:iam::aws:policy/service-role/ROSACloudNetworkConfigOperatorPolicy", field(t, attachment, "spec", "forProvider", "policyArn"))
	assert.Equal(t, "https://oidc.op1.openshiftapps.com/2fkrvc0u4lbrsq0d2fgcs4t1n3kp31qg",
		field(t, find(nodes, "OpenIDConnectProvider", "", "hcp-prod-oidc"), "spec", "forProvider", "url"))
}

// TestROSAHCPPlanApplyDelete drives the CLI against moto: plan (nine to
// create, no bucket), apply, plan again (nothing to do), a ROSA config
// refused by diff, delete.
func TestROSAHCPPlanApplyDelete(t *testing.T) {
	env := awsEnv(t)
	dir := filepath.Join(e2e.root, "examples", "rosa-hcp")
	run := func(args ...string) result { return runIn(t, dir, env, e2e.stsrender, args...) }

	res := run("plan", "-f", "cluster.yaml")
	require.Equal(t, 2, res.code, res.stderr)
	assert.Contains(t, res.stdout, "+ iam-oidc-provider        arn:aws:iam::123456789012:oidc-provider/oidc.op1.openshiftapps.com/2fkrvc0u4lbrsq0d2fgcs4t1n3kp31qg: create")
	assert.Contains(t, res.stdout, "+ iam-role                 hcp-prod-a1b2-kube-system-kube-controller-manager: create")
	assert.Contains(t, res.stdout, "Summary: 9 create")
	assert.NotContains(t, res.stdout, "s3-")

	res = run("apply", "-f", "cluster.yaml", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "applied and verified: every role trusts the provider (Red Hat serves the managed OIDC config's documents)")

	res = run("plan", "-f", "cluster.yaml")
	require.Equal(t, 0, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, "Summary: 9 no change")

	// As the ROSA README writes it: no releases to name, exit 0, so a CI
	// step "diff || test $? -eq 2" works for HCP clusters too.
	res = run("diff", "-f", "cluster.yaml")
	assert.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "No AWS changes between releases for cluster.yaml")
	assert.Contains(t, res.stdout, "their policies are AWS-managed and versioned by AWS")
	res = run("diff", "--from", "a")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "diff needs --from and --to")

	res = run("delete", "-f", "cluster.yaml", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, 8, strings.Count(res.stdout, "- iam-role "), res.stdout)
	assert.Contains(t, res.stdout, "- iam-oidc-provider")
	res = run("plan", "-f", "cluster.yaml")
	assert.Equal(t, 2, res.code, "everything is gone again")

	// As ccoctl deletes: by name, without the config; the roles and the
	// provider are found by their ownership tag.
	res = run("apply", "-f", "cluster.yaml", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	res = run("delete", "--name", "hcp-prod", "--region", "us-east-1", "--account", "123456789012", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, 8, strings.Count(res.stdout, "- iam-role "), res.stdout)
	assert.Contains(t, res.stdout, "- iam-oidc-provider        arn:aws:iam::123456789012:oidc-provider/oidc.op1.openshiftapps.com/")
}
