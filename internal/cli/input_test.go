package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/release/releasetest"
)

// pushExample serves the example release image from a registry on
// loopback and returns its digest reference and the server.
func pushExample(t *testing.T) (string, *httptest.Server) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "examples", "quickstart", "release-image"))
	require.NoError(t, err)
	return releasetest.ServeLayout(t, dir, "ocp/release", "4.22.0")
}

func TestReleaseInfoAsksTheRegistry(t *testing.T) {
	t.Setenv("STSRENDER_CACHE_DIR", t.TempDir())
	ref, srv := pushExample(t)
	code, stdout, stderr := run(t, "release", "info", "--insecure", ref)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "source:   registry\n")
	assert.Contains(t, stdout, "(the only layer read)")

	code, stdout, stderr = run(t, "release", "info", "--insecure", ref)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "source:   cache (the registry holds the manifest)")

	srv.Close()
	code, stdout, stderr = run(t, "release", "info", "--insecure", ref)
	assert.Equal(t, 1, code, "a registry that is gone is not answered from the cache: %s", stdout)
	assert.Contains(t, stderr, "the payload is cached, but no registry serves the release now")

	code, stdout, stderr = run(t, "release", "info", "--insecure", "--offline", ref)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "source:   cache only (--offline: the registry was not asked)")
	assert.Contains(t, stdout, "(read from the cache)")

	code, _, stderr = run(t, "release", "info", "--offline", "quay.io/x/y:4.22")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--offline needs a digest reference")
}

func TestConfusingInputs(t *testing.T) {
	image := strings.TrimPrefix(exampleImage(t), "oci:")
	cases := []struct {
		reason string
		args   []string
		want   string
	}{
		{"a bare directory is not a Docker Hub reference", []string{"release", "info", image}, `is a local directory, not a registry reference: write oci:` + image},
		{"a bare file likewise", []string{"release", "info", filepath.Join(image, "index.json")}, "is a local file, not a registry reference: write docker-archive:"},
		{"an output format that does not exist", []string{"release", "info", "-o", "yaml", "oci:" + image}, `--output "yaml": use text or json`},
		{"formats are case-sensitive", []string{"plan", "-f", "x.yaml", "-o", "JSON"}, `--output "JSON": use text or json`},
		{"a mistyped subcommand", []string{"rendr"}, `unknown command "rendr" for "stsrender"; did you mean render?`},
	}
	for _, tc := range cases {
		code, stdout, stderr := run(t, tc.args...)
		assert.Equal(t, 1, code, tc.reason)
		assert.Empty(t, stdout, tc.reason)
		assert.Contains(t, stderr, tc.want, tc.reason)
	}
}

func TestFailedFunctionPrintsNothingOnStdout(t *testing.T) {
	for _, input := range []string{"foo: bar\n", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"} {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), nil, Streams{In: strings.NewReader(input), Out: &out, Err: &errOut})
		assert.Equal(t, 1, code)
		assert.Empty(t, out.String(), "input %q", input)
		assert.NotEmpty(t, errOut.String())
	}
}

func TestMain(m *testing.M) {
	// Tests that read the example image share one cache per test; nothing
	// here reaches a registry off this machine.
	os.Exit(m.Run())
}
