package release

import (
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"
)

// InstallConfig is the part of an installer install-config.yaml that decides
// which CredentialsRequests a cluster uses.
type InstallConfig struct {
	APIVersion   string         `json:"apiVersion"`
	FeatureSet   string         `json:"featureSet"`
	Capabilities *Capabilities  `json:"capabilities"`
	Platform     map[string]any `json:"platform"`
}

// ParseInstallConfig reads an install-config and returns the inclusion
// settings it implies. Only apiVersion v1 and the aws platform are accepted:
// stsrender renders AWS credentials only.
func ParseInstallConfig(file string, data []byte) (Inclusion, error) {
	var ic InstallConfig
	// Strict about duplicate keys (a second featureSet must not win
	// silently), lenient about the many fields read elsewhere.
	jsonData, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return Inclusion{}, fmt.Errorf("%s: %w", file, err)
	}
	if err := json.Unmarshal(jsonData, &ic); err != nil {
		return Inclusion{}, fmt.Errorf("%s: %w", file, err)
	}
	if ic.APIVersion != "v1" {
		return Inclusion{}, fmt.Errorf("%s: apiVersion: %q is not v1", file, ic.APIVersion)
	}
	if len(ic.Platform) != 1 {
		return Inclusion{}, fmt.Errorf("%s: platform: must name exactly one platform (aws)", file)
	}
	for name := range ic.Platform {
		if name != "aws" {
			return Inclusion{}, fmt.Errorf("%s: platform: %q is not aws; stsrender renders AWS STS credentials only", file, name)
		}
	}
	in := Inclusion{FeatureSet: ic.FeatureSet, Capabilities: ic.Capabilities}
	if err := in.Validate(); err != nil {
		return Inclusion{}, fmt.Errorf("%s: %w", file, err)
	}
	return in, nil
}
