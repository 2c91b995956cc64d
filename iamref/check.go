package iamref

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stsrender/stsrender/render"
)

// Severities of a finding.
const (
	Error   = "error"
	Warning = "warning"
)

// Finding is one problem of a request's policy.
type Finding struct {
	Severity string
	Message  string
}

// Origin says who wrote a request, which decides how strict the checks
// are: a request from Git (a team's stream, an operator's file) is fixed
// by its author before it renders; one from a release payload may name
// actions newer than the embedded catalogue, so its findings are warnings.
type Origin int

const (
	FromPayload Origin = iota
	FromGit
)

// CheckRequest checks every statement of a request: each action against
// the catalogue, each condition key against the statement's services, and
// grants at admin level (warnings whatever the origin: reviewers and CI
// logs must see them).
func (c *Catalogue) CheckRequest(cr render.CredentialsRequest, origin Origin) []Finding {
	var out []Finding
	strict := Warning
	if origin == FromGit {
		strict = Error
	}
	where := fmt.Sprintf("%s (CredentialsRequest %s/%s)", cr.Source, cr.Namespace, cr.Name)
	for i, st := range cr.StatementEntries {
		field := fmt.Sprintf("%s: spec.providerSpec.statementEntries[%d]", where, i)
		services := map[string]*Service{}
		for j, action := range st.Action {
			at := fmt.Sprintf("%s.action[%d]", field, j)
			if action == "*" {
				out = append(out, Finding{Warning, fmt.Sprintf("%s: %q grants every action of every service (admin level)", at, action)})
				continue
			}
			prefix, name, ok := strings.Cut(action, ":")
			if !ok || prefix == "" || name == "" {
				out = append(out, Finding{strict, fmt.Sprintf("%s: %q is not service:action", at, action)})
				continue
			}
			svc, known := c.Service(prefix)
			if !known {
				out = append(out, Finding{strict, fmt.Sprintf("%s: %q: %q is not an AWS service prefix (%s)", at, action, prefix, c.Version())})
				continue
			}
			services[svc.Prefix] = svc
			if name == "*" {
				out = append(out, Finding{Warning, fmt.Sprintf("%s: %q grants every action of %s (admin level for the service)", at, action, svc.Name)})
				continue
			}
			matched := svc.Match(name)
			if len(matched) == 0 {
				if strings.ContainsAny(name, "*?") {
					out = append(out, Finding{strict, fmt.Sprintf("%s: %q matches no action of %s", at, action, svc.Prefix)})
				} else {
					out = append(out, Finding{strict, fmt.Sprintf("%s: %q is not an action of %s%s", at, action, svc.Prefix, suggest(svc, name))})
				}
				continue
			}
			if st.Resource == "*" && st.Effect == "Allow" {
				if admin := adminGrant(svc.Prefix, matched); admin != "" {
					out = append(out, Finding{Warning, fmt.Sprintf("%s: %q on resource \"*\": %s", at, action, admin)})
				}
			}
		}
		for op, keys := range st.PolicyCondition {
			for key := range keys {
				if strings.HasPrefix(strings.ToLower(key), "aws:") || len(services) == 0 {
					continue
				}
				knownBy := false
				for _, svc := range services {
					knownBy = knownBy || svc.KnowsConditionKey(key)
				}
				if !knownBy {
					out = append(out, Finding{Warning, fmt.Sprintf("%s.policyCondition.%s: condition key %q is not one of the statement's services (%s); the condition never matches", field, op, key, strings.Join(sortedKeys(services), ", "))})
				}
			}
		}
	}
	return out
}

// adminGrant says why actions on every resource are admin level: a
// Permissions management action (it changes who may do what), passing any
// role, or assuming any role.
func adminGrant(prefix string, actions []Action) string {
	for _, a := range actions {
		switch {
		case prefix == "iam" && a.Name == "PassRole":
			return "iam:PassRole on every role lets the holder give any role to a service it starts"
		case prefix == "sts" && a.Name == "AssumeRole":
			return "sts:AssumeRole on every role lets the holder become any role that trusts the account"
		case a.Level == LevelPermissionsManagement:
			return fmt.Sprintf("%s:%s is a Permissions management action", prefix, a.Name)
		}
	}
	return ""
}

// suggest names the nearest action, when one is close.
func suggest(svc *Service, name string) string {
	lower := strings.ToLower(name)
	best, bestDistance := "", len(lower)/3+2
	for k, a := range svc.Actions {
		if d := distance(lower, k); d < bestDistance {
			best, bestDistance = a.Name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %s:%s?", svc.Prefix, best)
}

// distance is the Levenshtein distance of two strings.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func sortedKeys(m map[string]*Service) []string {
	return slices.Sorted(maps.Keys(m))
}
