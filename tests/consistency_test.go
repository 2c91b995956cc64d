package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func readFile(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2e.root, filepath.FromSlash(rel)))
	require.NoError(t, err)
	return string(data)
}

// TestFluxFilesAgree: the tag the workflow pushes is the tag Flux follows,
// the APIs are ones a current Flux serves, and the Authentication is
// protected from pruning.
func TestFluxFilesAgree(t *testing.T) {
	workflow := readFile(t, "examples/flux-ci/workflow.yaml")
	nodes := parseStream(t, readFile(t, "examples/flux-ci/flux.yaml"))
	repo := find(nodes, "OCIRepository", "flux-system", "sts-prod")
	require.NotNil(t, repo)
	assert.Equal(t, "source.toolkit.fluxcd.io/v1", repo.GetApiVersion(), "v1beta2 is not served since Flux 2.8")
	tag := field(t, repo, "spec", "ref", "tag")
	assert.Contains(t, workflow, "--tag "+tag, "the workflow moves the tag Flux follows")
	url := field(t, repo, "spec", "url")
	assert.Contains(t, workflow, strings.TrimPrefix(url, "oci://ghcr.io/example/"), "the same artifact")

	ks := find(nodes, "Kustomization", "flux-system", "sts-prod")
	require.NotNil(t, ks)
	assert.Equal(t, "kustomize.toolkit.fluxcd.io/v1", ks.GetApiVersion())
	patches, err := ks.Pipe(yaml.Lookup("spec", "patches"))
	require.NoError(t, err)
	require.NotNil(t, patches)
	text, _ := patches.String()
	assert.Contains(t, text, "kind: Authentication")
	assert.Contains(t, text, "kustomize.toolkit.fluxcd.io/prune: disabled")
}

// TestContainerNamesAgree: the image the function config runs is the one
// make image builds and the README names; the pull secret it mounts is the
// file the README tells users to create, and Git ignores it.
func TestContainerNamesAgree(t *testing.T) {
	cfg := parseStream(t, readFile(t, "examples/container/sts-credentials.yaml"))[0]
	fnSpec, err := yaml.Parse(cfg.GetAnnotations()["config.kubernetes.io/function"])
	require.NoError(t, err)
	image := field(t, fnSpec, "container", "image")
	makefile := readFile(t, "Makefile")
	assert.Regexp(t, regexp.MustCompile(`(?m)^IMAGE\s+\?= `+regexp.QuoteMeta(image)+`$`), makefile)
	assert.Contains(t, readFile(t, "examples/container/README.md"), image)
	assert.Contains(t, readFile(t, "README.md"), image)
	assert.Contains(t, readFile(t, "examples/flux-ci/workflow.yaml"), image)

	for _, fieldName := range []string{"mounts", "envs"} {
		v, err := fnSpec.Pipe(yaml.Lookup("container", fieldName))
		require.NoError(t, err)
		assert.Nil(t, v, "the function annotation may not carry %s: stsrender refuses them", fieldName)
	}
	for _, flag := range containerOperatorFlags {
		assert.Contains(t, readFile(t, "examples/container/README.md"), flag, "the README's command uses the tests' operator flags")
	}
	assert.Contains(t, readFile(t, "examples/container/README.md"), "examples/container/pull-secret.json")
	check := exec.Command("git", "check-ignore", "-q", "examples/container/pull-secret.json")
	check.Dir = e2e.root
	assert.NoError(t, check.Run(), "a pull secret copied there is never committed")
}

// TestArgoCDNamesAgree: the ConfigMap and Secret the README creates are the
// ones the sidecar patch mounts, under the keys it reads.
func TestArgoCDNamesAgree(t *testing.T) {
	readme := readFile(t, "examples/argocd/README.md")
	patch := readFile(t, "examples/argocd/repo-server-patch.yaml")
	assert.Contains(t, readme, "create configmap stsrender-plugin --from-file=plugin.yaml=")
	assert.Contains(t, patch, "name: stsrender-plugin")
	assert.Contains(t, patch, "subPath: plugin.yaml")
	assert.Contains(t, readme, "create secret generic openshift-pull-secret --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson=")
	assert.Contains(t, patch, "secretName: openshift-pull-secret")
	assert.Contains(t, patch, "/var/run/secrets/pull-secret/.dockerconfigjson")
	assert.Contains(t, patch, "examples/argocd/Dockerfile", "the patch names the image's real recipe")
}

// TestMakeUpdateKeepsTheTreeGreen runs what make update runs in a copy of
// the repository: no golden file may change (the examples' and the
// packages' goldens are in step with the code), and no file may appear.
func TestMakeUpdateKeepsTheTreeGreen(t *testing.T) {
	repo := repoCopy(t)
	before := treeSnapshot(t, repo)
	update := exec.Command("make", "update")
	update.Dir = repo
	update.Env = docsEnv(t, repo)
	out, err := update.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, before, treeSnapshot(t, repo), "make update on a clean tree changes nothing")
}

func treeSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	require.NoError(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if info.IsDir() || strings.HasPrefix(rel, "bin"+string(filepath.Separator)) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[rel] = string(data)
		return nil
	}))
	return files
}
