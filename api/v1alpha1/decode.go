package v1alpha1

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// Decode reads, defaults and validates a config. Unknown fields are
// rejected with their path, so a typo never silently changes a render, and
// so are keys written twice. file names the config in errors.
func Decode(file string, data []byte) (*STSCredentials, error) {
	// Strict: a key written twice is an error, as kustomize makes it, never
	// a silent last-one-wins.
	jsonData, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, yamlError(err))
	}
	var generic any
	if err := json.Unmarshal(jsonData, &generic); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := checkKnownFields(generic, STSCredentials{}); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var cfg STSCredentials
	dec := json.NewDecoder(bytes.NewReader(jsonData))
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", file, decodeError(err))
	}
	cfg.Default()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &cfg, nil
}

// duplicateKey is how the YAML parser reports a key written twice.
var duplicateKey = regexp.MustCompile(`line (\d+): key (".*") already set in map`)

// yamlError words the parser's duplicate-key report as the project words
// it everywhere else; other YAML errors pass as they are.
func yamlError(err error) error {
	matches := duplicateKey.FindAllStringSubmatch(err.Error(), -1)
	if len(matches) == 0 {
		return err
	}
	var lines []string
	for _, m := range matches {
		lines = append(lines, fmt.Sprintf("line %s: key %s is written twice in the same mapping; keep one", m[1], m[2]))
	}
	return errors.New(strings.Join(lines, "; "))
}

// decodeError rewrites encoding/json's type errors, which name Go types
// ("cannot unmarshal number into Go struct field AWSSpec.spec.aws.accountID
// of type string"), into the config's own terms.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		return err
	}
	field := typeErr.Field
	if field == "" {
		field = "config"
	}
	msg := fmt.Sprintf("%s: expected %s, found %s", field, describeKind(typeErr.Type), describeJSON(typeErr.Value))
	if typeErr.Type.Kind() == reflect.String && (typeErr.Value == "number" || typeErr.Value == "bool") {
		msg += ` (quote it: YAML reads 123456789012 as a number and yes/true as a boolean; write "123456789012")`
	}
	return errors.New(msg)
}

func describeKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	case reflect.Pointer:
		return describeKind(t.Elem())
	default:
		return "a number"
	}
}

func describeJSON(value string) string {
	switch value {
	case "string":
		return "a string"
	case "number":
		return "a number"
	case "bool":
		return "a boolean"
	case "array":
		return "a list"
	case "object":
		return "a mapping"
	default:
		return value
	}
}
