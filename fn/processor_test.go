package fn_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/stsrender/stsrender/fn"
	"github.com/stsrender/stsrender/pipeline"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/fn/framework/frameworktestutil"
)

var update = flag.Bool("update", false, "rewrite expected.yaml files from the actual output")

// TestProcessor runs every testdata/<case>/input.yaml ResourceList through
// the function and compares with expected.yaml or errors.txt.
func TestProcessor(t *testing.T) {
	t.Setenv("STSRENDER_CACHE_DIR", t.TempDir())
	// The cases share keys and the example release image: the operator's
	// widened root (STSRENDER_ROOT) is the repository.
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	processor := func() framework.ResourceListProcessor {
		return &fn.Processor{Fetch: pipeline.ImageFetcher(io.Discard), Root: repo}
	}
	ok := frameworktestutil.ProcessorResultsChecker{
		TestDataDirectory:        filepath.Join("testdata", "ok"),
		Processor:                processor,
		UpdateExpectedFromActual: *update,
	}
	ok.Assert(t)
	// errors.txt holds regular expressions written by hand: -update would
	// turn them into literal text and add expected.yaml files, so the error
	// cases are never rewritten.
	errorCases := frameworktestutil.ProcessorResultsChecker{
		TestDataDirectory: filepath.Join("testdata", "errors"),
		Processor:         processor,
	}
	errorCases.Assert(t)
}

// TestStreamRequestLimit: the operator's count limit on streamed requests
// holds, and names the variable that raises it.
func TestStreamRequestLimit(t *testing.T) {
	repo, err := filepath.Abs("..")
	require.NoError(t, err)
	input, err := os.ReadFile(filepath.Join("testdata", "ok", "transformer", "input.yaml"))
	require.NoError(t, err)
	run := func(limits fn.StreamLimits) error {
		rw := &kio.ByteReadWriter{Reader: bytes.NewReader(input), Writer: io.Discard, KeepReaderAnnotations: true}
		p := &fn.Processor{Root: repo, WorkDir: filepath.Join("testdata", "ok", "transformer"), StreamLimits: limits}
		return framework.Execute(p, rw)
	}
	err = run(fn.StreamLimits{StreamRequests: 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the resource stream holds more than 1 CredentialsRequests; the operator raises the limit with STSRENDER_MAX_STREAM_REQUESTS")
	require.NoError(t, run(fn.StreamLimits{}), "the default allows the example")

	limits, err := fn.StreamLimitsFromEnv(func(string) string { return "0" })
	assert.Error(t, err, "a limit is a positive number")
	limits, err = fn.StreamLimitsFromEnv(func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, fn.DefaultMaxStreamRequests, limits.StreamRequests)
}

// TestStreamRequestWithATypoFails: a request written in Git that names an
// action AWS does not have fails the render, naming its file and the
// nearest action; the same typo in a release payload would only warn.
func TestStreamRequestWithATypoFails(t *testing.T) {
	repo, err := filepath.Abs("..")
	require.NoError(t, err)
	input, err := os.ReadFile(filepath.Join("testdata", "ok", "transformer", "input.yaml"))
	require.NoError(t, err)
	require.Contains(t, string(input), "dynamodb:GetItem")
	typo := strings.Replace(string(input), "dynamodb:GetItem", "dynamodb:GetItme", 1)
	rw := &kio.ByteReadWriter{Reader: strings.NewReader(typo), Writer: io.Discard, KeepReaderAnnotations: true}
	err = framework.Execute(&fn.Processor{Root: repo, WorkDir: filepath.Join("testdata", "ok", "transformer")}, rw)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `review policies: `)
	assert.Contains(t, err.Error(), `team-a/credentials-request.yaml`)
	assert.Contains(t, err.Error(), `"dynamodb:GetItme" is not an action of dynamodb; did you mean dynamodb:GetItem?`)
}
