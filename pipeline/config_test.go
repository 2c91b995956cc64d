package pipeline_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stsrender/stsrender/pipeline"
)

// TestConfigTypeErrorsSpeakYAML puts a value of the wrong type in every
// kind of config field: the message names the field and what to write,
// never a Go type.
func TestConfigTypeErrorsSpeakYAML(t *testing.T) {
	cases := []struct {
		reason, spec, want string
	}{
		{"an unquoted account ID is a YAML number", "  aws: {accountID: 123456789012, region: us-east-1}\n", `spec.aws.accountID: expected a string, found a number (quote it`},
		{"a boolean where a string goes", "  aws: {accountID: \"123456789012\", region: yes}\n", "spec.aws.region: expected a string, found a boolean"},
		{"a list where a mapping goes", "  aws: {accountID: \"123456789012\", region: us-east-1, tags: [a, b]}\n", "spec.aws.tags: expected a mapping, found a list"},
		{"a string where a boolean goes", "  apply: \"sure\"\n", "spec.apply: expected true or false, found a string"},
		{"a string where a list goes", "  oidc: {additionalPublicKeyFiles: old.pub}\n", "spec.oidc.additionalPublicKeyFiles: expected a list, found a string"},
		{"a scalar where a section goes", "  release: image\n", "spec.release: expected a mapping, found a string"},
		{"a number in a map of lists", "  release: {mirrors: {quay.io: 5}}\n", "spec.release.mirrors: expected a list, found a number"},
		{"a mapping where a string goes", "  name: {a: b}\n", "spec.name: expected a string, found a mapping"},
	}
	for _, tc := range cases {
		_, err := pipeline.ParseConfig("c.yaml", []byte("apiVersion: stsrender.dev/v1alpha1\nkind: STSCredentials\nspec:\n"+tc.spec), ".")
		require.Error(t, err, tc.reason)
		assert.Contains(t, err.Error(), tc.want, tc.reason)
		for _, goism := range []string{"Go struct", "json:", "unmarshal", "AWSSpec"} {
			assert.False(t, strings.Contains(err.Error(), goism), "%s: %q leaks %q", tc.reason, err.Error(), goism)
		}
	}
}
