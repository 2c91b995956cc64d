package cli

import (
	"context"
	"os"
	"strconv"

	"github.com/stsrender/stsrender/fn"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// runFunction is the KRM function: ResourceList on stdin, ResourceList on
// stdout, everything else on stderr.
func runFunction(ctx context.Context, s Streams) error {
	explain, _ := strconv.ParseBool(os.Getenv("STSRENDER_EXPLAIN"))
	p := &fn.Processor{Context: ctx, Fetch: fn.ImageFetcher(s.Err), Apply: applyDuringRender(s), Log: s.Err, Explain: explain}
	return framework.Execute(p, &kio.ByteReadWriter{Reader: s.In, Writer: s.Out, KeepReaderAnnotations: true})
}
