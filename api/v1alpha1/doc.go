// Package v1alpha1 is the stsrender.dev/v1alpha1 API: the STSCredentials
// config that is both the KRM functionConfig and the CLI's -f file.
//
// The types carry their own documentation: every field's comment is its
// description in the JSON Schema that `stsrender schema` prints
// (stscredentials.schema.json, generated from this package's source by
// `go generate ./api/...` and checked by a test). A comment line of the form
// "+enum: a, b, c" lists the allowed values. Decode is the one entry point:
// strict YAML, unknown fields rejected with their path, defaults, then
// validation of everything that can be checked without reading a file.
package v1alpha1

//go:generate go run ../../hack/schemagen -out stscredentials.schema.json
