package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// TestOperatorCreatedRequests renders the corpus of requests operators
// publish or create (tests/testdata/operator-requests, SOURCES.md) and
// compares with what the tools that handle them today produce: ccoctl's
// role names and Secrets for the requests a user renders (ALBO's), and the
// Secret CCO's actuator writes for the requests operators create with an
// stsIAMRoleARN (Loki, OADP), whose role stsrender renders and whose
// Secret it leaves to CCO.
func TestOperatorCreatedRequests(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(dir, "requests"), os.DirFS(filepath.Join(e2e.root, "tests", "testdata", "operator-requests"))))
	writeQuickstartKey(t, filepath.Join(dir, "sa.pub"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cluster.yaml"), []byte(`apiVersion: stsrender.dev/v1alpha1
kind: STSCredentials
metadata: {name: ops}
spec:
  name: ops
  aws: {accountID: "123456789012", region: us-east-1}
  oidc: {publicKeyFile: sa.pub}
  release: {manifestsDir: requests}
`), 0o644))
	res := runIn(t, dir, nil, e2e.stsrender, "render", "-f", "cluster.yaml", "-o", "out")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "stsrender: release: selected 4 AWS CredentialsRequests\n")

	type roleFile struct {
		RoleName                 string
		AssumeRolePolicyDocument struct {
			Statement []struct {
				Condition map[string]map[string][]string
			}
		}
	}
	readRole := func(name string) roleFile {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, "out", "iam", "roles", name+".json"))
		require.NoError(t, err, "role %s rendered", name)
		var r roleFile
		require.NoError(t, json.Unmarshal(data, &r))
		return r
	}
	subjects := func(r roleFile) []string {
		return r.AssumeRolePolicyDocument.Statement[0].Condition["StringEquals"]["ops-oidc.s3.us-east-1.amazonaws.com:sub"]
	}
	secretCredentials := func(file string) (string, bool) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, "out", "manifests", file))
		if os.IsNotExist(err) {
			return "", false
		}
		require.NoError(t, err)
		var s struct {
			StringData struct{ Credentials string } `json:"stringData"`
		}
		require.NoError(t, yaml.Unmarshal(data, &s))
		return s.StringData.Credentials, true
	}
	// ccoctl's Secret for a request (createIAMRoles' template).
	ccoctlSecret := func(roleName string) string {
		return fmt.Sprintf("[default]\nsts_regional_endpoints = regional\nrole_arn = arn:aws:iam::123456789012:role/%s\nweb_identity_token_file = /var/run/secrets/openshift/serviceaccount/token", roleName)
	}

	for _, c := range []struct {
		request, role, secretFile string
		serviceAccounts           []string
	}{
		{"aws-load-balancer-operator", "ops-aws-load-balancer-operator-aws-load-balancer-operator",
			"aws-load-balancer-operator-aws-load-balancer-operator-credentials.yaml", []string{"aws-load-balancer-operator-controller-manager"}},
		{"aws-load-balancer-controller", "ops-aws-load-balancer-operator-aws-load-balancer-controller-clus",
			"aws-load-balancer-operator-aws-load-balancer-controller-cluster-credentials.yaml", []string{"aws-load-balancer-controller-cluster"}},
	} {
		role := readRole(c.role)
		assert.Equal(t, c.role, role.RoleName, "ccoctl's name: <name>-<namespace>-<secret>, cut to 64")
		var want []string
		for _, sa := range c.serviceAccounts {
			want = append(want, "system:serviceaccount:aws-load-balancer-operator:"+sa)
		}
		assert.Equal(t, want, subjects(role), c.request)
		credentials, ok := secretCredentials(c.secretFile)
		require.True(t, ok, "%s: stsrender writes the Secret, as ccoctl does", c.request)
		assert.Equal(t, ccoctlSecret(c.role), credentials, "%s: the Secret ccoctl writes", c.request)
	}

	// The Secret CCO's actuator writes for a request with stsIAMRoleARN
	// (syncSTSSecret): the ARN, and cloudTokenPath (else the pod's token).
	ccoSecret := func(roleARN, tokenPath string) string {
		return fmt.Sprintf("[default]\nsts_regional_endpoints = regional\nrole_arn = %s\nweb_identity_token_file = %s", roleARN, tokenPath)
	}
	for _, c := range []struct {
		request, role, secretFile, namespace, tokenPath string
		serviceAccounts                                 []string
	}{
		{"loki", "logging-loki-s3", "openshift-logging-logging-loki-managed-credentials-credentials.yaml", "openshift-logging", "/var/run/secrets/storage/serviceaccount/token", []string{"logging-loki", "logging-loki-ruler"}},
		{"oadp", "oadp-velero", "openshift-adp-cloud-credentials-credentials.yaml", "openshift-adp", "/var/run/secrets/openshift/serviceaccount/token", []string{"openshift-adp-controller-manager"}},
	} {
		role := readRole(c.role)
		assert.Equal(t, c.role, role.RoleName, "%s: the role the stsIAMRoleARN names", c.request)
		var want []string
		for _, sa := range c.serviceAccounts {
			want = append(want, "system:serviceaccount:"+c.namespace+":"+sa)
		}
		assert.Equal(t, want, subjects(role), c.request)
		_, ok := secretCredentials(c.secretFile)
		assert.False(t, ok, "%s: no Secret from stsrender: CCO writes it", c.request)
		cco := ccoSecret("arn:aws:iam::123456789012:role/"+c.role, c.tokenPath)
		assert.Contains(t, cco, "role_arn = arn:aws:iam::123456789012:role/"+role.RoleName, "%s: CCO's Secret names the role stsrender renders", c.request)
	}
}
