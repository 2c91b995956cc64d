package awsapply

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
)

// samePolicy reports whether two IAM or S3 policy documents mean the same:
// IAM returns documents URL-encoded, reorders nothing but may turn a
// one-element list into a string, so both sides are decoded and normalised
// before comparing.
func samePolicy(current, desired string) (bool, error) {
	a, err := normalisePolicy(current)
	if err != nil {
		return false, fmt.Errorf("current policy: %w", err)
	}
	b, err := normalisePolicy(desired)
	if err != nil {
		return false, fmt.Errorf("desired policy: %w", err)
	}
	return reflect.DeepEqual(a, b), nil
}

// decodePolicy undoes the URL encoding IAM applies to documents it returns.
func decodePolicy(doc string) string {
	if strings.HasPrefix(strings.TrimSpace(doc), "%7B") || strings.Contains(doc, "%22") {
		if decoded, err := url.PathUnescape(doc); err == nil {
			return decoded
		}
	}
	return doc
}

func normalisePolicy(doc string) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(decodePolicy(doc)), &v); err != nil {
		return nil, err
	}
	return normalise(v, ""), nil
}

// listKeys are the statement elements whose string and list forms are the
// same, and whose order carries no meaning.
var listKeys = map[string]bool{"Action": true, "NotAction": true, "Resource": true, "NotResource": true}

func normalise(v any, key string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, child := range t {
			if k == "Statement" {
				if single, ok := child.(map[string]any); ok {
					child = []any{single}
				}
			}
			out[k] = normalise(child, k)
		}
		if key == "Condition" || isConditionOperator(key) {
			for k, child := range out {
				out[k] = asSortedList(child)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, child := range t {
			out[i] = normalise(child, "")
		}
		if listKeys[key] {
			return asSortedList(out)
		}
		return out
	case string:
		if listKeys[key] {
			return []any{t}
		}
		return t
	default:
		return t
	}
}

// isConditionOperator is true for the maps inside Condition (StringEquals…),
// whose values may be written as a single value or a list.
func isConditionOperator(key string) bool {
	for _, prefix := range []string{"String", "Numeric", "Date", "Bool", "Binary", "IpAddress", "NotIpAddress", "Arn", "Null", "ForAllValues", "ForAnyValue"} {
		if strings.HasPrefix(key, prefix) {
			return true
		}
	}
	return false
}

func asSortedList(v any) any {
	list, ok := v.([]any)
	if !ok {
		if m, isMap := v.(map[string]any); isMap {
			return m
		}
		list = []any{v}
	}
	sorted := append([]any(nil), list...)
	sort.Slice(sorted, func(i, j int) bool { return fmt.Sprint(sorted[i]) < fmt.Sprint(sorted[j]) })
	return sorted
}

// canonicalJSON prints a JSON document (a policy as AWS returns it, or as
// stsrender renders it) one way: compact, keys sorted, numbers as written.
// Both sides of a plan diff go through it, so a diff shows what differs,
// not how each side happens to be spaced. A document that is not JSON is
// returned as it is.
func canonicalJSON(doc string) string {
	dec := json.NewDecoder(strings.NewReader(decodePolicy(doc)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return doc
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return doc
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
