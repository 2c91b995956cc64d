package release

import (
	"fmt"
	"strings"

	"github.com/stsrender/stsrender/render"
)

// Rules that drop a CredentialsRequest, as the summary counts them.
const (
	RuleFeatureSet   = "feature set"
	RuleFeatureGate  = "feature gate"
	RuleMajorVersion = "major-version annotation"
	RuleProfile      = "cluster profile"
	RuleCapability   = "capability"
	RuleTombstone    = "delete tombstone"
	RuleNotAWS       = "not AWS"
)

// notAWSRule classifies why CredentialsRequestFromDocument passed over a
// document ("" when it did not).
func notAWSRule(reason string) string {
	switch {
	case reason == "":
		return ""
	case strings.HasPrefix(reason, "delete tombstone"):
		return RuleTombstone
	}
	return RuleNotAWS
}

// ruleOrder is the order the summary names rules in: oc's order.
var ruleOrder = []string{RuleTombstone, RuleFeatureSet, RuleFeatureGate, RuleMajorVersion, RuleProfile, RuleCapability}

// Summary is one line saying what was selected and what each rule
// dropped, in counts; Decisions keep the detail (--explain). Requests for
// other clouds are counted apart: every payload has dozens.
func (s *Selection) Summary() string {
	dropped := map[string]int{}
	others := 0
	for _, d := range s.Decisions {
		switch {
		case d.Kept:
		case d.Rule == RuleTombstone:
			dropped[d.Rule]++
		case d.Rule == RuleNotAWS, d.SecretRef.Name == "":
			// Filters run before the provider is looked at: a GCP request
			// dropped by a gate is still another cloud's.
			others++
		default:
			dropped[d.Rule]++
		}
	}
	var parts []string
	total := 0
	for _, rule := range ruleOrder {
		if n := dropped[rule]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d by %s", n, rule))
			total += n
		}
	}
	line := "selected " + requestCount(len(s.Requests))
	if total > 0 {
		line += fmt.Sprintf("; dropped %d (%s)", total, strings.Join(parts, ", "))
	}
	if others > 0 {
		line += fmt.Sprintf("; %d for other clouds skipped", others)
	}
	if len(s.UnevaluatedGates) > 0 {
		line += fmt.Sprintf("; feature gates not evaluated (no FeatureGate manifests in the directory; its extractor applied them): %s", strings.Join(s.UnevaluatedGates, ", "))
	}
	return line
}

// DroppedBy lists, for the requests a rule dropped, the rule: what an
// orphan in a diff or plan "appears only through filtering" means.
func (s *Selection) DroppedBy(ref render.NamespacedName) (rule, reason string, ok bool) {
	for _, d := range s.Decisions {
		if !d.Kept && d.SecretRef == ref {
			return d.Rule, d.Reason, true
		}
	}
	return "", "", false
}

func requestCount(n int) string {
	if n == 1 {
		return "1 AWS CredentialsRequest"
	}
	return fmt.Sprintf("%d AWS CredentialsRequests", n)
}
