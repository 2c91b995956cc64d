package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkKustomizeQuickstart times a warm-cache `kustomize build` of the
// quickstart (stsrender as an exec function) against `kustomize build` of
// the same objects as static YAML, alternating the two in one run, and
// reports the ratio. It also times a bare start of the binary.
func BenchmarkKustomizeQuickstart(b *testing.B) {
	quickstart := filepath.Join(e2e.root, "examples", "quickstart")
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
	build(quickstart) // warm the release cache
	var fn, plain, startup time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fn += build(quickstart)
		plain += build(static)
		start := time.Now()
		require.NoError(b, exec.Command(e2e.stsrender, "version").Run())
		startup += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(float64(fn.Milliseconds())/n, "fn-ms/op")
	b.ReportMetric(float64(plain.Milliseconds())/n, "static-ms/op")
	b.ReportMetric(float64(fn)/float64(plain), "ratio")
	b.ReportMetric(float64(startup.Microseconds())/n/1000, "startup-ms/op")
}
