package render

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the values one document may expand to. Aliases let a
// small file describe an exponential tree (the "billion laughs"); a real
// CredentialsRequest has a few hundred nodes.
const maxNodes = 1_000_000

// jsonNumber is the grammar of a JSON number: such a YAML literal is kept as
// written, so 18446744073709551617 stays exactly that in an IAM condition.
var jsonNumber = lazyPattern(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// nodeValue converts a YAML node into JSON-compatible values: maps with
// string keys, slices, strings, bools, int64, json.Number and nil. IAM
// condition values are strings and numbers as written, so scalars keep
// their literal text wherever a conversion could change it: big integers
// and exponents stay json.Number literals, unquoted timestamps stay strings.
// A key written twice in one mapping is an error, as kustomize makes it.
func nodeValue(n *yaml.Node, path string, budget *int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, fmt.Errorf("the document expands to more than %d values (YAML aliases?)", maxNodes)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0], path, budget)
	case yaml.AliasNode:
		return nodeValue(n.Alias, path, budget)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, child := range n.Content {
			v, err := nodeValue(child, path+"["+strconv.Itoa(i)+"]", budget)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			keyNode := n.Content[i]
			for keyNode.Kind == yaml.AliasNode {
				keyNode = keyNode.Alias
			}
			if keyNode.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: %s: a mapping key must be a plain value", keyNode.Line, trimDot(path))
			}
			if keyNode.ShortTag() == "!!merge" {
				return nil, fmt.Errorf("line %d: %s: YAML merge keys (<<) are not supported; write the fields out", keyNode.Line, trimDot(path))
			}
			key := keyNode.Value
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("line %d: %s: key %q is written twice in the same mapping", keyNode.Line, trimDot(path+"."+key), key)
			}
			v, err := nodeValue(n.Content[i+1], path+"."+key, budget)
			if err != nil {
				return nil, err
			}
			out[key] = v
		}
		return out, nil
	case yaml.ScalarNode:
		return scalarValue(n, path)
	}
	return nil, fmt.Errorf("line %d: %s: unsupported YAML node", n.Line, trimDot(path))
}

func scalarValue(n *yaml.Node, path string) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %s: not a boolean", n.Line, trimDot(path))
		}
		return b, nil
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return i, nil
		}
		if jsonNumber().MatchString(n.Value) {
			return json.Number(n.Value), nil
		}
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, fmt.Errorf("line %d: %s: the integer cannot be kept exactly; quote it", n.Line, trimDot(path))
		}
		return i, nil
	case "!!float":
		if jsonNumber().MatchString(n.Value) {
			return json.Number(n.Value), nil
		}
		var f float64
		if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("line %d: %s: %s cannot be represented in JSON; quote it", n.Line, trimDot(path), n.Value)
		}
		return f, nil
	default:
		// Strings, and unquoted timestamps and binary kept as written.
		return n.Value, nil
	}
}

// typeName describes a value's type for messages that must not quote it.
func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case int64, float64, json.Number:
		return "a number"
	case nil:
		return "null"
	default:
		return "a string"
	}
}
