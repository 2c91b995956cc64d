package tests

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
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

	// The pod identity webhook route: the team's ServiceAccount annotated
	// in place (its own annotation kept), the missing one emitted, and no
	// Secret for the request (outputs.serviceAccounts.secrets: false).
	s3Role := "arn:aws:iam::123456789012:role/demo-payments-payments-s3-credentials"
	api := find(nodes, "ServiceAccount", "payments", "payments-api")
	require.NotNil(t, api)
	assert.Equal(t, map[string]string{
		"eks.amazonaws.com/role-arn": s3Role, "eks.amazonaws.com/audience": "sts.amazonaws.com",
		"eks.amazonaws.com/sts-regional-endpoints": "true", "eks.amazonaws.com/token-expiration": "3600",
		"team.example.com/owner": "payments",
	}, withoutInternal(api.GetAnnotations()))
	worker := find(nodes, "ServiceAccount", "payments", "payments-worker")
	require.NotNil(t, worker, "a service account the stream lacks is emitted")
	assert.Equal(t, s3Role, worker.GetAnnotations()["eks.amazonaws.com/role-arn"])
	count := 0
	for _, n := range nodes {
		if n.GetKind() == "ServiceAccount" {
			count++
		}
	}
	assert.Equal(t, 2, count, "no duplicate of the team's ServiceAccount")
	assert.Nil(t, find(nodes, "Secret", "payments", "payments-s3-credentials"), "the webhook route needs no Secret")
	sqs := find(nodes, "Secret", "payments", "payments-sqs-credentials")
	require.NotNil(t, sqs, "stsrender.dev/pod-identity: false keeps the Secret route")
	assert.Contains(t, field(t, sqs, "stringData", "credentials"), "role_arn = arn:aws:iam::123456789012:role/demo-payments-payments-sqs-credentials")
	assert.Nil(t, find(nodes, "Authentication", "", "cluster"), "outputs.authentication: false")

	// outputs.aws: document is for review, never for a deploy: the build's
	// stream holds only kinds a cluster serves, so kubectl apply or an Argo
	// CD sync of it cannot fail on a document without a CRD.
	for _, n := range nodes {
		assert.NotEqual(t, "stsrender.dev/v1alpha1", n.GetApiVersion(), "%s %s is in the deployable stream", n.GetKind(), n.GetName())
	}

	// The function itself still returns the documents, as local config
	// (kpt keeps them; kustomize build drops them).
	cfg, err := os.ReadFile(filepath.Join(dir, "sts-credentials.yaml"))
	require.NoError(t, err)
	fc, err := yaml.Parse(string(cfg))
	require.NoError(t, err)
	var input strings.Builder
	require.NoError(t, kio.ByteWriter{Writer: &input, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion, FunctionConfig: fc}.Write(
		parseStream(t, string(original))))
	fnRes := runInWithStdin(t, dir, input.String(), e2e.stsrender)
	require.Equal(t, 0, fnRes.code, fnRes.stderr)
	var kinds []string
	for _, n := range parseStream(t, fnRes.stdout) { // the ResourceList's items
		if n.GetApiVersion() == "stsrender.dev/v1alpha1" {
			kinds = append(kinds, n.GetKind())
			assert.Equal(t, "true", n.GetAnnotations()["config.kubernetes.io/local-config"], "%s %s", n.GetKind(), n.GetName())
		}
	}
	assert.Contains(t, kinds, "OIDCProvider")
}

// TestInstallerExample runs examples/installer/install.sh with a fresh key
// pair and the stand-in openshift-install, then checks what the installer
// was given: ccoctl's file names, and a signing key in tls/ whose public
// half is the key keys.json publishes (kid = SHA-256 of the PKIX DER).
func TestInstallerExample(t *testing.T) {
	dir := copyExample(t, "installer")
	res := runIn(t, dir, nil, e2e.stsrender, "create-key-pair", "-o", "keys")
	require.Equal(t, 0, res.code, res.stderr)
	install := filepath.Join(t.TempDir(), "install")
	require.NoError(t, os.MkdirAll(install, 0o755))
	ic, err := os.ReadFile(filepath.Join(dir, "install-config.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(install, "install-config.yaml"), ic, 0o644))
	stubs := filepath.Join(e2e.root, "tests", "testdata", "stubs")
	res = runIn(t, dir, []string{"PATH=" + e2e.bin + string(os.PathListSeparator) + stubs + string(os.PathListSeparator) + e2e.path}, "bash", "install.sh", install)
	require.Equal(t, 0, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, "5 credentials Secrets, the Authentication and the signing key are in place")

	entries, err := os.ReadDir(filepath.Join(install, "manifests"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{
		"cluster-authentication-02-config.yaml",
		"cluster-infrastructure-02-config.yml",
		"openshift-cloud-credential-operator-cloud-credential-operator-iam-ro-creds-credentials.yaml",
		"openshift-cloud-network-config-controller-cloud-credentials-credentials.yaml",
		"openshift-cluster-csi-drivers-ebs-cloud-credentials-credentials.yaml",
		"openshift-ingress-operator-cloud-credentials-credentials.yaml",
		"openshift-machine-api-aws-cloud-credentials-credentials.yaml",
	}, names, "the file names ccoctl writes, beside the installer's own")
	data, err := os.ReadFile(filepath.Join(install, "manifests", "openshift-ingress-operator-cloud-credentials-credentials.yaml"))
	require.NoError(t, err)
	secret, err := yaml.Parse(string(data))
	require.NoError(t, err)
	assert.Contains(t, field(t, secret, "stringData", "credentials"), "role_arn = "+ingressRoleARN)

	key, err := os.ReadFile(filepath.Join(install, "tls", "bound-service-account-signing-key.key"))
	require.NoError(t, err)
	block, _ := pem.Decode(key)
	require.NotNil(t, block)
	private, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&private.PublicKey)
	require.NoError(t, err)
	sum := sha256.Sum256(der)
	jwks, err := os.ReadFile(filepath.Join(dir, "out", "oidc", "keys.json"))
	require.NoError(t, err)
	assert.Contains(t, string(jwks), `"kid": "`+base64.RawURLEncoding.EncodeToString(sum[:])+`"`, "the installer's signing key is the one the issuer publishes")
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

func withoutInternal(annotations map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range annotations {
		if !strings.HasPrefix(k, "config.kubernetes.io/") && !strings.HasPrefix(k, "internal.config.kubernetes.io/") {
			out[k] = v
		}
	}
	return out
}
