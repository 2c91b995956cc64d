package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/release/releasetest"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// BenchmarkKustomizeQuickstart times warm `kustomize build` runs, one of
// each kind per iteration so that they share the machine's state:
//
//   - registry: the quickstart with its release image served by a registry
//     on loopback and pinned by digest, the cache warm (the everyday render);
//   - krm: the same through stsrender-krm, the function alone;
//   - layout: the quickstart as shipped, the release an OCI layout;
//   - trivial: the floor for any exec function, a kyaml framework generator
//     that emits six small Secrets (tests/testdata/trivialfn);
//   - static: the quickstart's expected objects as plain YAML, no function.
//
// trivial-ratio (registry over trivial) and krm-ratio (krm over trivial)
// are the figures the README quotes.
func BenchmarkKustomizeQuickstart(b *testing.B) {
	cache := b.TempDir()
	b.Setenv("STSRENDER_CACHE_DIR", cache)
	quickstart := filepath.Join(e2e.root, "examples", "quickstart")
	fromRegistry := quickstartFromRegistry(b, quickstart)
	viaKRMDir := b.TempDir()
	for _, f := range []string{"kustomization.yaml", "install-config.yaml", "sa-signer.pub", "sts-credentials.yaml"} {
		data, err := os.ReadFile(filepath.Join(fromRegistry, f))
		require.NoError(b, err)
		if f == "sts-credentials.yaml" {
			data = []byte(strings.Replace(string(data), "path: stsrender\n", "path: "+e2e.stsrenderKRM+"\n", 1))
			require.Contains(b, string(data), "path: "+e2e.stsrenderKRM+"\n")
		}
		require.NoError(b, os.WriteFile(filepath.Join(viaKRMDir, f), data, 0o644))
	}
	trivial := trivialFunctionDir(b)
	static := b.TempDir()
	expected, err := os.ReadFile(filepath.Join(quickstart, "expected.yaml"))
	require.NoError(b, err)
	require.NoError(b, os.WriteFile(filepath.Join(static, "objects.yaml"), expected, 0o644))
	require.NoError(b, os.WriteFile(filepath.Join(static, "kustomization.yaml"), []byte("resources: [objects.yaml]\n"), 0o644))

	build := func(dir string) time.Duration {
		start := time.Now()
		cmd := exec.Command(e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
		out, err := cmd.CombinedOutput()
		require.NoError(b, err, string(out))
		return time.Since(start)
	}
	for _, dir := range []string{fromRegistry, viaKRMDir, quickstart, trivial} {
		build(dir) // warm the release cache and the page cache
	}
	var viaRegistry, viaKRM, viaLayout, floor, plain, startup time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		viaRegistry += build(fromRegistry)
		viaKRM += build(viaKRMDir)
		viaLayout += build(quickstart)
		floor += build(trivial)
		plain += build(static)
		start := time.Now()
		require.NoError(b, exec.Command(e2e.stsrender, "version").Run())
		startup += time.Since(start)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 1000 }
	b.ReportMetric(ms(viaRegistry), "registry-ms/op")
	b.ReportMetric(ms(viaKRM), "krm-ms/op")
	b.ReportMetric(ms(viaLayout), "layout-ms/op")
	b.ReportMetric(ms(floor), "trivial-ms/op")
	b.ReportMetric(ms(plain), "static-ms/op")
	b.ReportMetric(float64(viaRegistry)/float64(floor), "trivial-ratio")
	b.ReportMetric(float64(viaKRM)/float64(floor), "krm-ratio")
	b.ReportMetric(float64(viaRegistry)/float64(plain), "static-ratio")
	b.ReportMetric(ms(startup), "startup-ms/op")
}

// quickstartFromRegistry copies the quickstart with its release image
// pushed to a registry on loopback and referenced by digest.
func quickstartFromRegistry(b *testing.B, quickstart string) string {
	ref, _ := releasetest.ServeLayout(b, filepath.Join(quickstart, "release-image"), "ocp/release", "4.22.0")
	dir := b.TempDir()
	for _, f := range []string{"kustomization.yaml", "install-config.yaml", "sa-signer.pub", "sts-credentials.yaml"} {
		data, err := os.ReadFile(filepath.Join(quickstart, f))
		require.NoError(b, err)
		if f == "sts-credentials.yaml" {
			pinned := "image: " + ref + "\n    insecure: true"
			data = []byte(strings.Replace(string(data), "image: oci:release-image", pinned, 1))
			require.Contains(b, string(data), pinned)
		}
		require.NoError(b, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	return dir
}

// trivialFunctionDir builds tests/testdata/trivialfn and a kustomization
// that runs it as an exec generator.
func trivialFunctionDir(b testing.TB) string {
	dir := b.TempDir()
	binary := filepath.Join(dir, "trivialfn")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", binary, "./tests/testdata/trivialfn")
	build.Dir = e2e.root
	out, err := build.CombinedOutput()
	require.NoError(b, err, string(out))
	config := `apiVersion: example.com/v1
kind: TrivialGenerator
metadata:
  name: trivial
  annotations:
    config.kubernetes.io/local-config: "true"
    config.kubernetes.io/function: |
      exec:
        path: ` + binary + "\n"
	require.NoError(b, os.WriteFile(filepath.Join(dir, "generator.yaml"), []byte(config), 0o644))
	require.NoError(b, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("generators: [generator.yaml]\n"), 0o644))
	return dir
}

// TestTrivialGeneratorIsAFloor keeps the benchmark's floor honest: through
// kustomize it yields its six Secrets and nothing else, not even its config.
func TestTrivialGeneratorIsAFloor(t *testing.T) {
	cmd := exec.Command(e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", trivialFunctionDir(t))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	nodes, err := kio.FromBytes(out)
	require.NoError(t, err)
	var ids []string
	for _, n := range nodes {
		ids = append(ids, n.GetKind()+"/"+n.GetName())
	}
	assert.Equal(t, []string{"Secret/secret-0", "Secret/secret-1", "Secret/secret-2", "Secret/secret-3", "Secret/secret-4", "Secret/secret-5"}, ids)
}
