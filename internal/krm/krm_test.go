package krm

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadInputFailsRatherThanTruncates(t *testing.T) {
	data, err := readInput(strings.NewReader(strings.Repeat("x", 2<<20)), 2<<20)
	require.NoError(t, err)
	assert.Len(t, data, 2<<20, "exactly the limit is read whole")

	_, err = readInput(strings.NewReader(strings.Repeat("x", 2<<20+1)), 2<<20)
	assert.EqualError(t, err, "the ResourceList on standard input is larger than 2 MiB")
}

func TestRunWritesNothingOnFailure(t *testing.T) {
	var out, log bytes.Buffer
	input := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: stsrender.dev/v1alpha1\n  kind: STSCredentials\n  metadata: {name: x}\n  spec: {bogus: 1}\n"
	err := Run(t.Context(), []byte(input), &out, &log, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spec.bogus")
	assert.Empty(t, out.String())
}

func TestRunSaysEmptyInput(t *testing.T) {
	var out, log bytes.Buffer
	err := Run(t.Context(), []byte(" \n"), &out, &log, nil)
	assert.EqualError(t, err, "empty input: expected a ResourceList on standard input, as kustomize and kpt send it")
	assert.Empty(t, out.String())
}
