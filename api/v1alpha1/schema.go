package v1alpha1

import _ "embed"

// RequiredFields are the properties a config must have, by path: what
// Validate insists on that the types alone cannot say.
func RequiredFields() map[string][]string {
	return map[string][]string{
		"STSCredentials":                   {"apiVersion", "kind", "spec"},
		"STSCredentials.spec":              {"name", "aws"},
		"STSCredentials.spec.aws":          {"accountID", "region"},
		"STSCredentials.spec.outputs.hive": {"secretName"},
		"STSCredentials.spec.operators[]":  {"name", "namespace"},
		"STSCredentials.spec.migration":    {"from", "infraID"},
	}
}

//go:embed stscredentials.schema.json
var schemaJSON string

// Schema is the JSON Schema of the config, generated from this package's
// source (go generate ./api/...; a test fails when it drifts).
func Schema() []byte { return []byte(schemaJSON) }
