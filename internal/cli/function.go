package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/stsrender/stsrender/fn"
	"github.com/stsrender/stsrender/internal/fsguard"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// runFunction is the KRM function: ResourceList on stdin, ResourceList on
// stdout, everything else on stderr.
func runFunction(ctx context.Context, s Streams) error {
	tuneGCForFunction()
	explain, _ := strconv.ParseBool(os.Getenv("STSRENDER_EXPLAIN"))
	p := &fn.Processor{
		Context:    ctx,
		Fetch:      fn.ImageFetcher(s.Err),
		Apply:      applyDuringRender(s),
		Log:        s.Err,
		Explain:    explain,
		Root:       os.Getenv(fsguard.DefaultRootEnv),
		AllowApply: fn.AllowedAccounts(os.Getenv(fn.AllowApplyEnv)),
	}
	in := &cappedReader{r: s.In, left: maxFunctionInput}
	// The ResourceList goes out only when the whole run succeeded: a failed
	// function prints nothing on stdout, so nothing downstream (kustomize,
	// an Argo CD plugin with prune) can mistake half an answer for one.
	var out bytes.Buffer
	if err := framework.Execute(p, &kio.ByteReadWriter{Reader: in, Writer: &out, KeepReaderAnnotations: true}); err != nil {
		return err
	}
	_, err := s.Out.Write(out.Bytes())
	return err
}

// maxFunctionInput bounds the ResourceList read from kustomize: the whole
// stream is held in memory, and a kustomization's own resources are far
// smaller.
const maxFunctionInput = 256 << 20

// cappedReader fails instead of truncating, so an over-size stream can
// never be read as a shorter valid one.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var probe [1]byte
		if n, err := c.r.Read(probe[:]); n == 0 && err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("the ResourceList on standard input is larger than %d MiB", maxFunctionInput>>20)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
