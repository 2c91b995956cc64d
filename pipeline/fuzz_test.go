package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stsrender/stsrender/pipeline"
)

// FuzzParseConfig feeds arbitrary bytes to the config parser, which reads
// configs from Git: it may reject them, but must never panic, and what it
// accepts has passed validation.
func FuzzParseConfig(f *testing.F) {
	for _, p := range []string{"../examples/quickstart/sts-credentials.yaml", "../examples/app-credentials/sts-credentials.yaml", "../examples/installer/cluster.yaml", "../examples/rosa-hcp/cluster.yaml"} {
		if data, err := os.ReadFile(filepath.FromSlash(p)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("apiVersion: stsrender.dev/v1alpha1\nkind: STSCredentials\nspec: {aws: {accountID: 1}, aws: {}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := pipeline.ParseConfig("fuzz.yaml", data, t.TempDir())
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted a config that does not validate: %v", err)
		}
		if cfg.Spec.ROSA != nil && cfg.Spec.OIDC.PublicKeyFile == "" {
			// A ROSA HCP render reads no file and no image: run it whole.
			_, _ = pipeline.Build(context.Background(), cfg, pipeline.Options{})
		}
	})
}
