package tests

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const modulePath = "github.com/stsrender/stsrender"

func TestPackagesImportOnlyDownward(t *testing.T) {
	// productLayers is the house, bottom first (docs/architecture.md): a
	// package may import only packages on a lower floor. A package this table
	// does not name fails the test, so a new one is placed on purpose.
	productLayers := [][]string{
		{"render", "fsguard", "safetext", "api/schemagen"},
		{"release", "outputs", "iamref", "awsapply", "doctor"},
		{"api/v1alpha1"},
		{"pipeline"},
		{"fn"},
		{"internal/krm"},
		{"internal/cli", "cmd/stsrender-krm"},
		{"."},
	}

	// Test helpers and development tools: product code never imports them.
	notProduct := []string{"internal/testsupport/", "release/releasetest", "hack/", "tests"}
	list := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	list.Dir = e2e.root
	out, err := list.Output()
	require.NoError(t, err)
	floor := map[string]int{}
	for i, layer := range productLayers {
		for _, p := range layer {
			floor[p] = i
		}
	}
	local := func(importPath string) (string, bool) {
		if importPath == modulePath {
			return ".", true
		}
		rel, ok := strings.CutPrefix(importPath, modulePath+"/")
		return rel, ok
	}
	helper := func(p string) bool {
		for _, prefix := range notProduct {
			if p == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(p, prefix) {
				return true
			}
		}
		return false
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, _ := local(fields[0])
		if helper(pkg) {
			continue
		}
		seen++
		own, placed := floor[pkg]
		if !assert.True(t, placed, "package %s has no floor in productLayers: place it", pkg) {
			continue
		}
		for _, imp := range fields[1:] {
			dep, ok := local(imp)
			if !ok {
				continue
			}
			assert.False(t, helper(dep), "%s imports %s, a test helper or tool", pkg, dep)
			if depFloor, placed := floor[dep]; placed {
				assert.Less(t, depFloor, own, "%s (floor %d) imports %s (floor %d): imports go down only", pkg, own, dep, depFloor)
			}
		}
	}
	assert.Equal(t, len(floor), seen, "every package of productLayers exists")
}
