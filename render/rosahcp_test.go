package render_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

func hcpParams() render.Params {
	return render.Params{
		Name: "hcp-prod", AccountID: "123456789012", Region: "us-east-1",
		HostedControlPlane: &render.HostedControlPlane{
			OperatorRolePrefix: "hcp-prod-a1b2",
			ManagedIssuerURL:   render.ManagedOIDCIssuer("2fkrvc0u4lbrsq0d2fgcs4t1n3kp31qg"),
		},
	}
}

func TestHostedControlPlaneModel(t *testing.T) {
	m, err := render.Render(hcpParams(), nil)
	require.NoError(t, err)
	assert.Nil(t, m.Bucket, "a managed OIDC config has no bucket")
	assert.Empty(t, m.JWKS.Keys)
	assert.Equal(t, "https://oidc.op1.openshiftapps.com/2fkrvc0u4lbrsq0d2fgcs4t1n3kp31qg", m.Issuer.URL)
	assert.Equal(t, "arn:aws:iam::123456789012:oidc-provider/oidc.op1.openshiftapps.com/2fkrvc0u4lbrsq0d2fgcs4t1n3kp31qg", m.OIDCProvider.ARN)
	manifests, err := m.Manifests()
	require.NoError(t, err)
	assert.Empty(t, manifests, "no Secret and no Authentication for HCP")

	require.Len(t, m.Roles, 8)
	byName := map[string]render.Role{}
	for _, r := range m.Roles {
		byName[r.Name] = r
		assert.LessOrEqual(t, len(r.Name), 64)
		assert.Empty(t, r.InlinePolicyName, "HCP roles have no inline policy")
		assert.Len(t, r.ManagedPolicyARNs, 1)
		cond := r.TrustPolicy.Statement[0].Condition
		assert.Len(t, cond["StringEquals"], 1, "rosa's trust policy has the sub condition alone, no aud")
	}
	network, ok := byName["hcp-prod-a1b2-openshift-cloud-network-config-controller-cloud-cr"]
	require.True(t, ok, "the cloud-network-config-controller role is cut to 64 characters, as rosa cuts it")
	assert.Equal(t, []string{"arn:aws:iam::aws:policy/service-role/ROSACloudNetworkConfigOperatorPolicy"}, network.ManagedPolicyARNs)
}

func TestHostedControlPlaneErrors(t *testing.T) {
	cases := []struct {
		reason string
		change func(*render.Params)
		want   string
	}{
		{"OCM computes names by cutting, so hashed names would never be found",
			func(p *render.Params) { p.RoleNaming = render.RoleNamingHashed }, "hashed names are not possible for ROSA HCP"},
		{"rosa allows at most 32 characters of its alphabet in a prefix",
			func(p *render.Params) { p.HostedControlPlane.OperatorRolePrefix = "has space" }, "spec.rosa.operatorRolePrefix"},
		{"rosa allows at most 32 characters in a prefix",
			func(p *render.Params) { p.HostedControlPlane.OperatorRolePrefix = strings.Repeat("a", 33) }, "must be 1 to 32 letters"},
		{"an issuer URL with a trailing slash never matches tokens",
			func(p *render.Params) { p.HostedControlPlane.ManagedIssuerURL += "/" }, "spec.rosa.oidcConfig.issuerURL"},
		{"an additional role needs a policy",
			func(p *render.Params) {
				p.HostedControlPlane.AdditionalRoles = []render.OperatorRole{{Secret: render.NamespacedName{Namespace: "kube-system", Name: "karpenter"}, ServiceAccounts: []string{"karpenter"}}}
			}, "additionalOperatorRoles[0]: policyARNs: list at least one"},
		{"a policy of another partition cannot be attached",
			func(p *render.Params) {
				p.HostedControlPlane.AdditionalRoles = []render.OperatorRole{{Secret: render.NamespacedName{Namespace: "kube-system", Name: "karpenter"}, ServiceAccounts: []string{"karpenter"},
					PolicyARNs: []string{"arn:aws-us-gov:iam::aws:policy/service-role/ROSAKarpenterControllerPolicy"}}}
			}, "is in partition aws-us-gov, but the region is in aws"},
		{"a service account name must be a Kubernetes name",
			func(p *render.Params) {
				p.HostedControlPlane.AdditionalRoles = []render.OperatorRole{{Secret: render.NamespacedName{Namespace: "kube-system", Name: "karpenter"}, ServiceAccounts: []string{"Karpenter"},
					PolicyARNs: []string{"arn:aws:iam::aws:policy/service-role/ROSAKarpenterControllerPolicy"}}}
			}, `"Karpenter" is not a service account name`},
		{"a policy ARN longer than IAM allows",
			func(p *render.Params) {
				p.HostedControlPlane.AdditionalRoles = []render.OperatorRole{{Secret: render.NamespacedName{Namespace: "kube-system", Name: "kms-provider"}, ServiceAccounts: []string{"kms-provider"},
					PolicyARNs: []string{"arn:aws:iam::aws:policy/" + strings.Repeat("a", 2048)}}}
			}, "is not a managed policy ARN"},
		{"service accounts repeated across entries merge in linear time and must fit the trust policy",
			func(p *render.Params) {
				for i := range 2000 {
					var sas []string
					for j := range 50 {
						sas = append(sas, fmt.Sprintf("sa-%d-%d", i, j))
					}
					p.HostedControlPlane.AdditionalRoles = append(p.HostedControlPlane.AdditionalRoles, render.OperatorRole{
						Secret: render.NamespacedName{Namespace: "kube-system", Name: "kms-provider"}, ServiceAccounts: sas,
						PolicyARNs: []string{"arn:aws:iam::aws:policy/service-role/ROSAKMSProviderPolicy"}})
				}
			}, "list fewer service accounts"},
		{"the record of attached policies must fit one tag value",
			func(p *render.Params) {
				arns := []string{"arn:aws:iam::123456789012:policy/" + strings.Repeat("a", 120), "arn:aws:iam::123456789012:policy/" + strings.Repeat("b", 120)}
				p.HostedControlPlane.AdditionalRoles = []render.OperatorRole{{Secret: render.NamespacedName{Namespace: "kube-system", Name: "kms-provider"}, ServiceAccounts: []string{"kms-provider"}, PolicyARNs: arns}}
			}, "more than the 256 of the tag stsrender.dev/attached-policies"},
		{"two operators whose names agree in the first 64 characters collide",
			func(p *render.Params) {
				p.HostedControlPlane.AdditionalRoles = []render.OperatorRole{{Secret: render.NamespacedName{Namespace: "openshift-cloud-network-config-controller", Name: "cloud-credentials-two"}, ServiceAccounts: []string{"x"},
					PolicyARNs: []string{"arn:aws:iam::aws:policy/service-role/ROSACloudNetworkConfigOperatorPolicy"}}}
			}, "cut to 64 characters, is also the name of"},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			p := hcpParams()
			c.change(&p)
			_, err := render.Render(p, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestHostedControlPlaneRefusesRequests(t *testing.T) {
	_, err := render.Render(hcpParams(), loadRequests(t, "testdata/requests"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "come from stsrender's table")
}

func TestHostedControlPlaneReportsOneBadNamePerList(t *testing.T) {
	p := hcpParams()
	p.HostedControlPlane.AdditionalRoles = []render.OperatorRole{{Secret: render.NamespacedName{Namespace: "kube-system", Name: "kms-provider"},
		ServiceAccounts: []string{"Bad", "Worse"}, PolicyARNs: []string{"not-an-arn", "neither"}}}
	_, err := render.Render(p, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"Bad"`)
	assert.Contains(t, err.Error(), `"not-an-arn"`)
	assert.NotContains(t, err.Error(), "Worse")
	assert.NotContains(t, err.Error(), "neither")
}
