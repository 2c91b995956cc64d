package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

func exampleImage(t *testing.T) string {
	t.Helper()
	t.Setenv("STSRENDER_CACHE_DIR", t.TempDir())
	p, err := filepath.Abs(filepath.Join("..", "..", "examples", "quickstart", "release-image"))
	require.NoError(t, err)
	return "oci:" + p
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestExtractAllAWS(t *testing.T) {
	image := exampleImage(t)
	out := filepath.Join(t.TempDir(), "credrequests")
	code, stdout, stderr := run(t, "extract", "--from", image, "--to", out)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "extracted 7 CredentialsRequests in 7 files from")
	assert.Equal(t, []string{
		".stsrender",
		"0000_30_cluster-api_01_credentials-request.yaml",
		"0000_30_machine-api-operator_00_credentials-request.yaml",
		"0000_50_cloud-credential-operator_05-iam-ro-credentialsrequest.yaml",
		"0000_50_cluster-image-registry-operator_01-registry-credentials-request.yaml",
		"0000_50_cluster-ingress-operator_00-ingress-credentials-request.yaml",
		"0000_50_cluster-network-operator_02-cncc-credentials.yaml",
		"0000_50_cluster-storage-operator_03_credentials_request_aws.yaml",
	}, listDir(t, out), "the payload file names oc writes; the ConfigMap file is not written")
	assert.Equal(t, []string{
		"0000_50_cluster-config-api_featureGate-4-10-SelfManagedHA-Default.yaml",
		"0000_50_cluster-config-api_featureGate-4-10-SelfManagedHA-TechPreviewNoUpgrade.yaml",
		"files",
		"release-metadata",
	}, listDir(t, filepath.Join(out, ".stsrender")), "what later renders need, where ccoctl never looks")
	assertCcoctlReadable(t, out)

	// The machine-api file held an Azure request too: only the AWS one is kept.
	data, err := os.ReadFile(filepath.Join(out, "0000_30_machine-api-operator_00_credentials-request.yaml"))
	require.NoError(t, err)
	parsed, err := render.ParseCredentialsRequests("mapi.yaml", data)
	require.NoError(t, err)
	require.Len(t, parsed.Requests, 1)
	assert.Equal(t, "openshift-machine-api-aws", parsed.Requests[0].Name)
	assert.Empty(t, parsed.Skipped)

	// A file whose documents are all kept is written byte for byte.
	original, err := os.ReadFile(filepath.Join("..", "..", "release", "testdata", "payloads", "4.22", "0000_50_cluster-ingress-operator_00-ingress-credentials-request.yaml"))
	require.NoError(t, err)
	copied, err := os.ReadFile(filepath.Join(out, "0000_50_cluster-ingress-operator_00-ingress-credentials-request.yaml"))
	require.NoError(t, err)
	assert.Equal(t, string(original), string(copied))
}

func TestExtractIncluded(t *testing.T) {
	image := exampleImage(t)
	out := filepath.Join(t.TempDir(), "credrequests")
	ic := filepath.Join("..", "..", "examples", "quickstart", "install-config.yaml")
	code, _, stderr := run(t, "extract", "--from", image, "--to", out, "--included", "--install-config", ic, "--explain")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "extracted 5 CredentialsRequests in 5 files")
	assert.Contains(t, stderr, "dropped CredentialsRequest openshift-cloud-credential-operator/openshift-image-registry")
	assert.Contains(t, stderr, "disabled capabilities: ImageRegistry")
	assert.NotContains(t, listDir(t, out), "0000_30_cluster-api_01_credentials-request.yaml", "no file when none of its documents is kept")

	// Re-extracting replaces the directory; a directory with other files is refused.
	code, _, stderr = run(t, "extract", "--from", image, "--to", out)
	require.Equal(t, 0, code, stderr)
	assert.Len(t, listDir(t, out), 8)
	assertCcoctlReadable(t, out)
	for _, mine := range []string{"NOTES.md", "kustomization.yaml", ".stsrender/deployment.yaml"} {
		require.NoError(t, os.WriteFile(filepath.Join(out, mine), []byte("mine"), 0o644))
		code, _, stderr = run(t, "extract", "--from", image, "--to", out)
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, `holds "`+mine+`", which the previous stsrender run did not write`)
		assert.FileExists(t, filepath.Join(out, mine), "a user's file is never deleted")
		require.NoError(t, os.Remove(filepath.Join(out, mine)))
	}
	rendered := filepath.Join(t.TempDir(), "out")
	code, _, stderr = run(t, "render", "-f", writeConfig(t, baseConfig), "-o", rendered)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = run(t, "extract", "--from", image, "--to", rendered)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "holds a render (stsrender render -o), not this command's output")
	code, _, stderr = run(t, "render", "-f", writeConfig(t, baseConfig), "-o", out)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "holds an extract (stsrender extract --to), not this command's output")
	user := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(user, "kustomization.yaml"), []byte("resources: [deployment.yaml]\n"), 0o644))
	code, _, stderr = run(t, "extract", "--from", image, "--to", user)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "is not empty and holds no previous stsrender output")
	assert.FileExists(t, filepath.Join(user, "kustomization.yaml"))

	code, _, stderr = run(t, "extract", "--from", image, "--to", out, "--install-config", ic)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--install-config requires --included")
}

// assertCcoctlReadable checks the contract ccoctl needs of
// --credentials-requests-dir: it decodes every top-level .yaml/.yml document
// as a CredentialsRequest, without a kind check, and dereferences
// spec.providerSpec (a nil pointer panic otherwise).
func assertCcoctlReadable(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		ext := filepath.Ext(e.Name())
		require.Contains(t, []string{".yaml", ".yml"}, ext, "only manifests at the top level: %s", e.Name())
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		docs, err := render.ParseDocuments(e.Name(), data)
		require.NoError(t, err)
		require.NotEmpty(t, docs, e.Name())
		for _, d := range docs {
			assert.True(t, render.IsCredentialsRequest(d), "%s: %s is not a CredentialsRequest", d.Source, d.ID())
			spec, _ := d.Object["spec"].(map[string]any)
			assert.NotNil(t, spec["providerSpec"], "%s: %s has no spec.providerSpec", d.Source, d.ID())
		}
	}
}

func TestReleaseInfo(t *testing.T) {
	image := exampleImage(t)
	code, stdout, stderr := run(t, "release", "info", image)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "version:  4.22.0")
	assert.Contains(t, stdout, "CredentialsRequests: 9 (7 for AWS)")
	assert.Contains(t, stdout, "source:   local image\n")
	assert.Contains(t, stdout, "<- release-manifests/ (the only layer read)")
	assert.True(t, strings.HasPrefix(strings.Split(stdout, "\n")[1], "digest:   sha256:"))

	code, stdout, stderr = run(t, "release", "info", image, "-o", "json")
	require.Equal(t, 0, code, stderr)
	var info releaseInfo
	require.NoError(t, json.Unmarshal([]byte(stdout), &info))
	assert.Equal(t, 1, info.PayloadLayer)
	assert.Len(t, info.Layers, 2)
	assert.Equal(t, 7, info.AWSCredentialsRequests)
}

func TestReleaseInfoPullSecretErrorsNameTheFlag(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "auth.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"auths": "s3cret"`), 0o600))
	code, _, stderr := run(t, "release", "info", "--pull-secret", bad, "127.0.0.1:1/ocp/release@sha256:"+strings.Repeat("a", 64))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--pull-secret "+bad)
	assert.NotContains(t, stderr, "spec.release.pullSecretFile", "the user typed a flag, not a config")
	assert.NotContains(t, stderr, "s3cret")

	// Local sources need no credentials: the pull secret is not read.
	code, _, stderr = run(t, "release", "info", "--pull-secret", filepath.Join(t.TempDir(), "missing.json"), exampleImage(t))
	assert.Equal(t, 0, code, stderr)
}

func TestRenderFromImage(t *testing.T) {
	image := exampleImage(t)
	cfg := writeConfig(t, strings.Replace(baseConfig, "    manifestsDir: @REQUESTS@\n",
		"    image: "+image+"\n    featureSet: TechPreviewNoUpgrade\n", 1))
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := run(t, "render", "-f", cfg, "-o", out, "--explain")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "wrote 19 files for 7 CredentialsRequests", "TechPreview turns the ClusterAPI gate on")
	assert.Contains(t, stderr, "kept CredentialsRequest openshift-cloud-credential-operator/openshift-cluster-api-aws")
	assert.FileExists(t, filepath.Join(out, "manifests", "openshift-cluster-api-capa-manager-bootstrap-credentials-credentials.yaml"))
}

// TestRenderFromExtractedDirMatchesImage: extracting a release into Git and
// rendering from the directory selects exactly what rendering from the
// image does, feature gates included.
func TestRenderFromExtractedDirMatchesImage(t *testing.T) {
	image := exampleImage(t)
	dir := filepath.Join(t.TempDir(), "credrequests")
	code, _, stderr := run(t, "extract", "--from", image, "--to", dir)
	require.Equal(t, 0, code, stderr)
	for _, featureSet := range []string{"Default", "TechPreviewNoUpgrade"} {
		t.Run(featureSet, func(t *testing.T) {
			fromImage := writeConfig(t, strings.Replace(baseConfig, "    manifestsDir: @REQUESTS@\n", "    image: "+image+"\n    featureSet: "+featureSet+"\n", 1))
			fromDir := writeConfigWith(t, baseConfig+"    featureSet: "+featureSet+"\n", dir)
			outImage, outDir := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
			code, _, stderr := run(t, "render", "-f", fromImage, "-o", outImage)
			require.Equal(t, 0, code, stderr)
			code, _, stderr = run(t, "render", "-f", fromDir, "-o", outDir)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, snapshot(t, outImage), snapshot(t, outDir))
		})
	}
}

// TestDiffPullSecret: diff pulls images like a render, and --pull-secret
// (a flag a person types, resolved from the working directory) is the
// secret both pulls use.
func TestDiffPullSecret(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "auth.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"auths": "s3cret"`), 0o600))
	ref := "127.0.0.1:1/ocp/release@sha256:" + strings.Repeat("a", 64)
	code, _, stderr := run(t, "diff", "--pull-secret", bad, "--from", ref, "--to", ref)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, bad, "the flag's file was read")
	assert.NotContains(t, stderr, "s3cret")
}
