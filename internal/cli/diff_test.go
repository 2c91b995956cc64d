package cli

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

var update = flag.Bool("update", false, "rewrite testdata golden files from the actual output")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "go test ./internal/cli -update creates it")
	assert.Equal(t, string(want), got, "%s differs (go test ./internal/cli -update rewrites it)", path)
}

func payload(version string) string {
	return filepath.Join("..", "..", "release", "testdata", "payloads", version)
}

// TestDiffGolden diffs every pair of the project's 4.14-, 4.18- and
// 4.22-shaped payloads, for the default cluster and for one configured
// like the quickstart (ImageRegistry disabled), as text and Markdown.
func TestDiffGolden(t *testing.T) {
	quickstart := writeConfigWith(t, baseConfig+"    installConfig: "+mustAbs(t, filepath.Join("..", "..", "examples", "quickstart", "install-config.yaml"))+"\n", payload("4.22"))
	for _, pair := range [][2]string{{"4.14", "4.18"}, {"4.18", "4.22"}, {"4.14", "4.22"}} {
		for _, format := range []string{"text", "markdown"} {
			name := pair[0] + "-" + pair[1]
			code, stdout, stderr := run(t, "diff", "--from", payload(pair[0]), "--to", payload(pair[1]), "-o", format)
			require.Equal(t, 2, code, stderr)
			golden(t, filepath.Join("diff", name+"."+format), stdout)
			code, stdout, stderr = run(t, "diff", "--from", payload(pair[0]), "--to", payload(pair[1]), "-o", format, "-f", quickstart)
			require.Equal(t, 2, code, stderr)
			golden(t, filepath.Join("diff", name+"-cluster."+format), stdout)
		}
	}
}

func TestDiffExitCodesAndJSON(t *testing.T) {
	code, stdout, stderr := run(t, "diff", "--from", payload("4.22"), "--to", payload("4.22"))
	assert.Equal(t, 0, code, stderr)
	assert.Equal(t, "AWS changes from 4.22.0 to 4.22.0:\nSummary: no change\n", stdout)

	code, stdout, stderr = run(t, "diff", "--from", payload("4.18"), "--to", payload("4.22"), "-o", "json")
	require.Equal(t, 2, code, stderr)
	var d render.ReleaseDiff
	require.NoError(t, json.Unmarshal([]byte(stdout), &d))
	assert.Equal(t, "4.18.0", d.From)
	assert.Equal(t, "4.22.0", d.To)
	require.Len(t, d.Roles, 1)
	assert.Equal(t, "changed", d.Roles[0].Change)
	assert.Equal(t, render.NamespacedName{Namespace: "openshift-machine-api", Name: "aws-cloud-credentials"}, d.Roles[0].SecretRef)
	assert.Equal(t, []string{"ec2:AllocateHosts", "ec2:ReleaseHosts"}, d.Roles[0].Statements[0].Actions.Added)

	code, _, stderr = run(t, "diff", "--from", payload("4.18"), "--to", filepath.Join(t.TempDir(), "nowhere"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--to: ")

	code, _, stderr = run(t, "diff", "--from", payload("4.18"), "--to", payload("4.22"), "-o", "yaml")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `--output "yaml": use text or json or markdown`)
}

func TestDiffFromImages(t *testing.T) {
	image := exampleImage(t)
	code, stdout, stderr := run(t, "diff", "--from", payload("4.18"), "--to", image)
	require.Equal(t, 2, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "AWS changes from 4.18.0 to 4.22.0:\n"), stdout)
	assert.Contains(t, stdout, "+ec2:AllocateHosts")
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	require.NoError(t, err)
	return abs
}
