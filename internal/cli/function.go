package cli

import (
	"context"

	"github.com/stsrender/stsrender/fn"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// runFunction is the KRM function: ResourceList on stdin, ResourceList on
// stdout, everything else on stderr.
func runFunction(ctx context.Context, s Streams) error {
	p := &fn.Processor{Context: ctx, Fetch: fn.ImageFetcher(s.Err), Log: s.Err}
	return framework.Execute(p, &kio.ByteReadWriter{Reader: s.In, Writer: s.Out, KeepReaderAnnotations: true})
}
