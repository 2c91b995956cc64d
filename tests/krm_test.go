package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withFunction rewrites an example config to run another function binary.
func withFunction(t *testing.T, config, binary string, edits ...string) {
	t.Helper()
	data, err := os.ReadFile(config)
	require.NoError(t, err)
	text := strings.Replace(string(data), "path: stsrender\n", "path: "+binary+"\n", 1)
	require.Contains(t, text, "path: "+binary+"\n")
	for i := 0; i+1 < len(edits); i += 2 {
		require.Contains(t, text, edits[i])
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	require.NoError(t, os.WriteFile(config, []byte(text), 0o644))
}

// TestKRMFunctionRendersLikeStsrender: stsrender-krm yields each example's
// expected objects, as a generator and as a transformer.
func TestKRMFunctionRendersLikeStsrender(t *testing.T) {
	for _, example := range []string{"quickstart", "app-credentials"} {
		t.Run(example, func(t *testing.T) {
			dir := copyExample(t, example)
			withFunction(t, filepath.Join(dir, "sts-credentials.yaml"), e2e.stsrenderKRM)
			res := runIn(t, dir, nil, e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
			require.Equal(t, 0, res.code, res.stderr)
			want, err := os.ReadFile(filepath.Join(e2e.root, "examples", example, "expected.yaml"))
			require.NoError(t, err)
			assert.Equal(t, string(want), res.stdout)
		})
	}
}

// TestKRMFunctionHandsApplyToStsrender: with spec.apply, stsrender-krm
// refuses exactly as stsrender does without the operator's consent, and
// with it hands the run to the stsrender beside it, which applies.
func TestKRMFunctionHandsApplyToStsrender(t *testing.T) {
	env := awsEnv(t)
	dir := copyExample(t, "quickstart")
	config := filepath.Join(dir, "sts-credentials.yaml")
	withFunction(t, config, e2e.stsrenderKRM, "spec:\n  name: demo\n", "spec:\n  name: krmdemo\n", "  release:\n", "  apply: true\n  release:\n")
	build := func(environ []string) result {
		return runIn(t, dir, environ, e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	}

	res := build(env)
	require.NotEqual(t, 0, res.code)
	assert.Empty(t, res.stdout)
	assert.Contains(t, res.stderr, "STSRENDER_ALLOW_APPLY=123456789012")

	env = append(env, "STSRENDER_ALLOW_APPLY=123456789012")
	applied := build(env)
	require.Equal(t, 0, applied.code, applied.stderr)
	assert.Contains(t, applied.stderr, "creating iam-oidc-provider")
	assert.Contains(t, applied.stderr, "applied and verified")

	data, err := os.ReadFile(config) // back to stsrender itself
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(config, []byte(strings.Replace(string(data), "path: "+e2e.stsrenderKRM+"\n", "path: "+e2e.stsrender+"\n", 1)), 0o644))
	again := build(env)
	require.Equal(t, 0, again.code, again.stderr)
	assert.NotContains(t, again.stderr, "creating", "stsrender-krm's run applied everything")
	assert.Equal(t, again.stdout, applied.stdout)
}

// TestKRMFunctionWithoutStsrender: spec.apply with no stsrender binary
// beside stsrender-krm or on PATH says what is missing.
func TestKRMFunctionWithoutStsrender(t *testing.T) {
	// A PATH with nothing on it: an stsrender installed on this machine
	// must not be found either.
	env := append(awsEnv(t), "STSRENDER_ALLOW_APPLY=123456789012", "PATH="+t.TempDir())
	alone := filepath.Join(t.TempDir(), "stsrender-krm")
	require.NoError(t, copyFile(e2e.stsrenderKRM, alone, 0o755))
	dir := copyExample(t, "quickstart")
	withFunction(t, filepath.Join(dir, "sts-credentials.yaml"), alone, "  release:\n", "  apply: true\n  release:\n")
	res := runIn(t, dir, env, e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	require.NotEqual(t, 0, res.code)
	assert.Empty(t, res.stdout)
	assert.Contains(t, res.stderr, "spec.apply needs the stsrender binary beside stsrender-krm or on PATH")
}

func TestKRMFunctionTakesNoArguments(t *testing.T) {
	res := runIn(t, t.TempDir(), nil, e2e.stsrenderKRM, "render")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "the commands are in stsrender")
}
