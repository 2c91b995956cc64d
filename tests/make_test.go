package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMissingMotoIsReported runs the check make test runs around go test
// with a PATH that has no moto_server: the skip is said on stderr, where a
// plain make test shows it (go test hides a passing package's output).
func TestMissingMotoIsReported(t *testing.T) {
	empty := t.TempDir()
	bash, err := lookPathIn("bash")
	require.NoError(t, err)
	script := filepath.Join(e2e.root, "hack", "check-moto")
	res := runIn(t, e2e.root, []string{"PATH=" + empty, "CI="}, bash, script)
	require.Equal(t, 0, res.code)
	assert.Contains(t, res.stderr, "moto_server is not on PATH: the AWS tests (awsapply, tests) are SKIPPED")
	res = runIn(t, e2e.root, []string{"PATH=" + empty, "CI=true"}, bash, script)
	assert.Contains(t, res.stderr, "under CI=true the AWS tests (awsapply, tests) fail")
	makefile, err := os.ReadFile(filepath.Join(e2e.root, "Makefile"))
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(makefile), "@hack/check-moto"), "make test runs the check before and after go test")
}

func lookPathIn(name string) (string, error) {
	for _, dir := range []string{"/usr/bin", "/bin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}
