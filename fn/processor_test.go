package fn_test

import (
	"flag"
	"io"
	"path/filepath"
	"testing"

	"github.com/stsrender/stsrender/fn"
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
		return &fn.Processor{Fetch: fn.ImageFetcher(io.Discard), Root: repo}
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
