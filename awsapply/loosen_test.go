package awsapply

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	provider = "arn:aws:iam::123456789012:oidc-provider/demo-oidc.s3.us-east-2.amazonaws.com"
	rendered = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"demo-oidc.s3.us-east-2.amazonaws.com:sub":["system:serviceaccount:ns:a","system:serviceaccount:ns:b"]}}}]}`
)

func TestTrustLoosening(t *testing.T) {
	cases := []struct {
		reason  string
		current string
		want    []string
	}{
		{
			reason:  "an older render (fewer service accounts) is stsrender's own shape: a release adding one is no loosening",
			current: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"demo-oidc.s3.us-east-2.amazonaws.com:sub":"system:serviceaccount:ns:a"}}}]}`,
		},
		{
			reason:  "an admin's extra aud condition and Deny statement: replacing the policy removes both",
			current: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"demo-oidc.s3.us-east-2.amazonaws.com:sub":["system:serviceaccount:ns:a","system:serviceaccount:ns:b"],"demo-oidc.s3.us-east-2.amazonaws.com:aud":"openshift"}}},{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}]}`,
			want:    []string{"removes the Deny statement on sts:AssumeRoleWithWebIdentity", "removes the condition StringEquals demo-oidc.s3.us-east-2.amazonaws.com:aud"},
		},
		{
			reason:  "an admin removed a service account and added a condition: restoring the account admits it again",
			current: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"demo-oidc.s3.us-east-2.amazonaws.com:sub":"system:serviceaccount:ns:a"},"Bool":{"aws:SecureTransport":"true"}}}]}`,
			want:    []string{"admits StringEquals demo-oidc.s3.us-east-2.amazonaws.com:sub \"system:serviceaccount:ns:b\"", "removes the condition Bool aws:SecureTransport"},
		},
		{
			reason:  "a negated condition that excluded a value: dropping it loosens",
			current: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"demo-oidc.s3.us-east-2.amazonaws.com:sub":["system:serviceaccount:ns:a","system:serviceaccount:ns:b"]},"StringNotEquals":{"aws:PrincipalTag/x":"y"}}}]}`,
			want:    []string{"removes the condition StringNotEquals aws:PrincipalTag/x"},
		},
		{
			reason:  "a narrower principal list: the render widens it",
			current: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/other"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"demo-oidc.s3.us-east-2.amazonaws.com:sub":["system:serviceaccount:ns:a","system:serviceaccount:ns:b"]},"Bool":{"x":"true"}}}]}`,
			want:    []string{"removes the condition Bool x", "widens the principal to Federated:" + provider},
		},
		{
			reason:  "tightening is not loosening: an extra condition in the render",
			current: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`,
		},
		{
			reason:  "a trust policy replaced for other actions restricted nothing the render grants: plain drift repair",
			current: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`,
		},
	}
	for _, tc := range cases {
		got, err := trustLoosening(tc.current, rendered)
		require.NoError(t, err, tc.reason)
		assert.Equal(t, tc.want, got, tc.reason)
	}
}
