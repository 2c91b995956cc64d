package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOutputFormatsThroughKustomize renders the quickstart in each output
// form with the real kustomize and compares with golden files
// (tests/testdata/outputs, go test ./tests -update rewrites them).
func TestOutputFormatsThroughKustomize(t *testing.T) {
	cases := map[string]string{
		"crossplane":            "  outputs:\n    manifests: false\n    aws: crossplane\n",
		"crossplane-namespaced": "  outputs:\n    manifests: false\n    aws: crossplane-namespaced\n    namespace: sts-demo\n    crossplane:\n      providerConfigName: aws\n",
		"ack":                   "  outputs:\n    manifests: false\n    aws: ack\n    namespace: ack-system\n",
		"hive":                  "  outputs:\n    namespace: clusters\n    hive:\n      secretName: demo-manifests\n",
	}
	for name, outputs := range cases {
		t.Run(name, func(t *testing.T) {
			dir := copyExample(t, "quickstart")
			cfg := filepath.Join(dir, "sts-credentials.yaml")
			data, err := os.ReadFile(cfg)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(cfg, []byte(string(data)+outputs), 0o644))
			res := kustomizeBuild(t, dir)
			require.Equal(t, 0, res.code, res.stderr)
			golden(t, filepath.Join(e2e.root, "tests", "testdata", "outputs", name+".yaml"), res.stdout)
			nodes := parseStream(t, res.stdout)
			switch name {
			case "hive":
				require.Len(t, nodes, 1, "one Secret instead of separate objects")
				keys, err := nodes[0].Pipe()
				require.NoError(t, err)
				s, _ := keys.String()
				assert.Contains(t, s, "cluster-authentication-02-config.yaml: |")
			default:
				for _, n := range nodes {
					assert.NotEqual(t, "Secret", n.GetKind(), "manifests: false")
				}
			}
		})
	}
}

func TestOutputConfigErrorsFailTheBuild(t *testing.T) {
	for spec, want := range map[string]string{
		"  outputs:\n    aws: ack\n":       "spec.outputs.namespace: required",
		"  outputs:\n    aws: terraform\n": `spec.outputs.aws: "terraform" is not one of none, document, crossplane, crossplane-namespaced, ack`,
		"  outputs:\n    aws: ack\n    namespace: x\n    ack:\n      deletionPolicy: Retain\n": `spec.outputs.ack.deletionPolicy: "Retain" is not one of retain, delete`,
		"  outputs:\n    namespace: x\n    hive: {}\n":                                         "spec.outputs.hive.secretName: required",
	} {
		dir := copyExample(t, "quickstart")
		cfg := filepath.Join(dir, "sts-credentials.yaml")
		data, err := os.ReadFile(cfg)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(cfg, []byte(string(data)+spec), 0o644))
		res := kustomizeBuild(t, dir)
		assert.NotEqual(t, 0, res.code)
		assert.Empty(t, res.stdout)
		assert.True(t, strings.Contains(res.stderr, want), "%q not in %s", want, res.stderr)
	}
}
