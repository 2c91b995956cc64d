package render

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// PolicyVersion is the only IAM policy language version stsrender writes.
const PolicyVersion = "2012-10-17"

// PolicyDocument is an IAM or S3 policy. Field order is the order AWS
// documents use, so marshalled documents read naturally in pull requests.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one policy statement. Principal and Resource hold either a
// string or a structure, exactly as they should appear in JSON.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal any                       `json:"Principal,omitempty"`
	Action    any                       `json:"Action"`
	Resource  any                       `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// MarshalCompact returns the document as IAM receives it: compact JSON
// without HTML escaping.
func (d PolicyDocument) MarshalCompact() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Size is the length IAM counts against its quotas: characters of the
// document with whitespace outside strings removed.
func (d PolicyDocument) Size() (int, error) {
	b, err := d.MarshalCompact()
	if err != nil {
		return 0, err
	}
	return utf8.RuneCount(b), nil
}

// MarshalIndented renders v as two-space indented JSON without HTML escaping
// and with a trailing newline, the format of every JSON file stsrender writes.
func MarshalIndented(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
