package tests

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// TestArgoCDPluginContract runs the generate command of
// examples/argocd/plugin.yaml the way argocd-cmp-server does: in a copy of
// the application's directory whose files lost their mode bits, with the
// build environment Argo CD sets. stdout must be a clean YAML stream.
func TestArgoCDPluginContract(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(e2e.root, "examples", "argocd", "plugin.yaml"))
	require.NoError(t, err)
	var plugin struct {
		Kind string `json:"kind"`
		Spec struct {
			Generate struct {
				Command []string `json:"command"`
				Args    []string `json:"args"`
			} `json:"generate"`
			Discover struct {
				Find struct {
					Command []string `json:"command"`
				} `json:"find"`
			} `json:"discover"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(data, &plugin))
	require.Equal(t, "ConfigManagementPlugin", plugin.Kind)

	app := copyExample(t, "quickstart")
	env := []string{
		"ARGOCD_APP_NAME=prod-east-sts",
		"ARGOCD_APP_NAMESPACE=openshift-config",
		"ARGOCD_APP_REVISION=0123456789abcdef",
		"ARGOCD_APP_SOURCE_PATH=clusters/prod-east/sts",
		"ARGOCD_ENV_KUSTOMIZE_DIR=.",
		"KUBE_VERSION=1.33.0",
	}
	discover := plugin.Spec.Discover.Find.Command
	res := runIn(t, app, env, discover[0], discover[1:]...)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, "sts-credentials.yaml\n", res.stdout, "discovery matches the application")

	gen := append(append([]string(nil), plugin.Spec.Generate.Command...), plugin.Spec.Generate.Args...)
	res = runIn(t, app, env, gen[0], gen[1:]...)
	require.Equal(t, 0, res.code, res.stderr)
	want, err := os.ReadFile(filepath.Join(e2e.root, "examples", "quickstart", "expected.yaml"))
	require.NoError(t, err)
	assert.Equal(t, string(want), res.stdout, "the plugin emits exactly the quickstart's manifests")
	assert.Empty(t, res.stderr)

	// A failing build must fail the plugin, never emit an empty stream.
	cfg := filepath.Join(app, "sts-credentials.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("apiVersion: stsrender.dev/v1alpha1\nkind: STSCredentials\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: stsrender\nspec: {}\n"), 0o644))
	res = runIn(t, app, env, gen[0], gen[1:]...)
	assert.NotEqual(t, 0, res.code)
	assert.Empty(t, res.stdout)
	assert.Contains(t, res.stderr, "spec.oidc.publicKeyFile: required")
}

// TestArgoCDPluginRefusesHostileDirectories: KUSTOMIZE_DIR comes from the
// Application's plugin.env, which Application authors write. A flag in it
// (--load-restrictor=LoadRestrictionsNone would let a configMapGenerator
// copy the sidecar's pull secret into a ConfigMap), an absolute path, a
// ".." or a symlink out (another tenant's directory) fail the plugin before
// kustomize runs, and nothing of the files outside is emitted.
func TestArgoCDPluginRefusesHostileDirectories(t *testing.T) {
	gen := pluginGenerate(t)
	checkout := t.TempDir()
	secret := filepath.Join(checkout, "pull-secret.json")
	require.NoError(t, os.WriteFile(secret, []byte(`{"auths":{"quay.io":{"auth":"c2VjcmV0LW1hcmtlcg=="}}}`), 0o600))
	other := filepath.Join(checkout, "other-tenant")
	require.NoError(t, os.MkdirAll(other, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(other, "kustomization.yaml"), []byte("configMapGenerator:\n- name: other-tenant\n  literals: [token=other-tenant-marker]\n"), 0o644))
	app := filepath.Join(checkout, "app")
	require.NoError(t, os.MkdirAll(app, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(app, "kustomization.yaml"), []byte("configMapGenerator:\n- name: stolen\n  files: ["+secret+"]\n"), 0o644))
	require.NoError(t, os.Symlink(other, filepath.Join(app, "link")))

	for _, c := range []struct{ reason, dir, want string }{
		{"a flag that lifts kustomize's load restrictions", "--load-restrictor=LoadRestrictionsNone", "starts with -"},
		{"an absolute path to another tenant", other, "is an absolute path"},
		{"a relative path up and out", "../other-tenant", "contains .."},
		{"dot segments inside", "sub/../../other-tenant", "contains .."},
		{"a symlink that leads out", "link", "leads out of the application's directory"},
	} {
		t.Run(c.reason, func(t *testing.T) {
			res := runIn(t, app, []string{"ARGOCD_ENV_KUSTOMIZE_DIR=" + c.dir}, gen[0], gen[1:]...)
			assert.NotEqual(t, 0, res.code)
			assert.Empty(t, res.stdout)
			assert.Contains(t, res.stderr, c.want)
			assert.NotContains(t, res.stderr, "c2VjcmV0LW1hcmtlcg")
		})
	}
	// The default build of this app is refused by kustomize itself: the
	// generator names a file outside.
	res := runIn(t, app, nil, gen[0], gen[1:]...)
	assert.NotEqual(t, 0, res.code)
	assert.NotContains(t, res.stdout, "c2VjcmV0LW1hcmtlcg")
	assert.Contains(t, res.stderr, "security")
}

// pluginGenerate is plugin.yaml's generate command and arguments.
func pluginGenerate(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2e.root, "examples", "argocd", "plugin.yaml"))
	require.NoError(t, err)
	var plugin struct {
		Spec struct {
			Generate struct {
				Command []string `json:"command"`
				Args    []string `json:"args"`
			} `json:"generate"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(data, &plugin))
	return append(append([]string(nil), plugin.Spec.Generate.Command...), plugin.Spec.Generate.Args...)
}
