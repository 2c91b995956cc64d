package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ReleaseDiff is what changes on the AWS side of a cluster between two
// releases: per role (keyed by the Secret it feeds), the statements and
// service accounts that appear or go, and the Secret namespaces the target
// release needs that the source did not have.
type ReleaseDiff struct {
	From  string       `json:"from"`
	To    string       `json:"to"`
	Roles []RoleChange `json:"roles"`
}

// Changes of a role, a statement or a set.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// RoleChange is one role that differs.
type RoleChange struct {
	Role      string         `json:"role"`
	SecretRef NamespacedName `json:"secretRef"`
	Change    string         `json:"change"`
	// ServiceAccounts that may assume the role: a change is a trust-policy
	// update.
	ServiceAccounts SetChange         `json:"serviceAccounts"`
	Statements      []StatementChange `json:"statements,omitempty"`
	// NewNamespace is set when no request of the source release used the
	// Secret's namespace: create it before the Secret lands.
	NewNamespace bool `json:"newNamespace,omitempty"`
	// DroppedBy is set on a removed role whose request the target release
	// still has, dropped for this cluster by a filter: it is no orphan of
	// the upgrade, and apply --prune leaves it.
	DroppedBy string `json:"droppedBy,omitempty"`
}

// removedText says why a removed role goes.
func (r RoleChange) removedText() string {
	if r.DroppedBy != "" {
		return "still requested by the target release, but dropped for this cluster (" + r.DroppedBy + "): not an orphan of the upgrade, and apply --prune leaves it"
	}
	return "no longer requested (an orphan after the upgrade)"
}

// NoteFiltered marks the removed roles whose requests the target release
// has and a filter dropped (the target selection's DroppedRequests).
func (d *ReleaseDiff) NoteFiltered(dropped []DroppedRequest) {
	reasons := map[NamespacedName]string{}
	for _, r := range dropped {
		reasons[r.SecretRef] = r.Reason
	}
	for i := range d.Roles {
		if d.Roles[i].Change == ChangeRemoved {
			d.Roles[i].DroppedBy = reasons[d.Roles[i].SecretRef]
		}
	}
}

// SetChange lists what was added and removed, each sorted.
type SetChange struct {
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// Empty reports whether nothing changed.
func (s SetChange) Empty() bool { return len(s.Added) == 0 && len(s.Removed) == 0 }

// StatementChange is one permission statement that differs. Statements
// are matched by effect, resource and condition; a statement whose
// resource or condition alone changed is one change with both values.
type StatementChange struct {
	Change   string    `json:"change"`
	Effect   string    `json:"effect"`
	Resource string    `json:"resource"`
	Actions  SetChange `json:"actions"`
	// Condition is the condition as compact JSON ("" for none).
	Condition string `json:"condition,omitempty"`
	// FromResource and FromCondition are set when only they changed.
	FromResource  string `json:"fromResource,omitempty"`
	FromCondition string `json:"fromCondition,omitempty"`
	// Unchanged lists the actions kept, for context, when the statement
	// changed.
	Unchanged int `json:"unchangedActions,omitempty"`
	// AccessLevels gives the access level of each added and removed
	// action (AWS's catalogue: List, Read, Write, Tagging, Permissions
	// management), for a wildcard the levels of what it matches; set by
	// the policy review (iamref.AnnotateDiff).
	AccessLevels map[string]string `json:"accessLevels,omitempty"`
}

// Empty reports whether the diff found nothing.
func (d ReleaseDiff) Empty() bool { return len(d.Roles) == 0 }

// DiffReleases compares the requests two releases select for one cluster.
// Roles are named as the render names them (name and naming), so the diff
// reads like the plan that will follow.
func DiffReleases(name string, naming RoleNaming, fromLabel string, from []CredentialsRequest, toLabel string, to []CredentialsRequest) ReleaseDiff {
	d := ReleaseDiff{From: fromLabel, To: toLabel, Roles: []RoleChange{}}
	before := bySecretRef(from)
	after := bySecretRef(to)
	namespaces := map[string]bool{}
	for _, cr := range from {
		namespaces[cr.SecretRef.Namespace] = true
	}
	for _, ref := range unionKeys(before, after) {
		a, inFrom := before[ref]
		b, inTo := after[ref]
		rc := RoleChange{Role: RoleName(name, ref, naming), SecretRef: ref}
		switch {
		case !inFrom:
			rc.Change = ChangeAdded
			rc.ServiceAccounts = SetChange{Added: sorted(b.ServiceAccountNames)}
			rc.Statements = statementChanges(nil, b.StatementEntries)
			rc.NewNamespace = !namespaces[ref.Namespace]
		case !inTo:
			rc.Change = ChangeRemoved
			rc.ServiceAccounts = SetChange{Removed: sorted(a.ServiceAccountNames)}
			rc.Statements = statementChanges(a.StatementEntries, nil)
		default:
			rc.Change = ChangeChanged
			rc.ServiceAccounts = setChange(a.ServiceAccountNames, b.ServiceAccountNames)
			rc.Statements = statementChanges(a.StatementEntries, b.StatementEntries)
			if rc.ServiceAccounts.Empty() && len(rc.Statements) == 0 {
				continue
			}
		}
		d.Roles = append(d.Roles, rc)
	}
	return d
}

func bySecretRef(requests []CredentialsRequest) map[NamespacedName]CredentialsRequest {
	out := make(map[NamespacedName]CredentialsRequest, len(requests))
	for _, cr := range requests {
		out[cr.SecretRef] = cr
	}
	return out
}

func unionKeys(a, b map[NamespacedName]CredentialsRequest) []NamespacedName {
	var keys []NamespacedName
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Namespace != keys[j].Namespace {
			return keys[i].Namespace < keys[j].Namespace
		}
		return keys[i].Name < keys[j].Name
	})
	return keys
}

func sorted(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return slices.Compact(out)
}

func setChange(before, after []string) SetChange {
	var c SetChange
	for _, x := range sorted(after) {
		if !slices.Contains(before, x) {
			c.Added = append(c.Added, x)
		}
	}
	for _, x := range sorted(before) {
		if !slices.Contains(after, x) {
			c.Removed = append(c.Removed, x)
		}
	}
	return c
}

// statementKey groups statements that grant on the same terms; their
// actions are compared as a set.
type statementKey struct{ effect, resource, condition string }

func groupStatements(entries []StatementEntry) map[statementKey][]string {
	out := map[statementKey][]string{}
	for _, e := range entries {
		k := statementKey{e.Effect, e.Resource, conditionJSON(e.PolicyCondition)}
		out[k] = append(out[k], e.Action...)
	}
	for k, actions := range out {
		out[k] = sorted(actions)
	}
	return out
}

// conditionJSON is a condition's compact JSON with sorted keys ("" for
// none), numbers as written.
func conditionJSON(c map[string]map[string]any) string {
	if len(c) == 0 {
		return ""
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return fmt.Sprint(c)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func statementChanges(before, after []StatementEntry) []StatementChange {
	a, b := groupStatements(before), groupStatements(after)
	var changes, added, removed []StatementChange
	for k, actions := range b {
		old, ok := a[k]
		switch {
		case !ok:
			added = append(added, StatementChange{Change: ChangeAdded, Effect: k.effect, Resource: k.resource, Condition: k.condition, Actions: SetChange{Added: actions}})
		default:
			if c := setChange(old, actions); !c.Empty() {
				changes = append(changes, StatementChange{Change: ChangeChanged, Effect: k.effect, Resource: k.resource, Condition: k.condition, Actions: c, Unchanged: len(actions) - len(c.Added)})
			}
		}
	}
	for k, actions := range a {
		if _, ok := b[k]; !ok {
			removed = append(removed, StatementChange{Change: ChangeRemoved, Effect: k.effect, Resource: k.resource, Condition: k.condition, Actions: SetChange{Removed: actions}})
		}
	}
	// A statement whose actions stayed but whose resource or condition
	// moved is one change, not a removal and an addition.
	sortStatements(added)
	sortStatements(removed)
	for i := 0; i < len(added); i++ {
		for j := 0; j < len(removed); j++ {
			x, y := added[i], removed[j]
			if x.Effect != y.Effect || !slices.Equal(x.Actions.Added, y.Actions.Removed) {
				continue
			}
			c := StatementChange{Change: ChangeChanged, Effect: x.Effect, Resource: x.Resource, Condition: x.Condition, Unchanged: len(x.Actions.Added)}
			if x.Resource != y.Resource {
				c.FromResource = y.Resource
			}
			if x.Condition != y.Condition {
				c.FromCondition = y.Condition
				if c.FromCondition == "" {
					c.FromCondition = "(none)"
				}
			}
			changes = append(changes, c)
			added = slices.Delete(added, i, i+1)
			removed = slices.Delete(removed, j, j+1)
			i--
			break
		}
	}
	out := append(append(changes, added...), removed...)
	sortStatements(out)
	return out
}

func sortStatements(s []StatementChange) {
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.Effect != b.Effect {
			return a.Effect < b.Effect
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		if a.Condition != b.Condition {
			return a.Condition < b.Condition
		}
		return a.Change < b.Change
	})
}
