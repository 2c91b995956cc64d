package render

import (
	"fmt"
	"slices"
)

// UnionRequests merges the requests of the current and the target release
// for the upgrade window, keyed by the Secret they feed. While the cluster
// moves from one release to the other, old operators keep running until
// they are replaced and new ones start as soon as they are scheduled, so a
// role must allow what either release asks: every statement of both
// (identical statements once, the target's first), and every service
// account of both (the target's order, then the ones only the current
// release has). A request of only one release is kept as it is.
func UnionRequests(current, target []CredentialsRequest) []CredentialsRequest {
	cur := bySecretRef(current)
	out := make([]CredentialsRequest, 0, len(target)+len(current))
	seen := map[NamespacedName]bool{}
	for _, t := range target {
		seen[t.SecretRef] = true
		c, ok := cur[t.SecretRef]
		if !ok {
			out = append(out, t)
			continue
		}
		merged := t
		merged.ServiceAccountNames = slices.Clone(t.ServiceAccountNames)
		for _, sa := range c.ServiceAccountNames {
			if !slices.Contains(merged.ServiceAccountNames, sa) {
				merged.ServiceAccountNames = append(merged.ServiceAccountNames, sa)
			}
		}
		merged.StatementEntries = nil
		keys := map[string]bool{}
		for _, e := range append(slices.Clone(t.StatementEntries), c.StatementEntries...) {
			k := statementIdentity(e)
			if keys[k] {
				continue
			}
			keys[k] = true
			merged.StatementEntries = append(merged.StatementEntries, e)
		}
		out = append(out, merged)
	}
	for _, c := range current {
		if !seen[c.SecretRef] {
			out = append(out, c)
		}
	}
	return out
}

// statementIdentity is equal for statements that grant exactly the same:
// effect, resource, condition and actions in order.
func statementIdentity(e StatementEntry) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%q", e.Effect, e.Resource, conditionJSON(e.PolicyCondition), e.Action)
}

// UpgradeableToAnnotation on CloudCredential "cluster" tells the
// cloud-credential operator that the AWS side is ready for a release: in
// Manual mode it reports Upgradeable=False for a minor upgrade until the
// annotation names that minor (or a later one).
const UpgradeableToAnnotation = "cloudcredential.openshift.io/upgradeable-to"

// CloudCredentialPath is where the CLI render writes the annotation.
const CloudCredentialPath = "manifests/cloudcredential-upgradeable-to.yaml"
