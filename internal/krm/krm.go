// Package krm runs stsrender's KRM function: a ResourceList on standard
// input, a ResourceList on standard output, everything else on standard
// error. Both stsrender (run without arguments) and stsrender-krm, the
// function alone, run it; they differ only in how spec.apply reaches AWS.
package krm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/stsrender/stsrender/fn"
	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/pipeline"
	"github.com/stsrender/stsrender/render"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ApplyFunc creates or repairs the AWS side of a model (spec.apply: true).
type ApplyFunc func(ctx context.Context, m *render.Model, prune bool) error

// MaxInput bounds the ResourceList read from kustomize: the whole stream is
// held in memory, and a kustomization's own resources are far smaller.
const MaxInput = 256 << 20

// ReadInput reads the whole ResourceList, failing (instead of truncating)
// past MaxInput, so an over-size stream can never be read as a shorter
// valid one.
func ReadInput(r io.Reader) ([]byte, error) {
	return readInput(r, MaxInput)
}

func readInput(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("the ResourceList on standard input is larger than %d MiB", limit>>20)
	}
	return data, nil
}

// Run processes a ResourceList. The result goes to out only when the whole
// run succeeded: a failed function prints nothing on stdout, so nothing
// downstream (kustomize, an Argo CD plugin with prune) can mistake half an
// answer for one.
func Run(ctx context.Context, input []byte, out, log io.Writer, apply ApplyFunc) error {
	tuneGC(len(input))
	explain, _ := strconv.ParseBool(os.Getenv("STSRENDER_EXPLAIN"))
	limits, err := fn.StreamLimitsFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	p := &fn.Processor{
		StreamLimits: limits,
		Context:      ctx,
		Fetch:        pipeline.ImageFetcher(log),
		Apply:        apply,
		Log:          log,
		Explain:      explain,
		Root:         os.Getenv(fsguard.DefaultRootEnv),
		AllowApply:   fn.AllowedAccounts(os.Getenv(fn.AllowApplyEnv)),
	}
	var result bytes.Buffer
	if err := execute(p, input, &result); err != nil {
		return err
	}
	_, err = out.Write(result.Bytes())
	return err
}

// execute is kyaml's framework.Execute with the output written item by
// item (writeResourceList): the same steps, in the same order.
func execute(p framework.ResourceListProcessor, input []byte, out io.Writer) error {
	if len(bytes.TrimSpace(input)) == 0 {
		return errors.New("empty input: expected a ResourceList on standard input, as kustomize and kpt send it")
	}
	source := &kio.ByteReadWriter{Reader: bytes.NewReader(input), KeepReaderAnnotations: true}
	items, err := source.Read()
	if err != nil {
		return fmt.Errorf("failed to read ResourceList input: %w", err)
	}
	rl := framework.ResourceList{Items: items, FunctionConfig: source.FunctionConfig}
	annotations, err := kio.PreprocessResourcesForInternalAnnotationMigration(rl.Items)
	if err != nil {
		return err
	}
	if err := p.Process(&rl); err != nil {
		return err
	}
	if err := kio.ReconcileInternalAnnotations(rl.Items, annotations); err != nil {
		return err
	}
	var results *yaml.RNode
	if len(rl.Results) > 0 {
		data, err := yaml.Marshal(rl.Results)
		if err != nil {
			return err
		}
		if results, err = yaml.Parse(string(data)); err != nil {
			return err
		}
	}
	apiVersion, kind := source.WrappingAPIVersion, source.WrappingKind
	if kind == "" {
		apiVersion, kind = kio.ResourceListAPIVersion, kio.ResourceListKind
	}
	return writeResourceList(out, apiVersion, kind, rl.Items, rl.FunctionConfig, results)
}
