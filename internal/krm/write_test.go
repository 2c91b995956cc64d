package krm

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestWriterMatchesKyaml: writeResourceList writes the bytes kyaml's
// ByteWriter writes, for every ResourceList in the function's test data
// and for the YAML shapes where per-item indentation could differ: block
// scalars with empty lines and indentation indicators, comments, flow
// collections, nested sequences, quoted and long strings, and no items.
func TestWriterMatchesKyaml(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "fn", "testdata", "*", "*", "*.yaml"))
	require.NoError(t, err)
	more, err := filepath.Glob(filepath.Join("..", "..", "fn", "testdata", "*", "*", "*", "*.yaml"))
	files = append(files, more...)
	require.NoError(t, err)
	require.NotEmpty(t, files)
	inputs := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		if bytes.Contains(data, []byte("\nkind: ResourceList\n")) {
			inputs[f] = string(data)
		}
	}
	inputs["tricky shapes"] = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
# a head comment
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: shapes # a line comment
    annotations:
      config.kubernetes.io/function: |
        exec:
          path: stsrender

        after an empty line
      indented: |2-
          starts with spaces
        and then not
      folded: >
        folded text
        that goes on
  data:
    flow: {a: b, c: [1, 2]}
    nested:
    - - inner
      - list
    - {x: y}
    quoted: "a: b # not a comment"
    single: 'it''s'
    long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
    empty: ""
    nothing: null
  # a foot comment
- {apiVersion: v1, kind: Namespace, metadata: {name: flow}}
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: fc
`
	inputs["no items"] = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			read := func() *kio.ByteReadWriter {
				rw := &kio.ByteReadWriter{Reader: bytes.NewBufferString(input), KeepReaderAnnotations: true}
				items, err := rw.Read()
				require.NoError(t, err)
				rw.Reader = nil
				source = items
				return rw
			}
			var want, got bytes.Buffer
			kyaml := read()
			kyaml.Writer = &want
			results, err := yaml.Parse("- message: a result\n  severity: warning\n")
			require.NoError(t, err)
			kyaml.Results = results
			require.NoError(t, kyaml.Write(source))

			ours := read()
			require.NoError(t, writeResourceList(&got, ours.WrappingAPIVersion, ours.WrappingKind, source, ours.FunctionConfig, results))
			require.Equal(t, want.String(), got.String())
		})
	}
}

// source carries the items read last; the subtests run one at a time.
var source []*yaml.RNode
