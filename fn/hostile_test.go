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
	"github.com/stsrender/stsrender/render"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kustomization lays out a kustomization directory beside a directory of
// files that belong to someone else (another application, the
// repo-server's own files), and returns both.
func kustomization(t *testing.T) (dir, outside string) {
	t.Helper()
	top := t.TempDir()
	dir = filepath.Join(top, "app")
	outside = filepath.Join(top, "other")
	for _, d := range []string{filepath.Join(dir, "requests"), filepath.Join(outside, "requests")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	key, err := os.ReadFile(filepath.Join("testdata", "shared", "sa-signer.pub"))
	require.NoError(t, err)
	request, err := os.ReadFile(filepath.Join("testdata", "shared", "requests", "20-ingress.yaml"))
	require.NoError(t, err)
	for _, d := range []string{dir, outside} {
		require.NoError(t, os.WriteFile(filepath.Join(d, "sa-signer.pub"), key, 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(d, "requests", "ingress.yaml"), request, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte("apiVersion: v1\nkind: CredentialsRequest\nmetadata:\n  name: {password: hunter2}\n"), 0o644))
	return dir, outside
}

func config(spec string) string {
	return "apiVersion: stsrender.dev/v1alpha1\nkind: STSCredentials\nmetadata:\n  name: c\nspec:\n  name: c\n  aws:\n    accountID: \"123456789012\"\n    region: us-east-2\n" + spec
}

func process(t *testing.T, p *fn.Processor, cfg string) (*framework.ResourceList, error) {
	t.Helper()
	node, err := yaml.Parse(cfg)
	require.NoError(t, err)
	rl := &framework.ResourceList{FunctionConfig: node}
	return rl, p.Process(rl)
}

func TestConfinedToTheKustomization(t *testing.T) {
	dir, outside := kustomization(t)
	ok := "  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n    manifestsDir: requests\n"
	require.NoError(t, os.Symlink(filepath.Join(outside, "requests"), filepath.Join(dir, "linked")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "requests-link.yaml")))
	cases := []struct {
		reason, spec, want string
	}{
		{"a manifests directory above the kustomization", "  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n    manifestsDir: ../other/requests\n", "spec.release.manifestsDir: ../other/requests is outside"},
		{"an absolute manifests directory", "  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n    manifestsDir: " + filepath.Join(outside, "requests") + "\n", "is outside"},
		{"a symlink inside that leads outside", "  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n    manifestsDir: linked\n", "spec.release.manifestsDir: linked is outside"},
		{"a public key outside", "  oidc:\n    publicKeyFile: ../other/sa-signer.pub\n  release:\n    manifestsDir: requests\n", "spec.oidc.publicKeyFile: ../other/sa-signer.pub is outside"},
		{"an install-config outside", ok[:len(ok)-1] + "\n    installConfig: ../other/secret.yaml\n", "spec.release.installConfig: ../other/secret.yaml is outside"},
		{"an OCI layout outside", "  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n    image: oci:../other\n", "spec.release.image: ../other is outside"},
		{"a docker archive outside", "  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n    image: docker-archive:../other/secret.yaml\n", "is outside"},
		{"a pull secret outside", "  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n    image: quay.io/x/y@sha256:" + strings.Repeat("a", 64) + "\n    pullSecretFile: ../other/secret.yaml\n", "spec.release.pullSecretFile: ../other/secret.yaml is outside"},
		{"a device as the public key", "  oidc:\n    publicKeyFile: /dev/zero\n  release:\n    manifestsDir: requests\n", "is outside"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			_, err := process(t, &fn.Processor{WorkDir: dir, Fetch: pipeline.ImageFetcher(nil)}, config(tc.spec))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "hunter2", "no content of a file outside is ever quoted")
		})
	}
	t.Run("a symlinked file inside a confined manifests directory", func(t *testing.T) {
		require.NoError(t, os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "requests", "zz.yaml")))
		defer os.Remove(filepath.Join(dir, "requests", "zz.yaml"))
		_, err := process(t, &fn.Processor{WorkDir: dir}, config(ok))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "zz.yaml is outside")
	})
	t.Run("the operator widens the root", func(t *testing.T) {
		rl, err := process(t, &fn.Processor{WorkDir: dir, Root: filepath.Dir(dir)}, config("  oidc:\n    publicKeyFile: ../other/sa-signer.pub\n  release:\n    manifestsDir: ../other/requests\n"))
		require.NoError(t, err)
		assert.NotEmpty(t, rl.Items)
	})
	t.Run("inside works", func(t *testing.T) {
		rl, err := process(t, &fn.Processor{WorkDir: dir}, config(ok))
		require.NoError(t, err)
		assert.NotEmpty(t, rl.Items)
	})
}

func TestSpecialFilesAreNeverRead(t *testing.T) {
	dir, _ := kustomization(t)
	// Widened to / by the operator, a device is still not read: only
	// regular files are.
	for _, spec := range []string{
		"  oidc:\n    publicKeyFile: /dev/zero\n  release:\n    manifestsDir: requests\n",
		"  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n    manifestsDir: requests\n    installConfig: /dev/zero\n",
	} {
		_, err := process(t, &fn.Processor{WorkDir: dir, Root: "/"}, config(spec))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "/dev/zero is not a regular file (a device)")
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.pub"), make([]byte, 1<<20), 0o644))
	_, err := process(t, &fn.Processor{WorkDir: dir}, config("  oidc:\n    publicKeyFile: big.pub\n  release:\n    manifestsDir: requests\n"))
	assert.ErrorContains(t, err, "big.pub is larger than 64 KiB, the limit for this kind of file")
}

func TestApplyFromGitNeedsTheOperatorsConsent(t *testing.T) {
	dir, _ := kustomization(t)
	applied := 0
	apply := func(context.Context, *render.Model, bool) error { applied++; return nil }
	cfg := config("  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n    manifestsDir: requests\n  apply: true\n")
	cases := []struct {
		reason  string
		allowed []string
		want    string
	}{
		{"no opt-in at all", nil, `spec.apply: writing to AWS account "123456789012" during a render is not enabled here`},
		{"an opt-in for other accounts", []string{"111111111111"}, "STSRENDER_ALLOW_APPLY=123456789012"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			_, err := process(t, &fn.Processor{WorkDir: dir, Apply: apply, AllowApply: tc.allowed}, cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Zero(t, applied, "nothing reaches AWS")
		})
	}
	_, err := process(t, &fn.Processor{WorkDir: dir, Apply: apply, AllowApply: fn.AllowedAccounts(" 111111111111, 123456789012 ")}, cfg)
	require.NoError(t, err)
	assert.Equal(t, 1, applied)
}

func TestDuplicateKeysAreRejected(t *testing.T) {
	_, err := pipeline.ParseConfig("c.yaml", []byte(config("  aws:\n    accountID: \"999999999999\"\n")), ".")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `key "aws" is written twice in the same mapping`)
}

func TestOversizeStreamRequestIsRefused(t *testing.T) {
	dir, _ := kustomization(t)
	big := "apiVersion: cloudcredential.openshift.io/v1\nkind: CredentialsRequest\nmetadata:\n  name: big\n  annotations:\n    pad: " + strings.Repeat("x", 9<<20) + "\n"
	item, err := yaml.Parse(big)
	require.NoError(t, err)
	node, err := yaml.Parse(config("  oidc:\n    publicKeyFile: sa-signer.pub\n  outputs:\n    authentication: false\n"))
	require.NoError(t, err)
	rl := &framework.ResourceList{FunctionConfig: node, Items: []*yaml.RNode{item}}
	err = (&fn.Processor{WorkDir: dir}).Process(rl)
	assert.ErrorContains(t, err, "is larger than 8 MiB; real CredentialsRequests are a few KiB")
}

func TestLocalImagesNeedNoPullSecret(t *testing.T) {
	dir, _ := kustomization(t)
	src := filepath.Join("..", "examples", "quickstart", "release-image")
	require.NoError(t, filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, "release-image", rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "release-image", rel), data, 0o644)
	}))
	t.Setenv("STSRENDER_CACHE_DIR", t.TempDir())
	cfg := config("  oidc:\n    publicKeyFile: sa-signer.pub\n  release:\n    image: oci:release-image\n    pullSecretFile: missing.json\n")
	_, err := process(t, &fn.Processor{WorkDir: dir, Fetch: pipeline.ImageFetcher(nil)}, cfg)
	require.NoError(t, err, "an OCI layout needs no credentials: the pull secret is not read")
}
