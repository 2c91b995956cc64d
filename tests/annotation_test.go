package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileAnnotation replaces the quickstart config's function annotation
// with one an attacker wrote, and adds spec lines before release:.
func hostileAnnotation(t *testing.T, dir, annotation, specLines string) {
	t.Helper()
	config := filepath.Join(dir, "sts-credentials.yaml")
	data, err := os.ReadFile(config)
	require.NoError(t, err)
	text := strings.Replace(string(data), "      exec:\n        path: stsrender\n", annotation, 1)
	require.Contains(t, text, annotation)
	text = strings.Replace(text, "  release:\n", specLines+"  release:\n", 1)
	require.NoError(t, os.WriteFile(config, []byte(text), 0o644))
}

// untouched asserts that moto holds nothing of the quickstart's cluster:
// the plan still wants to create the provider.
func untouched(t *testing.T, dir string, env []string) {
	t.Helper()
	plan := runIn(t, dir, env, e2e.stsrender, "plan", "-f", "sts-credentials.yaml")
	require.Equal(t, 2, plan.code, plan.stderr)
	assert.Contains(t, plan.stdout, "+ iam-oidc-provider")
	assert.NotContains(t, plan.stdout, "= iam-oidc-provider")
}

// TestAnnotationCannotConsentToApply: the annotation's envs are added after
// the operator's environment by kustomize, so they would win. A config that
// grants itself STSRENDER_ALLOW_APPLY is refused, by both binaries, whether
// the operator allowed nothing or another account, and AWS is untouched.
func TestAnnotationCannotConsentToApply(t *testing.T) {
	env := awsEnv(t)
	for _, c := range []struct {
		reason   string
		binary   string
		operator []string
	}{
		{"stsrender, no consent at all", "stsrender", nil},
		{"stsrender, the operator allowed another account", "stsrender", []string{"STSRENDER_ALLOW_APPLY=999999999999"}},
		{"stsrender-krm hands apply to stsrender", e2e.stsrenderKRM, nil},
	} {
		t.Run(c.reason, func(t *testing.T) {
			dir := copyExample(t, "quickstart")
			hostileAnnotation(t, dir,
				"      exec:\n        path: "+c.binary+"\n        envs: [STSRENDER_ALLOW_APPLY=123456789012]\n",
				"  apply: true\n")
			res := runIn(t, dir, append(env, c.operator...), e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
			require.NotEqual(t, 0, res.code, res.stdout)
			assert.Empty(t, res.stdout)
			assert.Contains(t, res.stderr, "exec.envs sets STSRENDER_ALLOW_APPLY")
			assert.NotContains(t, res.stderr, "creating")
			untouched(t, dir, env)
		})
	}
}

// TestAnnotationCannotRunCommands: exec args make kustomize run stsrender
// as a command, with the ResourceList on stdin. Every command refuses then:
// apply writes nothing to AWS, render -o writes no directory.
func TestAnnotationCannotRunCommands(t *testing.T) {
	env := awsEnv(t)
	elsewhere := filepath.Join(t.TempDir(), "elsewhere")
	for _, c := range []struct {
		reason string
		args   string
	}{
		{"apply with --yes", "[apply, -f, sts-credentials.yaml, --yes]"},
		{"render -o outside the repository", "[render, -f, sts-credentials.yaml, -o, " + elsewhere + "]"},
		{"doctor, which fetches URLs", "[doctor, -f, sts-credentials.yaml]"},
	} {
		t.Run(c.reason, func(t *testing.T) {
			dir := copyExample(t, "quickstart")
			hostileAnnotation(t, dir, "      exec:\n        path: stsrender\n        args: "+c.args+"\n", "")
			res := runIn(t, dir, env, e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
			require.NotEqual(t, 0, res.code, res.stdout)
			assert.Contains(t, res.stderr, "was started with a ResourceList on standard input")
			assert.NoDirExists(t, elsewhere)
			untouched(t, dir, env)
		})
	}
	// A person running the same command is not affected.
	dir := copyExample(t, "quickstart")
	res := runIn(t, dir, nil, e2e.stsrender, "render", "-f", "sts-credentials.yaml", "-o", elsewhere)
	require.Equal(t, 0, res.code, res.stderr)
	assert.DirExists(t, elsewhere)
}

// TestAnnotationCannotWidenRootOrLimits: the root and the limits are the
// operator's; envs that set them are refused before any file is read.
func TestAnnotationCannotWidenRootOrLimits(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "outside.pub")
	writeQuickstartKey(t, outside)
	for _, c := range []struct {
		reason, envs, config, want string
	}{
		{"root widened to /", "[STSRENDER_ROOT=/]", "publicKeyFile: " + outside, "exec.envs sets STSRENDER_ROOT"},
		{"a limit raised", "[STSRENDER_MAX_FILE_SIZE=100GiB]", "", "exec.envs sets STSRENDER_MAX_FILE_SIZE"},
		{"the registry credentials replaced", "[REGISTRY_AUTH_FILE=./auth.json]", "", "exec.envs sets REGISTRY_AUTH_FILE"},
	} {
		t.Run(c.reason, func(t *testing.T) {
			dir := copyExample(t, "quickstart")
			hostileAnnotation(t, dir, "      exec:\n        path: stsrender\n        envs: "+c.envs+"\n", "")
			if c.config != "" {
				config := filepath.Join(dir, "sts-credentials.yaml")
				data, err := os.ReadFile(config)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(config, []byte(strings.Replace(string(data), "publicKeyFile: sa-signer.pub", c.config, 1)), 0o644))
			}
			res := kustomizeBuild(t, dir)
			require.NotEqual(t, 0, res.code, res.stdout)
			assert.Empty(t, res.stdout)
			assert.Contains(t, res.stderr, c.want)
		})
	}
	// The operator widening the root works as before.
	dir := copyExample(t, "quickstart")
	config := filepath.Join(dir, "sts-credentials.yaml")
	data, err := os.ReadFile(config)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(config, []byte(strings.Replace(string(data), "publicKeyFile: sa-signer.pub", "publicKeyFile: "+outside, 1)), 0o644))
	res := runIn(t, dir, []string{"STSRENDER_ROOT=/"}, e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	require.Equal(t, 0, res.code, res.stderr)
}
