package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCacheSharedByConcurrentProcesses runs two stsrender processes on one
// empty cache at once, then a third one on the warm cache.
func TestCacheSharedByConcurrentProcesses(t *testing.T) {
	cache := t.TempDir()
	image := "oci:" + filepath.Join(e2e.root, "examples", "quickstart", "release-image")
	run := func() (string, error) {
		cmd := exec.Command(e2e.stsrender, "release", "info", image, "-o", "json")
		cmd.Env = append(os.Environ(), "STSRENDER_CACHE_DIR="+cache)
		out, err := cmd.Output()
		return string(out), err
	}
	var wg sync.WaitGroup
	outs := make([]string, 2)
	errs := make([]error, 2)
	for i := range outs {
		wg.Add(1)
		go func(i int) { defer wg.Done(); outs[i], errs[i] = run() }(i)
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	assert.Equal(t, outs[0], outs[1])

	entries, err := filepath.Glob(filepath.Join(cache, "payloads", "*"))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "one complete entry, no temporary files left")
	warm, err := run()
	require.NoError(t, err)
	assert.Equal(t, outs[0], warm)
}
