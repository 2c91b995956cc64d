package release

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/render"
)

// doc builds a minimal AWS CredentialsRequest document with annotations.
func doc(t *testing.T, name string, annotations map[string]string) render.Document {
	t.Helper()
	var ann strings.Builder
	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&ann, "    %s: %q\n", k, annotations[k])
	}
	annBlock := ""
	if len(annotations) > 0 {
		annBlock = "  annotations:\n" + ann.String()
	}
	y := fmt.Sprintf(`apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata:
  name: %s
%sspec:
  serviceAccountNames: [sa]
  secretRef: {namespace: ns, name: %s}
  providerSpec:
    kind: AWSProviderSpec
    statementEntries: [{effect: Allow, action: ["s3:GetObject"], resource: "*"}]
`, name, annBlock, name)
	docs, err := render.ParseDocuments(name+".yaml", []byte(y))
	require.NoError(t, err)
	return docs[0]
}

const profileKey = "include.release.openshift.io/self-managed-high-availability"

func TestSelectRules(t *testing.T) {
	gates := func(fs string, enabled ...string) render.Document {
		y := fmt.Sprintf("apiVersion: config.openshift.io/v1\nkind: FeatureGate\nmetadata:\n  name: cluster\n  annotations:\n    %s: false-except-for-the-config-operator\n    release.openshift.io/feature-set: %s\nstatus:\n  featureGates:\n  - enabled: [%s]\n", profileKey, fs, strings.Join(func() []string {
			var out []string
			for _, e := range enabled {
				out = append(out, "{name: "+e+"}")
			}
			return out
		}(), ", "))
		docs, err := render.ParseDocuments("fg.yaml", []byte(y))
		require.NoError(t, err)
		return docs[0]
	}
	inc := map[string]string{profileKey: "true"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{profileKey: "true"}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	none := &Capabilities{BaselineCapabilitySet: "None", AdditionalEnabledCapabilities: []string{"CloudCredential"}}
	cases := map[string]struct {
		reason     string
		ann        map[string]string
		inclusion  Inclusion
		extraDocs  []render.Document
		version    *Version
		wantKept   bool
		wantReason string
	}{
		"no annotations": {reason: "oc keeps annotation-less CredentialsRequests outright", wantKept: true},
		"profile true":   {reason: "the default profile is self-managed-high-availability", ann: inc, wantKept: true},
		"other profile only": {reason: "an include annotation for another profile only excludes it",
			ann: map[string]string{"include.release.openshift.io/single-node-developer": "true"}, wantReason: "not included in cluster profile self-managed-high-availability"},
		"profile not true": {reason: "only the exact string true includes",
			ann: map[string]string{profileKey: "True"}, wantReason: `is "True"`},
		"chosen profile": {reason: "the cluster profile can be chosen",
			ann: map[string]string{"include.release.openshift.io/single-node-developer": "true"}, inclusion: Inclusion{Profile: "single-node-developer"}, wantKept: true},
		"feature set match": {reason: "TechPreview clusters take TechPreview requests",
			ann: with(map[string]string{featureSetAnnotation: "TechPreviewNoUpgrade"}), inclusion: Inclusion{FeatureSet: "TechPreviewNoUpgrade"}, wantKept: true},
		"feature set default": {reason: "an empty feature set means Default, which TechPreview-only requests exclude",
			ann: with(map[string]string{featureSetAnnotation: "TechPreviewNoUpgrade"}), wantReason: "does not include this cluster's feature set Default"},
		"feature set list": {reason: "comma lists are read",
			ann: with(map[string]string{featureSetAnnotation: "CustomNoUpgrade,TechPreviewNoUpgrade"}), inclusion: Inclusion{FeatureSet: "TechPreviewNoUpgrade"}, wantKept: true},
		"feature set untrimmed": {reason: "oc does not trim feature-set items, so a space makes an unknown set",
			ann: with(map[string]string{featureSetAnnotation: "CustomNoUpgrade, TechPreviewNoUpgrade"}), inclusion: Inclusion{FeatureSet: "TechPreviewNoUpgrade"}, wantReason: `unknown feature set " TechPreviewNoUpgrade"`},
		"feature set and gate": {reason: "a manifest may not use both",
			ann: with(map[string]string{featureSetAnnotation: "Default", featureGateAnnotation: "A"}), wantReason: "has both"},
		"gate enabled": {reason: "a required gate must be on in the cluster's feature set",
			ann: with(map[string]string{featureGateAnnotation: "A"}), extraDocs: []render.Document{gates("Default", "A")}, wantKept: true},
		"gate disabled": {reason: "a required gate that is off excludes",
			ann: with(map[string]string{featureGateAnnotation: "A"}), extraDocs: []render.Document{gates("Default", "B")}, wantReason: "feature gate A is required but not enabled in Default"},
		"gate from other feature set": {reason: "gates come from the FeatureGate of the cluster's feature set",
			ann: with(map[string]string{featureGateAnnotation: "A"}), extraDocs: []render.Document{gates("TechPreviewNoUpgrade", "A")}, wantReason: "feature gate A is required"},
		"negated gate": {reason: "-Gate requires the gate to be off",
			ann: with(map[string]string{featureGateAnnotation: "-A"}), extraDocs: []render.Document{gates("Default", "A")}, wantReason: "feature gate A must be disabled"},
		"negated gate off": {reason: "-Gate with the gate off keeps",
			ann: with(map[string]string{featureGateAnnotation: "-A"}), extraDocs: []render.Document{gates("Default", "B")}, wantKept: true},
		"gate list trimmed": {reason: "gate items are trimmed and all must hold",
			ann: with(map[string]string{featureGateAnnotation: " A , B ,"}), extraDocs: []render.Document{gates("Default", "A", "B")}, wantKept: true},
		"gate list partial": {reason: "every gate of the list must hold",
			ann: with(map[string]string{featureGateAnnotation: "A,B"}), extraDocs: []render.Document{gates("Default", "A")}, wantReason: "feature gate B is required"},
		"no capabilities block": {reason: "without a capabilities block nothing is filtered by capability",
			ann: with(map[string]string{capabilityAnnotation: "ImageRegistry"}), wantKept: true},
		"capability enabled": {reason: "additional capabilities are enabled",
			ann: with(map[string]string{capabilityAnnotation: "CloudCredential"}), inclusion: Inclusion{Capabilities: none}, wantKept: true},
		"capability disabled": {reason: "a capability outside the baseline and additional list excludes",
			ann: with(map[string]string{capabilityAnnotation: "ImageRegistry+CloudCredential"}), inclusion: Inclusion{Capabilities: none}, wantReason: "disabled capabilities: ImageRegistry"},
		"capability baseline": {reason: "v4.14 enables ImageRegistry",
			ann: with(map[string]string{capabilityAnnotation: "ImageRegistry"}), inclusion: Inclusion{Capabilities: &Capabilities{BaselineCapabilitySet: "v4.14"}}, wantKept: true},
		"capability not in old baseline": {reason: "v4.13 does not have ImageRegistry",
			ann: with(map[string]string{capabilityAnnotation: "ImageRegistry"}), inclusion: Inclusion{Capabilities: &Capabilities{BaselineCapabilitySet: "v4.13"}}, wantReason: "disabled capabilities: ImageRegistry"},
		"capability unknown": {reason: "unknown names in a request are reported",
			ann: with(map[string]string{capabilityAnnotation: "CloudCredential+Teleport"}), inclusion: Inclusion{Capabilities: none}, wantReason: "unrecognized capability names: Teleport"},
		"capability newer than release": {reason: "vCurrent of 4.18 does not know ClusterAPI",
			ann: with(map[string]string{capabilityAnnotation: "ClusterAPI"}), version: &Version{Major: 4, Minor: 18}, inclusion: Inclusion{Capabilities: &Capabilities{BaselineCapabilitySet: "vCurrent"}}, wantReason: "unrecognized capability names: ClusterAPI"},
		"major version on a request": {reason: "the major-version annotation belongs on FeatureGates and CRDs only",
			ann: with(map[string]string{majorVersionAnnotation: "4"}), version: &Version{Major: 4, Minor: 22}, wantReason: "only allowed on FeatureGate"},
		"tombstone": {reason: "a delete tombstone is dropped even when included",
			ann: with(map[string]string{render.DeleteAnnotation: "true"}), wantReason: "delete tombstone"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			docs := append([]render.Document{doc(t, "req", tc.ann)}, tc.extraDocs...)
			sel, err := Select(docs, tc.version, tc.inclusion)
			require.NoError(t, err, tc.reason)
			require.Len(t, sel.Decisions, 1)
			d := sel.Decisions[0]
			assert.Equal(t, tc.wantKept, d.Kept, "%s: %s", tc.reason, d.Reason)
			assert.Len(t, sel.Requests, map[bool]int{true: 1, false: 0}[tc.wantKept])
			if tc.wantReason != "" {
				assert.Contains(t, d.Reason, tc.wantReason, tc.reason)
			}
		})
	}
}

func TestInclusionValidate(t *testing.T) {
	cases := map[string]struct {
		in      Inclusion
		wantErr string
	}{
		"default":          {},
		"known set":        {in: Inclusion{FeatureSet: "TechPreviewNoUpgrade"}},
		"unknown set":      {in: Inclusion{FeatureSet: "TechPreview"}, wantErr: `featureSet: "TechPreview" is not one of`},
		"baseline":         {in: Inclusion{Capabilities: &Capabilities{BaselineCapabilitySet: "v4.17"}}},
		"empty baseline":   {in: Inclusion{Capabilities: &Capabilities{}}},
		"unknown baseline": {in: Inclusion{Capabilities: &Capabilities{BaselineCapabilitySet: "v4.99"}}, wantErr: `"v4.99" is not one of None, v4.11`},
		"unknown addition": {in: Inclusion{Capabilities: &Capabilities{BaselineCapabilitySet: "None", AdditionalEnabledCapabilities: []string{"imageregistry"}}}, wantErr: `additionalEnabledCapabilities[0]: "imageregistry" is not a known capability`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.in.Validate()
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestParseInstallConfigRejectsDuplicateKeys(t *testing.T) {
	_, err := ParseInstallConfig("install-config.yaml", []byte("apiVersion: v1\nfeatureSet: Default\nplatform: {aws: {}}\nfeatureSet: TechPreviewNoUpgrade\n"))
	assert.ErrorContains(t, err, `"featureSet" already set in map`)
}

func TestParseInstallConfig(t *testing.T) {
	in, err := ParseInstallConfig("ic.yaml", []byte("apiVersion: v1\nfeatureSet: TechPreviewNoUpgrade\ncapabilities:\n  baselineCapabilitySet: None\n  additionalEnabledCapabilities: [CloudCredential]\nplatform:\n  aws: {region: us-east-1}\n"))
	require.NoError(t, err)
	assert.Equal(t, "TechPreviewNoUpgrade", in.FeatureSet)
	assert.Equal(t, &Capabilities{BaselineCapabilitySet: "None", AdditionalEnabledCapabilities: []string{"CloudCredential"}}, in.Capabilities)
	for input, want := range map[string]string{
		"apiVersion: v1beta4\nplatform: {aws: {}}\n":                                      `apiVersion: "v1beta4" is not v1`,
		"apiVersion: v1\nplatform: {gcp: {}}\n":                                           `platform: "gcp" is not aws`,
		"apiVersion: v1\nplatform: {aws: {}}\nfeatureSet: Bogus\n":                        `featureSet: "Bogus"`,
		"apiVersion: v1\nplatform: {aws: {}}\ncapabilities: {baselineCapabilitySet: x}\n": `baselineCapabilitySet: "x"`,
	} {
		_, err := ParseInstallConfig("ic.yaml", []byte(input))
		require.Error(t, err, input)
		assert.Contains(t, err.Error(), want)
		assert.True(t, strings.HasPrefix(err.Error(), "ic.yaml: "), "errors name the file")
	}
}

// TestPayloadParity checks the kept set of the 4.14-, 4.18- and 4.22-shaped
// test payloads against what `oc adm release extract --credentials-requests
// --included` keeps for the same install-config settings.
func TestPayloadParity(t *testing.T) {
	trimmed := &Capabilities{BaselineCapabilitySet: "None", AdditionalEnabledCapabilities: []string{
		"CloudCredential", "CloudControllerManager", "Ingress", "MachineAPI", "Storage", "CSISnapshot", "NodeTuning", "OperatorLifecycleManager", "marketplace"}}
	all := []string{"aws-ebs-csi-driver-operator", "cloud-credential-operator-iam-ro", "openshift-cloud-network-config-controller-aws", "openshift-ingress", "openshift-machine-api-aws"}
	cases := map[string]struct {
		reason string
		in     Inclusion
		want   []string
	}{
		"4.14/trimmed":     {"ImageRegistry disabled, capi TechPreview only; the 4.14 CCO request has no capability annotation", Inclusion{Capabilities: trimmed}, all},
		"4.14/techpreview": {"TechPreview keeps capi", Inclusion{FeatureSet: "TechPreviewNoUpgrade"}, append([]string{"openshift-cluster-api-aws", "openshift-image-registry"}, all...)},
		"4.18/trimmed":     {"ImageRegistry disabled, capi TechPreview only", Inclusion{Capabilities: trimmed}, all},
		"4.18/techpreview": {"everything AWS", Inclusion{FeatureSet: "TechPreviewNoUpgrade"}, append([]string{"openshift-cluster-api-aws", "openshift-image-registry"}, all...)},
		"4.22/default":     {"capi needs gate ClusterAPIMachineManagement, off in Default", Inclusion{}, append([]string{"openshift-image-registry"}, all...)},
		"4.22/trimmed":     {"and ImageRegistry disabled", Inclusion{Capabilities: trimmed}, all},
		"4.22/techpreview": {"the gate is on in TechPreviewNoUpgrade", Inclusion{FeatureSet: "TechPreviewNoUpgrade"}, append([]string{"openshift-cluster-api-aws", "openshift-image-registry"}, all...)},
		"4.22/custom":      {"CustomNoUpgrade has no FeatureGate manifest: no gate is on", Inclusion{FeatureSet: "CustomNoUpgrade"}, append([]string{"openshift-image-registry"}, all...)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			version, _, _ := strings.Cut(name, "/")
			m, err := ReadDirectory(fsguard.Root{}, filepath.Join("testdata", "payloads", version), version)
			require.NoError(t, err)
			require.NotNil(t, m.Version)
			sel, err := Select(m.Documents, m.Version, tc.in)
			require.NoError(t, err)
			var got []string
			for _, r := range sel.Requests {
				got = append(got, r.Name)
			}
			sort.Strings(got)
			want := append([]string(nil), tc.want...)
			sort.Strings(want)
			assert.Equal(t, want, got, tc.reason)
		})
	}
}
