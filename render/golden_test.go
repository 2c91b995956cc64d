package render_test

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

var update = flag.Bool("update", false, "rewrite the expected files of the golden tests from the actual output")

// TestGolden renders the shared requests with the params of each
// testdata/golden/<case>/ and compares every file with <case>/expected/;
// the rosa-hcp-* cases render ROSA HCP's operator roles instead.
func TestGolden(t *testing.T) {
	requests := loadRequests(t, filepath.Join("testdata", "requests"))
	cases, err := os.ReadDir(filepath.Join("testdata", "golden"))
	require.NoError(t, err)
	for _, c := range cases {
		t.Run(c.Name(), func(t *testing.T) {
			dir := filepath.Join("testdata", "golden", c.Name())
			params := loadParams(t, filepath.Join(dir, "params.yaml"))
			reqs := requests
			if params.HostedControlPlane != nil {
				reqs = nil // ROSA HCP roles come from the table
			}
			model, err := render.Render(params, reqs)
			require.NoError(t, err)
			files, err := model.Files()
			require.NoError(t, err)
			compareTree(t, filepath.Join(dir, "expected"), files)
		})
	}
}

func compareTree(t *testing.T, expectedDir string, files []render.File) {
	t.Helper()
	if *update {
		require.NoError(t, os.RemoveAll(expectedDir))
		for _, f := range files {
			p := filepath.Join(expectedDir, filepath.FromSlash(f.Path))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, f.Data, 0o644))
		}
		t.Skip("expected files updated")
	}
	want := map[string]string{}
	err := filepath.WalkDir(expectedDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(expectedDir, p)
		want[filepath.ToSlash(rel)] = string(data)
		return err
	})
	require.NoError(t, err, "run go test ./render -update to create the expected files")
	got := map[string]string{}
	for _, f := range files {
		got[f.Path] = string(f.Data)
	}
	for name, data := range want {
		if assert.Contains(t, got, name, "file missing from the render") {
			assert.Equal(t, data, got[name], "content of %s (go test ./render -update rewrites it)", name)
		}
	}
	for name := range got {
		assert.Contains(t, want, name, "unexpected file in the render")
	}
}
