package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const ingressRoleARN = "arn:aws:iam::123456789012:role/demo-openshift-ingress-operator-cloud-credentials"

func TestQuickstart(t *testing.T) {
	dir := filepath.Join(e2e.root, "examples", "quickstart")
	res := kustomizeBuild(t, dir)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Empty(t, res.stderr, "the function is quiet unless asked to explain")
	golden(t, filepath.Join(dir, "expected.yaml"), res.stdout)

	nodes := parseStream(t, res.stdout)
	require.Len(t, nodes, 6, "5 Secrets (ImageRegistry disabled, capi gated off) and the Authentication")
	auth := find(nodes, "Authentication", "", "cluster")
	assert.Equal(t, "https://demo-oidc.s3.us-east-2.amazonaws.com", field(t, auth, "spec", "serviceAccountIssuer"))
	secret := find(nodes, "Secret", "openshift-ingress-operator", "cloud-credentials")
	assert.Equal(t, "Opaque", field(t, secret, "type"))
	creds := field(t, secret, "stringData", "credentials")
	assert.Contains(t, creds, "role_arn = "+ingressRoleARN)
	assert.Contains(t, creds, "web_identity_token_file = /var/run/secrets/openshift/serviceaccount/token")
	assert.Nil(t, find(nodes, "Secret", "openshift-image-registry", "installer-cloud-credentials"))
	assert.Nil(t, find(nodes, "STSCredentials", "", "demo"), "the function config is not emitted")
	for _, n := range nodes {
		assert.NotContains(t, n.GetAnnotations(), "kustomize.config.k8s.io/needs-hash")
		assert.Equal(t, n.GetName(), strings.TrimSpace(n.GetName()))
	}
}

func TestQuickstartExplain(t *testing.T) {
	dir := filepath.Join(e2e.root, "examples", "quickstart")
	res := runIn(t, dir, []string{"STSRENDER_EXPLAIN=true"}, e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "dropped CredentialsRequest openshift-cloud-credential-operator/openshift-image-registry")
	assert.Contains(t, res.stderr, "disabled capabilities: ImageRegistry")
	assert.Contains(t, res.stderr, "feature gate ClusterAPIMachineManagement is required but not enabled in Default")
}

func TestAppCredentialsTransformer(t *testing.T) {
	dir := filepath.Join(e2e.root, "examples", "app-credentials")
	res := kustomizeBuild(t, dir)
	require.Equal(t, 0, res.code, res.stderr)
	golden(t, filepath.Join(dir, "expected.yaml"), res.stdout)

	nodes := parseStream(t, res.stdout)
	assert.NotNil(t, find(nodes, "Namespace", "", "payments"), "other items pass through")
	original, err := os.ReadFile(filepath.Join(dir, "credentials-requests.yaml"))
	require.NoError(t, err)
	cr := find(nodes, "CredentialsRequest", "openshift-cloud-credential-operator", "payments-s3")
	require.NotNil(t, cr, "the requests pass through")
	assert.Equal(t, "arn:aws:s3:::payments-invoices/*", field(t, cr, "spec", "providerSpec", "statementEntries", "[effect=Allow]", "resource"))
	assert.Contains(t, string(original), "payments-s3-credentials")

	s3 := find(nodes, "Secret", "payments", "payments-s3-credentials")
	assert.Contains(t, field(t, s3, "stringData", "credentials"), "role_arn = arn:aws:iam::123456789012:role/demo-payments-payments-s3-credentials")
	assert.NotNil(t, find(nodes, "Secret", "payments", "payments-sqs-credentials"))
	assert.Nil(t, find(nodes, "Authentication", "", "cluster"), "outputs.authentication: false")

	role := find(nodes, "IAMRole", "", "demo-payments-payments-s3-credentials")
	require.NotNil(t, role, "outputs.aws: document emits the roles")
	assert.Equal(t, "stsrender.dev/v1alpha1", role.GetApiVersion())
	trust := field(t, role, "spec", "AssumeRolePolicyDocument")
	assert.Contains(t, trust, "system:serviceaccount:payments:payments-api")
	assert.Contains(t, trust, "system:serviceaccount:payments:payments-worker")
	inline := field(t, role, "spec", "InlinePolicies", "demo-payments-payments-s3-credentials")
	assert.Contains(t, inline, "kms:ViaService: s3.us-east-2.amazonaws.com")
	assert.NotNil(t, find(nodes, "OIDCProvider", "", "demo"))
	bucket := find(nodes, "OIDCBucket", "", "demo-oidc")
	require.NotNil(t, bucket)
	assert.Contains(t, field(t, bucket, "spec", "Objects"), `"kid":`)
}

func TestInstallerExample(t *testing.T) {
	dir := copyExample(t, "installer")
	res := runIn(t, dir, nil, e2e.stsrender, "render", "-f", "cluster.yaml", "-o", "out")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "wrote 15 files for 5 CredentialsRequests to out")

	// What install.sh does next: copy the manifests into the installer's dir.
	install := filepath.Join(t.TempDir(), "manifests")
	require.NoError(t, os.MkdirAll(install, 0o755))
	entries, err := os.ReadDir(filepath.Join(dir, "out", "manifests"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, "out", "manifests", e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(install, e.Name()), data, 0o600))
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{
		"cluster-authentication-02-config.yaml",
		"openshift-cloud-credential-operator-cloud-credential-operator-iam-ro-creds-credentials.yaml",
		"openshift-cloud-network-config-controller-cloud-credentials-credentials.yaml",
		"openshift-cluster-csi-drivers-ebs-cloud-credentials-credentials.yaml",
		"openshift-ingress-operator-cloud-credentials-credentials.yaml",
		"openshift-machine-api-aws-cloud-credentials-credentials.yaml",
	}, names, "the file names ccoctl writes, so openshift-install picks them up the same way")
	data, err := os.ReadFile(filepath.Join(install, "openshift-ingress-operator-cloud-credentials-credentials.yaml"))
	require.NoError(t, err)
	secret, err := yaml.Parse(string(data))
	require.NoError(t, err)
	assert.Contains(t, field(t, secret, "stringData", "credentials"), "role_arn = "+ingressRoleARN)
	assert.FileExists(t, filepath.Join(dir, "out", "iam", "roles", "demo-openshift-ingress-operator-cloud-credentials.json"))
}

// TestFluxCIRender runs the render step of examples/flux-ci/workflow.yaml
// (the container runs `stsrender render` in the repository root).
func TestFluxCIRender(t *testing.T) {
	dir := copyExample(t, "flux-ci")
	workflow, err := os.ReadFile(filepath.Join(dir, "workflow.yaml"))
	require.NoError(t, err)
	require.Contains(t, string(workflow), "render -f clusters/prod/sts-credentials.yaml -o out/render")
	res := runIn(t, dir, nil, e2e.stsrender, "render", "-f", "clusters/prod/sts-credentials.yaml", "-o", "out/render")
	require.Equal(t, 0, res.code, res.stderr)
	manifests, err := os.ReadDir(filepath.Join(dir, "out", "render", "manifests"))
	require.NoError(t, err)
	assert.Len(t, manifests, 6)
	for _, m := range manifests {
		assert.True(t, strings.HasSuffix(m.Name(), ".yaml"), "only Kubernetes manifests go to the path Flux applies")
	}
}

// TestBrokenConfigFailsBuild checks that a bad config fails kustomize build
// with stsrender's message, newline-terminated, before kustomize's own.
func TestBrokenConfigFailsBuild(t *testing.T) {
	cases := map[string]struct {
		edit func(string) string
		want string
	}{
		"region":        {func(s string) string { return strings.Replace(s, "region: us-east-2", "region: nowhere", 1) }, `spec.aws.region: "nowhere" is not an AWS region name`},
		"unknown field": {func(s string) string { return strings.Replace(s, "  oidc:", "  odic: {}\n  oidc:", 1) }, "spec.odic: unknown field"},
		"missing image": {func(s string) string { return strings.Replace(s, "oci:release-image", "oci:nowhere", 1) }, "spec.release.image: nowhere: no such file or directory"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := copyExample(t, "quickstart")
			cfg := filepath.Join(dir, "sts-credentials.yaml")
			data, err := os.ReadFile(cfg)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(cfg, []byte(tc.edit(string(data))), 0o644))
			res := kustomizeBuild(t, dir)
			assert.NotEqual(t, 0, res.code)
			assert.Empty(t, res.stdout)
			assert.Contains(t, res.stderr, tc.want)
			assert.Contains(t, res.stderr, tc.want)
			line := res.stderr[strings.Index(res.stderr, "stsrender:"):]
			assert.Contains(t, line[:strings.Index(line, "\n")+1], "\n", "our message ends its line before kustomize's")
		})
	}
}
