package outputs

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/stsrender/stsrender/render"
)

// Object is one Kubernetes object an output emits. Fields are written in
// this order; the maps inside are written with sorted keys.
type Object struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   Meta              `json:"metadata"`
	Type       string            `json:"type,omitempty"`
	StringData map[string]string `json:"stringData,omitempty"`
	Spec       any               `json:"spec,omitempty"`
}

// Meta is an object's metadata.
type Meta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// compact is a policy document as IAM receives it.
func compact(doc render.PolicyDocument) (string, error) {
	b, err := doc.MarshalCompact()
	return string(b), err
}

// canonical is a policy document as compact JSON with sorted keys and no
// spaces, numbers as written: the one form whose bytes a string compare
// (ACK's for inline policies) finds equal run after run.
func canonical(doc render.PolicyDocument) (string, error) {
	raw, err := doc.MarshalCompact()
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func tagMap(tags []render.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out
}

// kubernetesName turns an AWS name into a Kubernetes object name: IAM
// allows upper case, "_", "+", "=", ",", "@" (a ROSA operator role prefix
// may hold them), Kubernetes only lower-case letters, digits, "-" and ".".
// The AWS name itself is kept in the spec or the external name.
func kubernetesName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		default:
			return '-'
		}
	}, name)
}

// attachmentName names the object attaching a managed policy to a role:
// the role's name and the policy's name (the ARN's last segment).
func attachmentName(role, policyARN string) string {
	return kubernetesName(role + "-" + policyARN[strings.LastIndex(policyARN, "/")+1:])
}
