package release

import "sort"

// Capability names of config.openshift.io/v1 ClusterVersion, in the order
// openshift/api added them. The named baseline sets are frozen once added.
var capabilityHistory = []struct {
	minor int // first 4.x minor whose vCurrent includes the capability (50 means 5.0)
	names []string
}{
	{11, []string{"baremetal", "marketplace", "openshift-samples", "MachineAPI"}},
	{12, []string{"Console", "Insights", "Storage", "CSISnapshot"}},
	{13, []string{"NodeTuning"}},
	{14, []string{"Build", "DeploymentConfig", "ImageRegistry"}},
	{15, []string{"OperatorLifecycleManager", "CloudCredential"}},
	{16, []string{"Ingress", "CloudControllerManager"}},
	{18, []string{"OperatorLifecycleManagerV1"}},
	{50, []string{"CompatibilityRequirements", "ClusterAPI"}},
}

// baselineMinor maps each named baseline set to the minor whose
// capabilities it holds. vCurrent is resolved against the release.
var baselineMinor = map[string]int{
	"None": 0, "v4.11": 11, "v4.12": 12, "v4.13": 13, "v4.14": 14,
	"v4.15": 15, "v4.16": 16, "v4.17": 16, "v4.18": 18,
}

// BaselineCapabilitySets lists the accepted baselineCapabilitySet values.
func BaselineCapabilitySets() []string {
	names := []string{"vCurrent"}
	for name := range baselineMinor {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// capabilitiesUpTo returns every capability known at a release (major*10+minor
// style key: 4.18 is 18, 5.0 is 50).
func capabilitiesUpTo(key int) map[string]bool {
	set := map[string]bool{}
	for _, step := range capabilityHistory {
		if step.minor <= key {
			for _, n := range step.names {
				set[n] = true
			}
		}
	}
	return set
}

// releaseKey turns a release version into the key of capabilityHistory. An
// unknown version counts as the newest release this table knows.
func releaseKey(v *Version) int {
	switch {
	case v == nil:
		return 1 << 30
	case v.Major == 4:
		return v.Minor
	case v.Major > 4:
		return 50 + (v.Major-5)*100 + v.Minor
	default:
		return 0
	}
}

// isKnownCapability reports whether any release this table knows has name.
func isKnownCapability(name string) bool {
	return capabilitiesUpTo(1 << 30)[name]
}
