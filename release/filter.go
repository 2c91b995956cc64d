package release

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/stsrender/stsrender/render"
)

// Annotations the inclusion rules read (openshift/library-go manifest.Include).
const (
	featureSetAnnotation   = "release.openshift.io/feature-set"
	featureGateAnnotation  = "release.openshift.io/feature-gate"
	majorVersionAnnotation = "release.openshift.io/major-version"
	capabilityAnnotation   = "capability.openshift.io/name"
	includePrefix          = "include.release.openshift.io/"
	featureGateProfileOnly = "false-except-for-the-config-operator"

	// DefaultProfile is the cluster profile of a self-managed cluster.
	DefaultProfile = "self-managed-high-availability"
	// DefaultFeatureSet is what an empty featureSet means.
	DefaultFeatureSet = "Default"
)

// knownFeatureSets are the values release.openshift.io/feature-set may list.
var knownFeatureSets = map[string]bool{
	"Default": true, "TechPreviewNoUpgrade": true, "DevPreviewNoUpgrade": true, "CustomNoUpgrade": true, "OKD": true,
}

// Capabilities is the capabilities block of an install-config.
type Capabilities struct {
	BaselineCapabilitySet         string   `json:"baselineCapabilitySet"`
	AdditionalEnabledCapabilities []string `json:"additionalEnabledCapabilities,omitempty"`
}

// Inclusion describes the cluster the requests are selected for, like the
// install-config that `oc adm release extract --included` reads.
type Inclusion struct {
	// FeatureSet is the cluster's feature set; empty means Default.
	FeatureSet string
	// Profile is the cluster profile; empty means self-managed-high-availability.
	Profile string
	// Capabilities nil means no capability filtering at all.
	Capabilities *Capabilities
	// GatesDecided keeps requests whatever their feature-gate annotations
	// say, for a source whose extractor already applied them and left out
	// the FeatureGate manifests that would decide them here
	// (Manifests.GatesDecided). ccoctl renders such a directory whole.
	GatesDecided bool
}

// Validate rejects settings that no cluster can have. It runs before any
// download so a typo never costs a pull.
func (in Inclusion) Validate() error {
	if in.FeatureSet != "" && !knownFeatureSets[in.FeatureSet] {
		return fmt.Errorf("featureSet: %q is not one of Default, TechPreviewNoUpgrade, DevPreviewNoUpgrade, CustomNoUpgrade, OKD", in.FeatureSet)
	}
	if in.Capabilities != nil {
		b := in.Capabilities.BaselineCapabilitySet
		if _, ok := baselineMinor[b]; !ok && b != "vCurrent" && b != "" {
			return fmt.Errorf("capabilities.baselineCapabilitySet: %q is not one of %s", b, strings.Join(BaselineCapabilitySets(), ", "))
		}
		for i, name := range in.Capabilities.AdditionalEnabledCapabilities {
			if !isKnownCapability(name) {
				return fmt.Errorf("capabilities.additionalEnabledCapabilities[%d]: %q is not a known capability (names are case-sensitive, e.g. MachineAPI, ImageRegistry)", i, name)
			}
		}
	}
	return nil
}

func (in Inclusion) featureSet() string {
	if in.FeatureSet == "" {
		return DefaultFeatureSet
	}
	return in.FeatureSet
}

func (in Inclusion) profile() string {
	if in.Profile == "" {
		return DefaultProfile
	}
	return in.Profile
}

// Decision says whether one CredentialsRequest is rendered and which rule
// decided.
type Decision struct {
	Source render.Source
	ID     string
	Kept   bool
	Reason string
	// Rule names the rule that dropped the document (a Rule* constant);
	// empty for kept ones.
	Rule string
	// SecretRef is the Secret the request feeds, when it is an AWS request
	// (kept or dropped); zero otherwise.
	SecretRef render.NamespacedName
}

func (d Decision) String() string {
	verdict := "dropped"
	if d.Kept {
		verdict = "kept"
	}
	return fmt.Sprintf("%s %s (%s): %s", verdict, d.ID, d.Source, d.Reason)
}

// Selection is the outcome of Select.
type Selection struct {
	// Requests are the kept AWS CredentialsRequests, in input order.
	Requests []render.CredentialsRequest
	// Decisions has one entry per CredentialsRequest document read.
	Decisions []Decision
	// EnabledFeatureGates were read from the FeatureGate manifests.
	EnabledFeatureGates []string
	// UnevaluatedGates are the feature gates that kept requests name and
	// that were not evaluated (Inclusion.GatesDecided), sorted.
	UnevaluatedGates []string
}

// Kept reports whether the document at src was kept.
func (s *Selection) Kept(src render.Source) bool {
	for _, d := range s.Decisions {
		if d.Source == src {
			return d.Kept
		}
	}
	return false
}

// Select applies the rules `oc adm release extract --credentials-requests
// --included` applies, in its order, then keeps AWS requests only and drops
// delete tombstones. version is the release's version (nil when unknown);
// enabled feature gates come from the FeatureGate manifests among docs.
func Select(docs []render.Document, version *Version, in Inclusion) (*Selection, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	gates := enabledFeatureGates(docs, version, in)
	sel := &Selection{EnabledFeatureGates: sortedKeys(gates)}
	known, enabled := capabilitySets(version, in.Capabilities)
	for _, doc := range docs {
		if !render.IsCredentialsRequest(doc) {
			continue
		}
		rule, reason := excludedBy(doc, version, in, gates, known, enabled)
		keptReason := "included for this cluster"
		if reason == "" && in.GatesDecided {
			if names := gateNamesOf(doc); len(names) > 0 {
				keptReason = fmt.Sprintf("included: feature gates %s not evaluated; the directory has no FeatureGate manifests, so its extractor decided them", strings.Join(names, ","))
				sel.UnevaluatedGates = append(sel.UnevaluatedGates, names...)
			}
		}
		if reason == "" {
			var err error
			var cr render.CredentialsRequest
			cr, reason, err = render.CredentialsRequestFromDocument(doc)
			if err != nil {
				return nil, err
			}
			rule = notAWSRule(reason)
			if reason == "" {
				sel.Requests = append(sel.Requests, cr)
				sel.Decisions = append(sel.Decisions, Decision{Source: doc.Source, ID: doc.ID(), Kept: true, Reason: keptReason, SecretRef: cr.SecretRef})
				continue
			}
		}
		d := Decision{Source: doc.Source, ID: doc.ID(), Reason: reason, Rule: rule}
		// Which Secret (and so which role) a dropped AWS request would have
		// fed: an owned role of that name is an orphan with this reason.
		if cr, notAWS, err := render.CredentialsRequestFromDocument(doc); err == nil && notAWS == "" {
			d.SecretRef = cr.SecretRef
		}
		sel.Decisions = append(sel.Decisions, d)
	}
	slices.Sort(sel.UnevaluatedGates)
	sel.UnevaluatedGates = slices.Compact(sel.UnevaluatedGates)
	return sel, nil
}

// gateNamesOf lists the gates a document's feature-gate annotation names,
// without their "-" (must be off) prefix.
func gateNamesOf(doc render.Document) []string {
	var names []string
	for _, item := range strings.Split(doc.Annotations[featureGateAnnotation], ",") {
		if item = strings.TrimPrefix(strings.TrimSpace(item), "-"); item != "" {
			names = append(names, item)
		}
	}
	return names
}

// Dropped lists the AWS requests the release has and the cluster does not
// use, with the reason, skipping any whose Secret a kept request feeds.
func (s *Selection) Dropped() []render.DroppedRequest {
	kept := map[render.NamespacedName]bool{}
	for _, r := range s.Requests {
		kept[r.SecretRef] = true
	}
	var out []render.DroppedRequest
	for _, d := range s.Decisions {
		if !d.Kept && d.SecretRef.Name != "" && !kept[d.SecretRef] {
			out = append(out, render.DroppedRequest{SecretRef: d.SecretRef, Reason: d.Reason})
		}
	}
	return out
}

// SelectAWS keeps every AWS CredentialsRequest without looking at the
// cluster, like `oc adm release extract --credentials-requests --cloud=aws`.
func SelectAWS(docs []render.Document) (*Selection, error) {
	sel := &Selection{}
	for _, doc := range docs {
		if !render.IsCredentialsRequest(doc) {
			continue
		}
		cr, reason, err := render.CredentialsRequestFromDocument(doc)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			sel.Decisions = append(sel.Decisions, Decision{Source: doc.Source, ID: doc.ID(), Reason: reason})
			continue
		}
		sel.Requests = append(sel.Requests, cr)
		sel.Decisions = append(sel.Decisions, Decision{Source: doc.Source, ID: doc.ID(), Kept: true, Reason: "AWS request (unfiltered)"})
	}
	return sel, nil
}

func excludedBy(doc render.Document, version *Version, in Inclusion, gates, known, enabled map[string]bool) (rule, reason string) {
	ann := doc.Annotations
	if len(ann) == 0 {
		return "", "" // oc keeps annotation-less CredentialsRequests outright.
	}
	setValue, hasSet := ann[featureSetAnnotation]
	gateValue, hasGate := ann[featureGateAnnotation]
	if hasSet && hasGate {
		return RuleFeatureSet, fmt.Sprintf("has both %s and %s; a manifest may use only one", featureSetAnnotation, featureGateAnnotation)
	}
	if hasSet {
		required := in.featureSet()
		found := false
		for _, item := range strings.Split(setValue, ",") {
			if !knownFeatureSets[item] {
				return RuleFeatureSet, fmt.Sprintf("%s lists unknown feature set %q (items are not trimmed)", featureSetAnnotation, item)
			}
			found = found || item == required
		}
		if !found {
			return RuleFeatureSet, fmt.Sprintf("%s %q does not include this cluster's feature set %s", featureSetAnnotation, setValue, required)
		}
	}
	if hasGate && !in.GatesDecided {
		for _, item := range strings.Split(gateValue, ",") {
			item = strings.TrimSpace(item)
			switch {
			case item == "":
			case strings.HasPrefix(item, "-"):
				if gates[item[1:]] {
					return RuleFeatureGate, fmt.Sprintf("feature gate %s must be disabled but is enabled in %s", item[1:], in.featureSet())
				}
			default:
				if !gates[item] {
					return RuleFeatureGate, fmt.Sprintf("feature gate %s is required but not enabled in %s", item, in.featureSet())
				}
			}
		}
	}
	if _, ok := ann[majorVersionAnnotation]; ok && version != nil {
		return RuleMajorVersion, fmt.Sprintf("%s is only allowed on FeatureGate and CustomResourceDefinition manifests", majorVersionAnnotation)
	}
	if hasIncludeAnnotation(ann) {
		key := includePrefix + in.profile()
		if ann[key] != "true" {
			return RuleProfile, fmt.Sprintf("not included in cluster profile %s (%s is %q)", in.profile(), key, ann[key])
		}
	}
	if known != nil {
		if value := ann[capabilityAnnotation]; value != "" {
			var unknown, disabled []string
			for _, name := range strings.Split(value, "+") {
				switch {
				case !known[name]:
					unknown = append(unknown, name)
				case !enabled[name]:
					disabled = append(disabled, name)
				}
			}
			if len(unknown) > 0 {
				return RuleCapability, fmt.Sprintf("unrecognized capability names: %s", strings.Join(unknown, ", "))
			}
			if len(disabled) > 0 {
				return RuleCapability, fmt.Sprintf("disabled capabilities: %s", strings.Join(disabled, ", "))
			}
		}
	}
	return "", ""
}

func hasIncludeAnnotation(ann map[string]string) bool {
	for k := range ann {
		if strings.HasPrefix(k, includePrefix) {
			return true
		}
	}
	return false
}

// capabilitySets returns the capabilities the release knows and those the
// cluster enables; both nil when the cluster sets no capabilities block.
func capabilitySets(version *Version, caps *Capabilities) (known, enabled map[string]bool) {
	if caps == nil {
		return nil, nil
	}
	key := releaseKey(version)
	known = capabilitiesUpTo(key)
	switch b := caps.BaselineCapabilitySet; b {
	case "", "vCurrent":
		enabled = capabilitiesUpTo(key)
	default:
		enabled = capabilitiesUpTo(baselineMinor[b])
	}
	for _, name := range caps.AdditionalEnabledCapabilities {
		enabled[name] = true
	}
	return known, enabled
}

// IsFeatureGate reports whether a document is a config.openshift.io
// FeatureGate, whose enabled gates decide feature-gate annotations.
func IsFeatureGate(doc render.Document) bool {
	return doc.Kind == "FeatureGate" && strings.HasPrefix(doc.APIVersion, "config.openshift.io/")
}

// enabledFeatureGates unions the enabled gates of the payload's FeatureGate
// manifests for the cluster's profile, feature set and major version.
func enabledFeatureGates(docs []render.Document, version *Version, in Inclusion) map[string]bool {
	gates := map[string]bool{}
	for _, doc := range docs {
		if !IsFeatureGate(doc) {
			continue
		}
		if doc.Annotations[includePrefix+in.profile()] != featureGateProfileOnly {
			continue
		}
		if doc.Annotations[featureSetAnnotation] != in.featureSet() {
			continue
		}
		if majors, ok := doc.Annotations[majorVersionAnnotation]; ok && version != nil && !listsMajor(majors, version.Major) {
			continue
		}
		for _, name := range gateNames(doc.Object) {
			gates[name] = true
		}
	}
	return gates
}

func listsMajor(list string, major int) bool {
	for _, item := range strings.Split(list, ",") {
		if strings.TrimSpace(item) == fmt.Sprint(major) {
			return true
		}
	}
	return false
}

func gateNames(obj map[string]any) []string {
	status, _ := obj["status"].(map[string]any)
	groups, _ := status["featureGates"].([]any)
	var names []string
	for _, g := range groups {
		group, _ := g.(map[string]any)
		enabled, _ := group["enabled"].([]any)
		for _, e := range enabled {
			entry, _ := e.(map[string]any)
			if name, ok := entry["name"].(string); ok {
				names = append(names, name)
			}
		}
	}
	return names
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
