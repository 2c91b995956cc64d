package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/release/releasetest"
)

const droppedByTarget = `apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata:
  name: openshift-retired-operator-aws
  namespace: openshift-cloud-credential-operator
  annotations:
    include.release.openshift.io/self-managed-high-availability: "true"
spec:
  serviceAccountNames: [retired-operator]
  secretRef: {namespace: openshift-retired-operator, name: retired-credentials}
  providerSpec:
    apiVersion: cloudcredential.openshift.io/v1
    kind: AWSProviderSpec
    statementEntries:
    - {effect: Allow, action: ["sqs:ReceiveMessage"], resource: "*"}
`

// TestUpgradeWindowAgainstAWS drives a cluster through an upgrade with the
// CLI against moto: on the old release, in the window, and narrowed to the
// new release. The old release has a request the new one drops: after the
// window it is an orphan, planned for deletion, left by a plain apply and
// deleted by apply --prune. A cluster whose name is a prefix of this one
// ("dem" beside "demo") loses nothing. Every state re-plans to no change,
// so a re-apply makes no call that changes anything.
func TestUpgradeWindowAgainstAWS(t *testing.T) {
	env := awsEnv(t)
	dir := t.TempDir()
	payloads := filepath.Join(e2e.root, "release", "testdata", "payloads")
	old := filepath.Join(t.TempDir(), "4.18-old")
	require.NoError(t, os.MkdirAll(old, 0o755))
	entries, err := os.ReadDir(filepath.Join(payloads, "4.18"))
	require.NoError(t, err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(payloads, "4.18", e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(old, e.Name()), data, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(old, "0000_50_retired-operator_credentials.yaml"), []byte(droppedByTarget), 0o644))
	require.NoError(t, releasetest.WriteLayout(old, filepath.Join(dir, "releases", "4.18")))
	require.NoError(t, releasetest.WriteLayout(filepath.Join(payloads, "4.22"), filepath.Join(dir, "releases", "4.22")))
	for _, f := range []string{"sa-signer.pub", "install-config.yaml"} {
		data, err := os.ReadFile(filepath.Join(e2e.root, "examples", "quickstart", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	config := func(file, name, release string) {
		cfg := "apiVersion: stsrender.dev/v1alpha1\nkind: STSCredentials\nmetadata:\n  name: " + name + "\nspec:\n  name: " + name +
			"\n  aws:\n    accountID: \"123456789012\"\n    region: us-east-2\n  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n" + release +
			"    installConfig: install-config.yaml\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte(cfg), 0o644))
	}
	config("before.yaml", "demo", "    image: oci:releases/4.18\n")
	config("window.yaml", "demo", "    image: oci:releases/4.18\n    upgradeTo: oci:releases/4.22\n")
	config("after.yaml", "demo", "    image: oci:releases/4.22\n")
	config("neighbour.yaml", "dem", "    image: oci:releases/4.18\n")
	run := func(args ...string) result { return runIn(t, dir, env, e2e.stsrender, args...) }
	settled := func(file string) {
		t.Helper()
		res := run("plan", "-f", file)
		require.Equal(t, 0, res.code, "%s: nothing left to change:\n%s%s", file, res.stdout, res.stderr)
	}

	for _, f := range []string{"neighbour.yaml", "before.yaml"} {
		res := run("apply", "-f", f, "--yes")
		require.Equal(t, 0, res.code, res.stderr)
		settled(f)
	}

	res := run("plan", "-f", "window.yaml")
	require.Equal(t, 2, res.code, res.stderr)
	assert.Contains(t, res.stdout, "~ iam-role                 demo-openshift-machine-api-aws-cloud-credentials: update", "the window adds the target's actions")
	assert.Contains(t, res.stdout, "ec2:AllocateHosts")
	assert.NotContains(t, res.stdout, "orphan", "a role either release needs is never an orphan")
	res = run("apply", "-f", "window.yaml", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	settled("window.yaml")
	rendered := filepath.Join(t.TempDir(), "out")
	res = run("render", "-f", "window.yaml", "-o", rendered)
	require.Equal(t, 0, res.code, res.stderr)
	annotation, err := os.ReadFile(filepath.Join(rendered, "manifests", "cloudcredential-upgradeable-to.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(annotation), "cloudcredential.openshift.io/upgradeable-to: 4.22.0")

	retired := "demo-openshift-retired-operator-retired-credentials"
	res = run("plan", "-f", "after.yaml")
	require.Equal(t, 2, res.code, res.stderr)
	assert.Contains(t, res.stdout, "- iam-role                 "+retired+": delete (orphan: no longer rendered: its CredentialsRequest is not in this release)")
	assert.Equal(t, 1, strings.Count(res.stdout, "(orphan"), "only this cluster's role; dem's roles are not demo's")

	res = run("apply", "-f", "after.yaml", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "left orphan iam-role "+retired)
	res = run("plan", "-f", "after.yaml")
	assert.Equal(t, 2, res.code, "the orphan is still there")

	res = run("apply", "-f", "after.yaml", "--yes", "--prune")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "deleting iam-role "+retired)
	settled("after.yaml")
	settled("neighbour.yaml")
}
