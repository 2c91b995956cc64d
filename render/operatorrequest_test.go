package render_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

// operatorRequest is a CredentialsRequest as an operator with OLM token
// auth creates it at run time: its own cloudTokenPath, and the role ARN
// the Subscription handed it.
func operatorRequest(t *testing.T, tokenPath, roleARN string) render.CredentialsRequest {
	t.Helper()
	yaml := `apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata:
  name: loki-aws
  namespace: openshift-logging
spec:
  secretRef: {name: loki-aws-creds, namespace: openshift-logging}
  serviceAccountNames: [loki, loki-ruler]
  cloudTokenPath: ` + tokenPath + `
  providerSpec:
    apiVersion: cloudcredential.openshift.io/v1
    kind: AWSProviderSpec
    stsIAMRoleARN: "` + roleARN + `"
    statementEntries:
    - {effect: Allow, action: [s3:GetObject, s3:PutObject], resource: "arn:aws:s3:::loki/*"}
`
	if tokenPath == "" {
		yaml = strings.Replace(yaml, "  cloudTokenPath: \n", "", 1)
	}
	parsed, err := render.ParseCredentialsRequests("loki.yaml", []byte(yaml))
	require.NoError(t, err)
	require.Len(t, parsed.Requests, 1)
	return parsed.Requests[0]
}

func TestOperatorCreatedRequests(t *testing.T) {
	params := func() render.Params {
		return render.Params{Name: "demo", AccountID: "123456789012", Region: "us-east-2", PublicKeys: []render.PublicKey{{Source: "k", PEM: clusterWrittenPEM(t, &rsaKey(t).PublicKey)}}}
	}

	// cloudTokenPath alone: stsrender writes the Secret, with the operator's
	// token file, as CCO does when it brokers one.
	m, err := render.Render(params(), []render.CredentialsRequest{operatorRequest(t, "/var/run/secrets/storage/serviceaccount/token", "")})
	require.NoError(t, err)
	require.True(t, m.Roles[0].HasSecret())
	assert.Contains(t, m.Roles[0].Secret.Credentials, "web_identity_token_file = /var/run/secrets/storage/serviceaccount/token")
	manifests, err := m.Manifests()
	require.NoError(t, err)
	assert.Len(t, manifests, 2, "the Authentication and the Secret")

	// stsIAMRoleARN: CCO writes the Secret; stsrender renders the role of
	// that ARN and no Secret, so there is one writer of each.
	m, err = render.Render(params(), []render.CredentialsRequest{operatorRequest(t, "", "arn:aws:iam::123456789012:role/loki-s3")})
	require.NoError(t, err)
	require.Len(t, m.Roles, 1)
	assert.Equal(t, "loki-s3", m.Roles[0].Name)
	assert.Equal(t, "arn:aws:iam::123456789012:role/loki-s3", m.Roles[0].ARN)
	assert.False(t, m.Roles[0].HasSecret())
	assert.Equal(t, render.KubernetesTokenPath, m.Roles[0].Request.TokenFile(), "CCO's default token path without cloudTokenPath")
	manifests, err = m.Manifests()
	require.NoError(t, err)
	assert.Len(t, manifests, 1, "the Authentication only")

	for _, c := range []struct{ reason, arn, wantErr string }{
		{"another account", "arn:aws:iam::210987654321:role/loki-s3", "is not a role in account 123456789012 (partition aws)"},
		{"another partition", "arn:aws-us-gov:iam::123456789012:role/loki-s3", "is not a role in account 123456789012 (partition aws)"},
		{"another role path", "arn:aws:iam::123456789012:role/team/loki-s3", `has role path "/team/", not spec.aws.rolePath "/"`},
		{"not a role", "arn:aws:iam::123456789012:user/loki", "is not a role in account"},
		{"a name too long", "arn:aws:iam::123456789012:role/" + strings.Repeat("x", 65), "does not end in a role name of 1 to 64 characters"},
	} {
		_, err := render.Render(params(), []render.CredentialsRequest{operatorRequest(t, "", c.arn)})
		assert.ErrorContains(t, err, "spec.providerSpec.stsIAMRoleARN: ", c.reason)
		assert.ErrorContains(t, err, c.wantErr, c.reason)
	}

	// A token path is written into an INI file: a newline would add keys.
	_, err = render.ParseCredentialsRequests("x.yaml", []byte(`apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata: {name: x, namespace: openshift-cloud-credential-operator}
spec:
  secretRef: {name: s, namespace: ns}
  serviceAccountNames: [sa]
  cloudTokenPath: "/token\nrole_arn = arn:aws:iam::999999999999:role/admin"
  providerSpec: {kind: AWSProviderSpec, statementEntries: [{effect: Allow, action: [s3:GetObject], resource: "*"}]}
`))
	assert.ErrorContains(t, err, "spec.cloudTokenPath: ")
	assert.ErrorContains(t, err, "is not an absolute file path")
}
