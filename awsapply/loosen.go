package awsapply

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// trustLoosening lists how replacing the current trust policy with the
// desired one would let more principals assume the role. An admin may have
// tightened an owned role's trust policy (an extra aud condition, a Deny);
// apply must not undo that silently.
//
// A trust policy in the shape stsrender renders (one Allow for the
// provider, one StringEquals on <issuer>:sub) is its own earlier output:
// a release that adds a service account updates it freely. Any other shape
// was edited, and then the update loosens it when it:
//   - removes or changes a Deny statement;
//   - removes a condition (operator and key) from an Allow;
//   - admits a value a positive condition did not (StringEquals, …), or
//     drops a value a negated one excluded (StringNotEquals, …);
//   - widens a principal.
//
// Removing a value of a positive condition, adding a condition or adding a
// Deny tightens, and drift back to the render is applied as before. A
// policy replaced by one for other actions (sts:AssumeRole for some
// account, say) restricted nothing stsrender renders: restoring the render
// is drift repair.
func trustLoosening(current, desired string) ([]string, error) {
	cur, err := parseStatements(current)
	if err != nil {
		return nil, fmt.Errorf("current trust policy: %w", err)
	}
	want, err := parseStatements(desired)
	if err != nil {
		return nil, fmt.Errorf("desired trust policy: %w", err)
	}
	if renderedShape(cur) {
		return nil, nil
	}
	var reasons []string
	for _, c := range cur {
		if c.effect != "Allow" {
			if !containsStatement(want, c) {
				reasons = append(reasons, fmt.Sprintf("removes the Deny statement on %s", strings.Join(c.actions, ", ")))
			}
			continue
		}
		for _, d := range want {
			if d.effect != "Allow" || !overlaps(c.actions, d.actions) {
				continue
			}
			for _, p := range d.principals {
				if !contains(c.principals, p) {
					reasons = append(reasons, fmt.Sprintf("widens the principal to %s", p))
				}
			}
			reasons = append(reasons, conditionLoosening(c.conditions, d.conditions)...)
		}
	}
	sort.Strings(reasons)
	return dedupe(reasons), nil
}

func conditionLoosening(cur, want map[string]map[string][]string) []string {
	var reasons []string
	for op, keys := range cur {
		negated := strings.Contains(op, "Not") && op != "Null"
		for key, values := range keys {
			wanted, ok := want[op][key]
			if !ok {
				reasons = append(reasons, fmt.Sprintf("removes the condition %s %s", op, key))
				continue
			}
			for _, v := range values {
				if negated && !contains(wanted, v) {
					reasons = append(reasons, fmt.Sprintf("no longer excludes %s %s %q", op, key, v))
				}
			}
			for _, v := range wanted {
				if !negated && !contains(values, v) {
					reasons = append(reasons, fmt.Sprintf("admits %s %s %q", op, key, v))
				}
			}
		}
	}
	return reasons
}

type statement struct {
	effect     string
	principals []string // "Federated:arn…", or "*"
	actions    []string
	conditions map[string]map[string][]string
	raw        any
}

func parseStatements(doc string) ([]statement, error) {
	norm, err := normalisePolicy(doc)
	if err != nil {
		return nil, err
	}
	top, _ := norm.(map[string]any)
	list, _ := top["Statement"].([]any)
	var out []statement
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("a statement is not an object")
		}
		s := statement{raw: m, conditions: map[string]map[string][]string{}}
		s.effect, _ = m["Effect"].(string)
		s.actions = strs(m["Action"])
		switch p := m["Principal"].(type) {
		case string:
			s.principals = []string{p}
		case map[string]any:
			for typ, v := range p {
				for _, id := range strs(v) {
					s.principals = append(s.principals, typ+":"+id)
				}
			}
		}
		if cond, ok := m["Condition"].(map[string]any); ok {
			for op, keys := range cond {
				km, _ := keys.(map[string]any)
				s.conditions[op] = map[string][]string{}
				for k, v := range km {
					s.conditions[op][k] = strs(v)
				}
			}
		}
		sort.Strings(s.principals)
		out = append(out, s)
	}
	return out, nil
}

// renderedShape reports a trust policy stsrender itself writes.
func renderedShape(stmts []statement) bool {
	if len(stmts) != 1 {
		return false
	}
	s := stmts[0]
	if s.effect != "Allow" || len(s.principals) != 1 || !strings.HasPrefix(s.principals[0], "Federated:") ||
		!reflect.DeepEqual(s.actions, []string{"sts:AssumeRoleWithWebIdentity"}) || len(s.conditions) != 1 {
		return false
	}
	keys, ok := s.conditions["StringEquals"]
	if !ok || len(keys) != 1 {
		return false
	}
	for k := range keys {
		return strings.HasSuffix(k, ":sub")
	}
	return false
}

func strs(v any) []string {
	var out []string
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			out = append(out, toString(x))
		}
	case nil:
	default:
		out = append(out, toString(t))
	}
	sort.Strings(out)
	return out
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func containsStatement(list []statement, s statement) bool {
	for _, x := range list {
		if reflect.DeepEqual(x.raw, s.raw) {
			return true
		}
	}
	return false
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) || x == "*" || x == "sts:*" {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}
