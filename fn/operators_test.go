package fn_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/fn"
	"github.com/stsrender/stsrender/pipeline"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const operatorRequestYAML = `apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata: {name: @NAME@, namespace: openshift-cloud-credential-operator}
spec:
  secretRef: {name: @NAME@, namespace: ops}
  serviceAccountNames: [@SA@]
  providerSpec:
    apiVersion: cloudcredential.openshift.io/v1
    kind: @KIND@
    statementEntries: [{effect: Allow, action: [s3:GetObject], resource: "*"}]
@EXTRA@`

func operatorRequestFile(name, sa, kind, extra string) string {
	return strings.NewReplacer("@NAME@", name, "@SA@", sa, "@KIND@", kind, "@EXTRA@", extra).Replace(operatorRequestYAML)
}

// TestOperatorInputs: every bad input of spec.operators is an error naming
// the file, the document and the field, before anything is rendered.
func TestOperatorInputs(t *testing.T) {
	key, err := os.ReadFile(filepath.Join("testdata", "shared", "sa-signer.pub"))
	require.NoError(t, err)
	for _, c := range []struct {
		reason, operators string
		files             map[string]string
		wantErr           string
	}{
		{"a file of another kind", "  - {name: op, namespace: ops, credentialsRequests: [cm.yaml]}\n",
			map[string]string{"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"},
			"spec.operators[0].credentialsRequests[0]: cm.yaml: document 1 (ConfigMap x): is not a CredentialsRequest"},
		{"another cloud's request", "  - {name: op, namespace: ops, credentialsRequests: [gcp.yaml]}\n",
			map[string]string{"gcp.yaml": operatorRequestFile("gcp", "sa", "GCPProviderSpec", "")},
			`provider spec "GCPProviderSpec" is not AWSProviderSpec; stsrender renders AWS roles only`},
		{"a request listed twice", "  - {name: op, namespace: ops, credentialsRequests: [a.yaml], operandCredentialsRequests: [a.yaml]}\n",
			map[string]string{"a.yaml": operatorRequestFile("a", "sa", "AWSProviderSpec", "")},
			"spec.operators[0].operandCredentialsRequests[0]: a.yaml is also listed at spec.operators[0].credentialsRequests[0]"},
		{"two entries for one Subscription", "  - {name: op, namespace: ops, credentialsRequests: [a.yaml]}\n  - {name: op, namespace: ops, credentialsRequests: [b.yaml]}\n",
			map[string]string{"a.yaml": operatorRequestFile("a", "sa", "AWSProviderSpec", ""), "b.yaml": operatorRequestFile("b", "sa", "AWSProviderSpec", "")},
			"spec.operators[1]: Subscription ops/op is also claimed by spec.operators[0]"},
		{"an stsIAMRoleARN in another account", "  - {name: op, namespace: ops, credentialsRequests: [a.yaml]}\n",
			map[string]string{"a.yaml": strings.Replace(operatorRequestFile("a", "sa", "AWSProviderSpec", ""), "    statementEntries", "    stsIAMRoleARN: arn:aws:iam::210987654321:role/a\n    statementEntries", 1)},
			`spec.providerSpec.stsIAMRoleARN: "arn:aws:iam::210987654321:role/a" is not a role in account 123456789012`},
		{"no service accounts", "  - {name: op, namespace: ops, credentialsRequests: [a.yaml]}\n",
			map[string]string{"a.yaml": strings.Replace(operatorRequestFile("a", "sa", "AWSProviderSpec", ""), "  serviceAccountNames: [sa]\n", "", 1)},
			"a.yaml: document 1 (CredentialsRequest openshift-cloud-credential-operator/a): spec.serviceAccountNames is empty, as some operators create their requests: list the service accounts that assume the role in spec.operators[0].credentialsRequests[0].serviceAccounts"},
		{"env for a file of two requests", "  - {name: op, namespace: ops, credentialsRequests: [{file: two.yaml, env: NODE_ROLEARN}]}\n",
			map[string]string{"two.yaml": operatorRequestFile("a", "sa", "AWSProviderSpec", "") + "---\n" + operatorRequestFile("b", "sa", "AWSProviderSpec", "")},
			"spec.operators[0].credentialsRequests[0].env: two.yaml holds 2 requests"},
		{"a variable name that is none", "  - {name: op, namespace: ops, credentialsRequests: [{file: a.yaml, env: ROLE-ARN}]}\n",
			map[string]string{"a.yaml": operatorRequestFile("a", "sa", "AWSProviderSpec", "")},
			`spec.operators[0].credentialsRequests[0].env: "ROLE-ARN" is not an environment variable name`},
		{"a file outside the kustomization", "  - {name: op, namespace: ops, credentialsRequests: [../outside.yaml]}\n",
			map[string]string{},
			"spec.operators[0].credentialsRequests[0]: ../outside.yaml"},
	} {
		t.Run(c.reason, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "sa.pub"), key, 0o644))
			for name, body := range c.files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
			}
			config := "apiVersion: stsrender.dev/v1alpha1\nkind: STSCredentials\nmetadata: {name: x}\nspec:\n  name: x\n  aws: {accountID: \"123456789012\", region: us-east-2}\n  oidc: {publicKeyFile: sa.pub}\n  operators:\n" + c.operators
			cfg, err := pipeline.ParseConfig("c.yaml", []byte(config), dir)
			if err == nil {
				err = cfg.Confine(dir)
			}
			if err == nil {
				_, err = pipeline.Build(context.Background(), cfg, pipeline.Options{})
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.wantErr)
		})
	}
}

// TestOperatorServiceAccounts: serviceAccounts completes a request that
// lists none, and the first own request feeds ROLEARN.
func TestOperatorServiceAccounts(t *testing.T) {
	dir := t.TempDir()
	key, err := os.ReadFile(filepath.Join("testdata", "shared", "sa-signer.pub"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sa.pub"), key, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(strings.Replace(operatorRequestFile("a", "sa", "AWSProviderSpec", ""), "  serviceAccountNames: [sa]\n", "", 1)), 0o644))
	config := "apiVersion: stsrender.dev/v1alpha1\nkind: STSCredentials\nmetadata: {name: x}\nspec:\n  name: x\n  aws: {accountID: \"123456789012\", region: us-east-2}\n  oidc: {publicKeyFile: sa.pub}\n  operators:\n  - {name: op, namespace: ops, credentialsRequests: [{file: a.yaml, serviceAccounts: [controller, velero]}]}\n"
	cfg, err := pipeline.ParseConfig("c.yaml", []byte(config), dir)
	require.NoError(t, err)
	result, err := pipeline.Build(context.Background(), cfg, pipeline.Options{})
	require.NoError(t, err)
	require.Len(t, result.Model.Roles, 1)
	assert.Equal(t, []string{"controller", "velero"}, result.Model.Roles[0].Request.ServiceAccountNames)
	assert.False(t, result.Model.Roles[0].HasSecret())
	require.Len(t, result.Model.Operators, 1)
	assert.Equal(t, "ROLEARN", result.Model.Operators[0].Env[0].Name)
	assert.Equal(t, "arn:aws:iam::123456789012:role/x-ops-a", result.Model.Operators[0].Env[0].Value)
}

// TestOperatorServiceAccountsOnTheWebhook: an operator that reads the pod
// identity webhook's role (cert-manager) gets its ServiceAccount's
// annotations as a server-side patch, not as an object OLM would fight.
func TestOperatorServiceAccountsOnTheWebhook(t *testing.T) {
	dir := t.TempDir()
	key, err := os.ReadFile(filepath.Join("testdata", "shared", "sa-signer.pub"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sa.pub"), key, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "route53.yaml"), []byte(operatorRequestFile("cert-manager-route53", "cert-manager", "AWSProviderSpec", "")), 0o644))
	input := `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items: []
functionConfig:
  apiVersion: stsrender.dev/v1alpha1
  kind: STSCredentials
  metadata: {name: x}
  spec:
    name: x
    aws: {accountID: "123456789012", region: us-east-2}
    oidc: {publicKeyFile: sa.pub}
    outputs:
      authentication: false
      serviceAccounts: {annotate: true}
    operators:
    - {name: cert-manager, namespace: ops, credentialsRequests: [route53.yaml]}
`
	var out strings.Builder
	rw := &kio.ByteReadWriter{Reader: strings.NewReader(input), Writer: &out, KeepReaderAnnotations: true}
	require.NoError(t, framework.Execute(&fn.Processor{WorkDir: dir}, rw))
	nodes, err := kio.FromBytes([]byte(out.String()))
	require.NoError(t, err)
	var sa *yaml.RNode
	for _, n := range nodes {
		if n.GetKind() == "ServiceAccount" {
			sa = n
		}
	}
	require.NotNil(t, sa, out.String())
	annotations := sa.GetAnnotations()
	assert.Equal(t, "arn:aws:iam::123456789012:role/x-ops-cert-manager-route53", annotations["eks.amazonaws.com/role-arn"])
	assert.Equal(t, "ServerSideApply=true", annotations["argocd.argoproj.io/sync-options"])
	assert.Equal(t, "Merge", annotations["kustomize.toolkit.fluxcd.io/ssa"])
	assert.Contains(t, out.String(), "Subscription ops/cert-manager is not in the resource stream: set its spec.config.env yourself (ROLEARN=arn:aws:iam::123456789012:role/x-ops-cert-manager-route53)", "a warning result")
}
