package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	alboRole       = "demo-aws-load-balancer-operator-aws-load-balancer-operator"
	alboController = "demo-aws-load-balancer-operator-aws-load-balancer-controller-clu"
	oadpRole       = "demo-openshift-adp-cloud-credentials"
)

// TestOperatorsExample builds examples/operators with the real kustomize:
// each Subscription gets its ROLEARN (the team's own variable kept), the
// ConfigMap of role ARNs is wired into the ALBO controller by a
// replacement, no Secret is emitted, and an automatic installPlanApproval
// is a warning.
func TestOperatorsExample(t *testing.T) {
	dir := filepath.Join(e2e.root, "examples", "operators")
	res := kustomizeBuild(t, dir)
	require.Equal(t, 0, res.code, res.stderr)
	golden(t, filepath.Join(dir, "expected.yaml"), res.stdout)
	nodes := parseStream(t, res.stdout)
	arn := func(role string) string { return "arn:aws:iam::123456789012:role/" + role }

	albo := find(nodes, "Subscription", "aws-load-balancer-operator", "aws-load-balancer-operator")
	assert.Equal(t, arn(alboRole), field(t, albo, "spec", "config", "env", "[name=ROLEARN]", "value"))
	oadp := find(nodes, "Subscription", "openshift-adp", "redhat-oadp-operator")
	assert.Equal(t, arn(oadpRole), field(t, oadp, "spec", "config", "env", "[name=ROLEARN]", "value"))
	assert.Equal(t, `"off"`, field(t, oadp, "spec", "config", "env", "[name=HTTP_PROXY_EXAMPLE]", "value"), "the Subscription's other variables stay")
	controller := find(nodes, "AWSLoadBalancerController", "", "cluster")
	assert.Equal(t, arn(alboController), field(t, controller, "spec", "credentialsRequestConfig", "stsIAMRoleARN"), "the replacement from the ConfigMap")
	cm := find(nodes, "ConfigMap", "openshift-adp", "stsrender-role-arns")
	assert.Equal(t, arn(oadpRole), field(t, cm, "data", "oadp-aws-credentials-request"))
	for _, n := range nodes {
		assert.NotEqual(t, "Secret", n.GetKind(), "CCO writes these requests' Secrets")
		assert.NotEqual(t, "CredentialsRequest", n.GetKind(), "the request files are inputs")
	}
	assert.Contains(t, res.stderr, "Subscription openshift-adp/redhat-oadp-operator: installPlanApproval is Automatic (the default)")
	assert.NotContains(t, res.stderr, "aws-load-balancer-operator: installPlanApproval", "ALBO's is Manual")
}

// TestOperatorsCLIAndApply: the CLI renders the same roles (and the
// Subscription patch and ConfigMaps as files), and apply creates exactly
// them in moto, with the trust OADP's velero needs.
func TestOperatorsCLIAndApply(t *testing.T) {
	env := awsEnv(t)
	dir := copyExample(t, "operators")
	base := filepath.Join(dir, "base")
	run := func(args ...string) result { return runIn(t, base, env, e2e.stsrender, args...) }

	res := run("render", "-f", "sts-credentials.yaml", "-o", "out")
	require.Equal(t, 0, res.code, res.stderr)
	roles, err := filepath.Glob(filepath.Join(base, "out", "iam", "roles", "*.json"))
	require.NoError(t, err)
	var names []string
	for _, r := range roles {
		names = append(names, strings.TrimSuffix(filepath.Base(r), ".json"))
	}
	want := []string{alboController, alboRole, oadpRole}
	sort.Strings(want)
	assert.Equal(t, want, names)
	patch, err := os.ReadFile(filepath.Join(base, "out", "manifests", "subscription-aws-load-balancer-operator-aws-load-balancer-operator-patch.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata:\n  name: aws-load-balancer-operator\n  namespace: aws-load-balancer-operator\nspec:\n  config:\n    env:\n      - name: ROLEARN\n        value: arn:aws:iam::123456789012:role/"+alboRole+"\n", string(patch))
	assert.FileExists(t, filepath.Join(base, "out", "manifests", "openshift-adp-stsrender-role-arns-role-arns.yaml"))
	secrets, err := filepath.Glob(filepath.Join(base, "out", "manifests", "*-credentials.yaml"))
	require.NoError(t, err)
	assert.Empty(t, secrets, "no Secret")

	var oadp struct {
		AssumeRolePolicyDocument struct {
			Statement []struct {
				Condition map[string]map[string][]string
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(base, "out", "iam", "roles", oadpRole+".json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &oadp))
	assert.Equal(t, []string{"system:serviceaccount:openshift-adp:openshift-adp-controller-manager", "system:serviceaccount:openshift-adp:velero"},
		oadp.AssumeRolePolicyDocument.Statement[0].Condition["StringEquals"]["demo-oidc.s3.us-east-2.amazonaws.com:sub"])

	// kustomize renders the same roles, here for Crossplane.
	cfg := filepath.Join(base, "sts-credentials.yaml")
	data, err = os.ReadFile(cfg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(data), "    authentication: false", "    authentication: false\n    aws: crossplane", 1)), 0o644))
	built := kustomizeBuild(t, base)
	require.Equal(t, 0, built.code, built.stderr)
	var fromKustomize []string
	for _, n := range parseStream(t, built.stdout) {
		if n.GetKind() == "Role" {
			fromKustomize = append(fromKustomize, n.GetAnnotations()["crossplane.io/external-name"])
		}
	}
	sort.Strings(fromKustomize)
	assert.Equal(t, want, fromKustomize, "kustomize and the CLI render the same roles")
	require.NoError(t, os.WriteFile(cfg, data, 0o644))

	res = run("apply", "-f", "sts-credentials.yaml", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	for _, name := range want {
		assert.Contains(t, res.stderr, "creating iam-role "+name)
	}
	res = run("plan", "-f", "sts-credentials.yaml")
	assert.Equal(t, 0, res.code, res.stdout)
	assert.Equal(t, 3, strings.Count(res.stdout, "= iam-role "), res.stdout)
}
