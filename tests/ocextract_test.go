package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ocExtracted writes what `oc adm release extract --credentials-requests
// --cloud=aws --included` writes for a cluster: the AWS CredentialsRequest
// files the cluster includes, under their payload names, and nothing else
// (no FeatureGate manifests: oc has applied the feature set already).
func ocExtracted(t *testing.T, release string, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(e2e.root, "tests", "testdata", "credentialsrequests", release, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	return dir
}

// awsRequestFiles are the AWS CredentialsRequests of the 4.14 and 4.22
// fixtures; a TechPreviewNoUpgrade cluster without capability filtering
// includes every one.
var awsRequestFiles = []string{
	"0000_30_cluster-api_01_credentials-request.yaml",
	"0000_30_machine-api-operator_00_credentials-request.yaml",
	"0000_50_cloud-credential-operator_05-iam-ro-credentialsrequest.yaml",
	"0000_50_cluster-image-registry-operator_01-registry-credentials-request.yaml",
	"0000_50_cluster-ingress-operator_00-ingress-credentials-request.yaml",
	"0000_50_cluster-network-operator_02-cncc-credentials.yaml",
	"0000_50_cluster-storage-operator_03_credentials_request_aws.yaml",
}

func techPreviewConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeQuickstartKey(t, filepath.Join(dir, "sa.pub"))
	config := filepath.Join(dir, "tp.yaml")
	require.NoError(t, os.WriteFile(config, []byte(`apiVersion: stsrender.dev/v1alpha1
kind: STSCredentials
metadata: {name: tp}
spec:
  name: tp
  aws: {accountID: "123456789012", region: us-east-1}
  oidc: {publicKeyFile: sa.pub}
  release:
    featureSet: TechPreviewNoUpgrade
`), 0o644))
	return config
}

// TestOcExtractedTechPreviewDirectories: a directory oc wrote has no
// FeatureGate manifests, so the feature-gate annotation of 4.22's
// cluster-api request cannot be evaluated: the request is kept (oc kept
// it for this cluster, and ccoctl renders it), with one line saying so.
// The diff from 4.14 names the permissions the role gains and calls no
// role an orphan.
func TestOcExtractedTechPreviewDirectories(t *testing.T) {
	config := techPreviewConfig(t)
	oc414 := ocExtracted(t, "release-4.14", awsRequestFiles...)
	oc422 := ocExtracted(t, "release-4.22", awsRequestFiles...)
	out := filepath.Join(t.TempDir(), "out")

	res := runIn(t, t.TempDir(), nil, e2e.stsrender, "render", "-f", config, "--credentials-requests-dir", oc422, "-o", out)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "stsrender: release: selected 7 AWS CredentialsRequests; 20 for other clouds skipped; feature gates not evaluated (no FeatureGate manifests in the directory; its extractor applied them): ClusterAPIMachineManagement\n")
	assert.FileExists(t, filepath.Join(out, "manifests", "openshift-cluster-api-capa-manager-bootstrap-credentials-credentials.yaml"))
	assert.Contains(t, res.stderr, "wrote ")

	res = runIn(t, t.TempDir(), nil, e2e.stsrender, "diff", "-f", config, "--from", oc414, "--to", oc422)
	require.Equal(t, 2, res.code, res.stderr)
	assert.Contains(t, res.stdout, "~ tp-openshift-cluster-api-capa-manager-bootstrap-credentials (openshift-cluster-api/capa-manager-bootstrap-credentials)")
	assert.Contains(t, res.stdout, "ec2:AllocateHosts")
	assert.NotContains(t, res.stdout, "orphan")
	assert.NotContains(t, res.stdout, "- tp-openshift-cluster-api")

	// The same directory with the release's FeatureGate manifests (as
	// stsrender extract keeps them) is evaluated exactly: a Default
	// cluster drops the gated request.
	withGates := ocExtracted(t, "release-4.22", awsRequestFiles...)
	require.NoError(t, os.MkdirAll(filepath.Join(withGates, ".stsrender"), 0o755))
	gates, err := filepath.Glob(filepath.Join(e2e.root, "tests", "testdata", "credentialsrequests", "release-4.22", "*featureGate*"))
	require.NoError(t, err)
	require.NotEmpty(t, gates)
	for _, g := range gates {
		data, err := os.ReadFile(g)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(withGates, ".stsrender", filepath.Base(g)), data, 0o644))
	}
	defaultConfig := strings.Replace(readFileAt(t, config), "featureSet: TechPreviewNoUpgrade", "featureSet: Default", 1)
	require.NoError(t, os.WriteFile(config, []byte(defaultConfig), 0o644))
	res = runIn(t, t.TempDir(), nil, e2e.stsrender, "render", "-f", config, "--credentials-requests-dir", withGates, "-o", filepath.Join(t.TempDir(), "exact"))
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "stsrender: release: selected 6 AWS CredentialsRequests; dropped 1 (1 by feature gate); 20 for other clouds skipped\n")
}

// TestEmptyDirectoryIsAnError: a directory with no AWS request (the wrong
// one) renders nothing useful; it is an error that says what to check,
// unless the config expects none.
func TestEmptyDirectoryIsAnError(t *testing.T) {
	config := techPreviewConfig(t)
	gcpOnly := ocExtracted(t, "release-4.22", "0000_50_cluster-storage-operator_03_credentials_request_gcp.yaml")
	res := runIn(t, t.TempDir(), nil, e2e.stsrender, "render", "-f", config, "--credentials-requests-dir", gcpOnly, "-o", filepath.Join(t.TempDir(), "out"))
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "no AWS CredentialsRequest was selected (selected 0 AWS CredentialsRequests; 1 for other clouds skipped)")
	assert.Contains(t, res.stderr, "spec.release.allowNoRequests: true")

	require.NoError(t, os.WriteFile(config, []byte(strings.Replace(readFileAt(t, config), "  release:\n", "  release:\n    allowNoRequests: true\n", 1)), 0o644))
	res = runIn(t, t.TempDir(), nil, e2e.stsrender, "render", "-f", config, "--credentials-requests-dir", gcpOnly, "-o", filepath.Join(t.TempDir(), "out"))
	require.Equal(t, 0, res.code, res.stderr)
}

func readFileAt(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}
