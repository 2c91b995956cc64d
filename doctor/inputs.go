package doctor

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// CredentialsSecret is what the AWS SDK reads from an STS credentials
// Secret's "credentials" profile.
type CredentialsSecret struct {
	Source               string
	RoleARN              string
	WebIdentityTokenFile string
	STSRegionalEndpoints string
}

// ParseSecret reads a credentials Secret as `oc get secret -o yaml` prints
// it (data base64, or stringData), or the bare `credentials` INI file as
// `oc extract` writes it.
func ParseSecret(source string, data []byte) (*CredentialsSecret, error) {
	ini := string(data)
	if !strings.Contains(ini, "[default]") || strings.Contains(ini, "kind: Secret") {
		var secret struct {
			Kind       string            `json:"kind"`
			Data       map[string]string `json:"data"`
			StringData map[string]string `json:"stringData"`
		}
		if err := yaml.Unmarshal(data, &secret); err != nil || secret.Kind != "Secret" {
			return nil, fmt.Errorf("%s: neither a Secret (YAML) nor a credentials file ([default] with role_arn)", source)
		}
		switch {
		case secret.StringData["credentials"] != "":
			ini = secret.StringData["credentials"]
		case secret.Data["credentials"] != "":
			raw, err := base64.StdEncoding.DecodeString(secret.Data["credentials"])
			if err != nil {
				return nil, fmt.Errorf("%s: data.credentials is not base64", source)
			}
			ini = string(raw)
		default:
			return nil, fmt.Errorf("%s: the Secret has no credentials key", source)
		}
	}
	s := &CredentialsSecret{Source: source}
	sc := bufio.NewScanner(strings.NewReader(ini))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "role_arn":
			s.RoleARN = strings.TrimSpace(v)
		case "web_identity_token_file":
			s.WebIdentityTokenFile = strings.TrimSpace(v)
		case "sts_regional_endpoints":
			s.STSRegionalEndpoints = strings.TrimSpace(v)
		}
	}
	return s, nil
}

// ParseAuthentication returns spec.serviceAccountIssuer of an
// Authentication object (as `oc get authentication cluster -o yaml`
// prints it).
func ParseAuthentication(source string, data []byte) (string, error) {
	var auth struct {
		Kind string `json:"kind"`
		Spec struct {
			ServiceAccountIssuer string `json:"serviceAccountIssuer"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(bytes.TrimSpace(data), &auth); err != nil || auth.Kind != "Authentication" {
		return "", fmt.Errorf("%s: not an Authentication object", source)
	}
	return auth.Spec.ServiceAccountIssuer, nil
}
