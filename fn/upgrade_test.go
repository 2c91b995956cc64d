package fn_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/fn"
	"github.com/stsrender/stsrender/pipeline"
	"github.com/stsrender/stsrender/release/releasetest"
	"github.com/stsrender/stsrender/render"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const newOnlyRequest = `apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata:
  name: openshift-new-operator-aws
  namespace: openshift-cloud-credential-operator
  annotations:
    include.release.openshift.io/self-managed-high-availability: "true"
spec:
  serviceAccountNames: [new-operator]
  secretRef: {namespace: openshift-new-operator, name: new-credentials}
  providerSpec:
    apiVersion: cloudcredential.openshift.io/v1
    kind: AWSProviderSpec
    statementEntries:
    - {effect: Allow, action: ["sqs:ReceiveMessage"], resource: "*"}
`

// upgradeDir lays out a kustomization directory with release images of
// the project's payloads, plus "4.18-plus": 4.18 with a request that only
// the target release has, in a namespace no other request uses.
func upgradeDir(t *testing.T) string {
	t.Helper()
	dir, _ := kustomization(t)
	for _, v := range []string{"4.14", "4.18", "4.22"} {
		require.NoError(t, releasetest.WriteLayout(filepath.Join("..", "release", "testdata", "payloads", v), filepath.Join(dir, "releases", v)))
	}
	plus := t.TempDir()
	src := filepath.Join("..", "release", "testdata", "payloads", "4.18")
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		if e.Name() == "release-metadata" {
			data = []byte(strings.Replace(string(data), "4.18.0", "4.18.5", 1))
		}
		require.NoError(t, os.WriteFile(filepath.Join(plus, e.Name()), data, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(plus, "0000_50_new-operator_credentials.yaml"), []byte(newOnlyRequest), 0o644))
	require.NoError(t, releasetest.WriteLayout(plus, filepath.Join(dir, "releases", "4.18-plus")))
	t.Setenv("STSRENDER_CACHE_DIR", t.TempDir())
	return dir
}

func upgradeConfig(from, to, extra string) string {
	spec := "  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n    image: oci:releases/" + from + "\n"
	if to != "" {
		spec += "    upgradeTo: oci:releases/" + to + "\n"
	}
	return config(spec + extra)
}

func build(t *testing.T, dir, cfg string) *pipeline.Result {
	t.Helper()
	c, err := pipeline.ParseConfig("c.yaml", []byte(cfg), dir)
	require.NoError(t, err)
	require.NoError(t, c.Confine(dir))
	res, err := pipeline.Build(context.Background(), c, pipeline.Options{Fetch: pipeline.ImageFetcher(io.Discard)})
	require.NoError(t, err)
	return res
}

func role(t *testing.T, m *render.Model, secret string) render.Role {
	t.Helper()
	for _, r := range m.Roles {
		if r.Secret.Name == secret {
			return r
		}
	}
	t.Fatalf("no role for Secret %s", secret)
	return render.Role{}
}

// TestUpgradeWindowCoversBothReleases: 4.14 → 4.18-plus. The EBS CSI role
// trusts the service account 4.18 adds, the machine API role allows the
// action 4.18 adds, the request only the target has gets its role and
// Secret, and the CloudCredential annotation names the target.
func TestUpgradeWindowCoversBothReleases(t *testing.T) {
	dir := upgradeDir(t)
	res := build(t, dir, upgradeConfig("4.14", "4.18-plus", ""))
	m := res.Model
	assert.Equal(t, "4.18.5", m.UpgradeableTo)

	ebs, _ := role(t, m, "ebs-cloud-credentials").TrustPolicy.MarshalCompact()
	assert.Contains(t, string(ebs), `"system:serviceaccount:openshift-cluster-csi-drivers:aws-ebs-csi-driver-operator","system:serviceaccount:openshift-cluster-csi-drivers:aws-ebs-csi-driver-controller-sa"`)
	mapi, _ := role(t, m, "aws-cloud-credentials").InlinePolicy.MarshalCompact()
	assert.Contains(t, string(mapi), `"kms:ReEncrypt*"`)
	assert.Equal(t, 1, strings.Count(string(mapi), `"ec2:RunInstances"`), "identical statements once")
	role(t, m, "new-credentials")

	before := build(t, dir, upgradeConfig("4.14", "", ""))
	assert.Len(t, m.Roles, len(before.Model.Roles)+1)
	assert.Empty(t, before.Model.UpgradeableTo)

	manifests, err := m.Manifests()
	require.NoError(t, err)
	last := manifests[len(manifests)-1]
	assert.Equal(t, render.CloudCredentialPath, last.Path)
	assert.Equal(t, `apiVersion: operator.openshift.io/v1
kind: CloudCredential
metadata:
  name: cluster
  annotations:
    argocd.argoproj.io/sync-options: ServerSideApply=true
    cloudcredential.openshift.io/upgradeable-to: 4.18.5
`, string(last.YAML))
	for _, mf := range manifests {
		assert.NotContains(t, mf.Path, "namespace-", "Namespace objects only when asked for")
	}
}

func TestUpgradeWindowNamespacesOnRequest(t *testing.T) {
	dir := upgradeDir(t)
	res := build(t, dir, upgradeConfig("4.14", "4.18-plus", "  outputs:\n    namespaces: true\n"))
	assert.Equal(t, []string{"openshift-new-operator"}, res.Model.Namespaces)
	manifests, err := res.Model.Manifests()
	require.NoError(t, err)
	var ns string
	for _, mf := range manifests {
		if mf.Path == render.NamespacePath("openshift-new-operator") {
			ns = string(mf.YAML)
		}
	}
	assert.Equal(t, `apiVersion: v1
kind: Namespace
metadata:
  name: openshift-new-operator
  annotations:
    argocd.argoproj.io/sync-options: Prune=false,Delete=false
    kustomize.toolkit.fluxcd.io/prune: disabled
`, ns, "never pruned when the window closes: the release manages it then")
}

func TestUpgradeRefusesADowngrade(t *testing.T) {
	dir := upgradeDir(t)
	c, err := pipeline.ParseConfig("c.yaml", []byte(upgradeConfig("4.22", "4.18", "")), dir)
	require.NoError(t, err)
	_, err = pipeline.Build(context.Background(), c, pipeline.Options{Fetch: pipeline.ImageFetcher(io.Discard)})
	assert.ErrorContains(t, err, "spec.release.upgradeTo: 4.18.0 is older than the current release 4.22.0: OpenShift clusters are not downgraded")
}

func TestUpgradeConfigValidation(t *testing.T) {
	for spec, want := range map[string]string{
		"  release:\n    upgradeTo: oci:x\n":                               "spec.release.upgradeTo: set spec.release.image",
		"  release:\n    image: oci:x\n  outputs:\n    namespaces: true\n": "spec.outputs.namespaces: only meaningful with spec.release.upgradeTo",
		"  prune: true\n": "spec.prune: only meaningful with spec.apply: true",
	} {
		_, err := pipeline.ParseConfig("c.yaml", []byte(config("  oidc:\n    publicKeyFile: k.pub\n"+spec)), ".")
		assert.ErrorContains(t, err, want)
	}
}

// TestUpgradeWindowInTheFunction: the KRM function emits the CloudCredential
// with the manifests, and the explain log covers both releases.
func TestUpgradeWindowInTheFunction(t *testing.T) {
	dir := upgradeDir(t)
	node, err := yaml.Parse(upgradeConfig("4.18", "4.22", ""))
	require.NoError(t, err)
	rl := &framework.ResourceList{FunctionConfig: node}
	require.NoError(t, (&fn.Processor{WorkDir: dir, Fetch: pipeline.ImageFetcher(io.Discard)}).Process(rl))
	var found bool
	for _, item := range rl.Items {
		if item.GetKind() == "CloudCredential" {
			found = true
			assert.Equal(t, "4.22.0", item.GetAnnotations()[render.UpgradeableToAnnotation])
			assert.Equal(t, render.CloudCredentialPath, item.GetAnnotations()[fn.PathAnnotation])
		}
	}
	assert.True(t, found)
}
