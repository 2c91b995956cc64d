package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func fleetBuild(t testing.TB, fleet, dir string) result {
	t.Helper()
	cmd := exec.Command(e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	cmd.Env = append(os.Environ(), "STSRENDER_ROOT="+fleet)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// TestFleetExample builds every cluster of examples/fleet (three clusters,
// two releases) and the hub, and checks that no two clusters share an AWS
// name and that the ApplicationSet's directories exist.
func TestFleetExample(t *testing.T) {
	fleet := filepath.Join(e2e.root, "examples", "fleet")
	clusters, err := filepath.Glob(filepath.Join(fleet, "clusters", "*"))
	require.NoError(t, err)
	require.Len(t, clusters, 3)
	owner := map[string]string{} // AWS name -> cluster
	for _, c := range clusters {
		name := filepath.Base(c)
		res := fleetBuild(t, fleet, filepath.Join(c, "cluster"))
		require.Equal(t, 0, res.code, res.stderr)
		nodes := parseStream(t, res.stdout)
		assert.NotNil(t, find(nodes, "Authentication", "", "cluster"), name)
		res = fleetBuild(t, fleet, filepath.Join(c, "aws"))
		require.Equal(t, 0, res.code, res.stderr)
		for _, n := range parseStream(t, res.stdout) {
			if n.GetKind() != "Role" && n.GetKind() != "Bucket" {
				continue
			}
			external := n.GetAnnotations()["crossplane.io/external-name"]
			require.NotEmpty(t, external)
			if other, dup := owner[external]; dup {
				t.Errorf("%s %s is rendered for both %s and %s", n.GetKind(), external, other, name)
			}
			owner[external] = name
			assert.Equal(t, "Orphan", field(t, n, "spec", "deletionPolicy"))
		}
	}
	assert.Len(t, owner, 18, "3 buckets and 15 roles, each named once")

	res := fleetBuild(t, fleet, filepath.Join(fleet, "hub"))
	require.Equal(t, 0, res.code, res.stderr)
	hub := parseStream(t, res.stdout)
	var buckets []string
	for _, n := range hub {
		if n.GetKind() == "Bucket" {
			buckets = append(buckets, n.GetName())
		}
	}
	assert.ElementsMatch(t, []string{"fleet-east-oidc", "fleet-west-oidc", "fleet-lab-oidc"}, buckets)

	// The ApplicationSet's directory pattern matches the clusters' dirs.
	data, err := os.ReadFile(filepath.Join(fleet, "applicationset.yaml"))
	require.NoError(t, err)
	docs := parseStream(t, string(data))
	set := find(docs, "ApplicationSet", "argocd", "sts-clusters")
	require.NotNil(t, set)
	dirs, err := set.Pipe(yaml.Lookup("spec", "generators"))
	require.NoError(t, err)
	text, _ := dirs.String()
	assert.Contains(t, text, "path: examples/fleet/clusters/*/cluster")
	paths, err := filepath.Glob(filepath.Join(e2e.root, "examples/fleet/clusters/*/cluster"))
	require.NoError(t, err)
	assert.Len(t, paths, 3)
	assert.Contains(t, string(data), "path: examples/fleet/hub")

	// Without the operator's wider root, a cluster cannot read above its dir.
	cmd := exec.Command(e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", filepath.Join(clusters[0], "cluster"))
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "is outside")
}

// BenchmarkFleet renders 100 cluster directories like examples/fleet's, one
// kustomize build each (as Argo CD's repo-server does per Application), and
// the hub with all 100 clusters' Crossplane resources in one build. It
// reports the time per cluster and the peak resident memory of a build
// (kustomize and the stsrender it runs), from the kernel's rusage.
func BenchmarkFleet(b *testing.B) {
	fleet := b.TempDir()
	src := filepath.Join(e2e.root, "examples", "fleet")
	require.NoError(b, exec.Command("cp", "-r", filepath.Join(src, "releases"), fleet).Run())
	require.NoError(b, os.MkdirAll(filepath.Join(fleet, "clusters"), 0o755))
	var hub strings.Builder
	hub.WriteString("resources:\n")
	const n = 100
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("c%03d", i)
		dst := filepath.Join(fleet, "clusters", name)
		require.NoError(b, exec.Command("cp", "-r", filepath.Join(src, "clusters", "east"), dst).Run())
		for _, kind := range []string{"cluster", "aws"} {
			cfg := filepath.Join(dst, kind, "sts-credentials.yaml")
			data, err := os.ReadFile(cfg)
			require.NoError(b, err)
			require.NoError(b, os.WriteFile(cfg, []byte(strings.ReplaceAll(string(data), "fleet-east", "fleet-"+name)), 0o644))
		}
		fmt.Fprintf(&hub, "- ../clusters/%s/aws\n", name)
	}
	require.NoError(b, os.MkdirAll(filepath.Join(fleet, "hub"), 0o755))
	require.NoError(b, os.WriteFile(filepath.Join(fleet, "hub", "kustomization.yaml"), []byte(hub.String()), 0o644))
	b.Setenv("STSRENDER_CACHE_DIR", b.TempDir())

	build := func(dir string) (time.Duration, int64) {
		cmd := exec.Command(e2e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
		cmd.Env = append(os.Environ(), "STSRENDER_ROOT="+fleet)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		require.NoError(b, err, string(out))
		return time.Since(start), cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	}
	b.Run("clusters", func(b *testing.B) {
		var total time.Duration
		var peak int64
		for i := 0; i < b.N; i++ {
			for c := 0; c < n; c++ {
				d, rss := build(filepath.Join(fleet, "clusters", fmt.Sprintf("c%03d", c), "cluster"))
				total += d
				peak = max(peak, rss)
			}
		}
		b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/100-clusters")
		b.ReportMetric(float64(total.Microseconds())/float64(b.N*n)/1000, "ms/cluster")
		b.ReportMetric(float64(peak)/1024, "peak-MiB")
	})
	b.Run("hub", func(b *testing.B) {
		var total time.Duration
		var peak int64
		for i := 0; i < b.N; i++ {
			d, rss := build(filepath.Join(fleet, "hub"))
			total += d
			peak = max(peak, rss)
		}
		b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/hub-of-100")
		b.ReportMetric(float64(peak)/1024, "peak-MiB")
	})
}
