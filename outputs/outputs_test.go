package outputs_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/outputs"
	"github.com/stsrender/stsrender/render"
)

func model(t *testing.T, edit func(*render.Params), requests ...render.CredentialsRequest) *render.Model {
	t.Helper()
	pem, err := os.ReadFile(filepath.Join("..", "render", "testdata", "keys", "primary.pub"))
	require.NoError(t, err)
	p := render.Params{Name: "prod", AccountID: "123456789012", Region: "us-east-2", PublicKeys: []render.PublicKey{{Source: "k", PEM: pem}}}
	if edit != nil {
		edit(&p)
	}
	if len(requests) == 0 {
		requests = []render.CredentialsRequest{{
			Source: render.Source{File: "r.yaml", Item: -1}, Name: "ingress", Namespace: "openshift-cloud-credential-operator",
			SecretRef: render.NamespacedName{Namespace: "openshift-ingress-operator", Name: "cloud-credentials"}, ServiceAccountNames: []string{"ingress-operator"},
			StatementEntries: []render.StatementEntry{{Effect: "Allow", Action: []string{"route53:ListHostedZones", "elasticloadbalancing:DescribeLoadBalancers"}, Resource: "*",
				PolicyCondition: map[string]map[string]any{"NumericEquals": {"x": json.Number("18446744073709551617")}}}},
		}}
	}
	m, err := render.Render(p, requests)
	require.NoError(t, err)
	return m
}

// asMap reads an object back the way Kubernetes will.
func asMap(t *testing.T, o outputs.Object) map[string]any {
	t.Helper()
	raw, err := json.Marshal(o)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func get(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, p := range path {
		m, ok := v.(map[string]any)
		require.True(t, ok, "%s: not a mapping", strings.Join(path, "."))
		v = m[p]
	}
	return v
}

func byKind(t *testing.T, objects []outputs.Object, kind string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, o := range objects {
		if o.Kind == kind {
			out = append(out, asMap(t, o))
		}
	}
	return out
}

// samePolicy compares policy documents by meaning.
func samePolicy(t *testing.T, a string, b render.PolicyDocument) {
	t.Helper()
	raw, err := b.MarshalCompact()
	require.NoError(t, err)
	var x, y any
	dec := json.NewDecoder(strings.NewReader(a))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&x))
	dec = json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&y))
	assert.True(t, reflect.DeepEqual(x, y), "policy differs from the model's:\n%s\n%s", a, raw)
}

func TestCrossplaneClusterScoped(t *testing.T) {
	m := model(t, nil)
	objects, err := outputs.Crossplane(m, outputs.CrossplaneOptions{})
	require.NoError(t, err)
	var kinds []string
	for _, o := range objects {
		kinds = append(kinds, o.APIVersion+" "+o.Kind)
	}
	assert.Equal(t, []string{
		"s3.aws.upbound.io/v1beta2 Bucket", "s3.aws.upbound.io/v1beta2 BucketOwnershipControls",
		"s3.aws.upbound.io/v1beta1 BucketPublicAccessBlock", "s3.aws.upbound.io/v1beta1 BucketPolicy",
		"s3.aws.upbound.io/v1beta2 Object", "s3.aws.upbound.io/v1beta2 Object",
		"iam.aws.upbound.io/v1beta1 OpenIDConnectProvider", "iam.aws.upbound.io/v1beta1 Role",
	}, kinds)
	for _, o := range objects {
		obj := asMap(t, o)
		assert.Equal(t, "Orphan", get(t, obj, "spec", "deletionPolicy"), "%s: deleting the Git directory must not delete AWS resources", o.Kind)
		assert.Equal(t, map[string]any{"name": "default"}, get(t, obj, "spec", "providerConfigRef"))
		assert.Nil(t, get(t, obj, "spec", "managementPolicies"))
		assert.Nil(t, get(t, obj, "metadata", "namespace"))
	}

	bucket := byKind(t, objects, "Bucket")[0]
	assert.Equal(t, "prod-oidc", get(t, bucket, "metadata", "annotations", "crossplane.io/external-name"))
	assert.Equal(t, "us-east-2", get(t, bucket, "spec", "forProvider", "region"), "region is required")
	for _, kind := range []string{"BucketOwnershipControls", "BucketPublicAccessBlock", "BucketPolicy", "Object"} {
		for _, o := range byKind(t, objects, kind) {
			assert.Equal(t, map[string]any{"name": "prod-oidc"}, get(t, o, "spec", "forProvider", "bucketRef"), "%s refers to the bucket", kind)
			assert.Equal(t, "us-east-2", get(t, o, "spec", "forProvider", "region"))
		}
	}
	assert.Equal(t, map[string]any{"objectOwnership": "BucketOwnerEnforced"}, get(t, byKind(t, objects, "BucketOwnershipControls")[0], "spec", "forProvider", "rule"), "v1beta2: rule is an object")
	pab := get(t, byKind(t, objects, "BucketPublicAccessBlock")[0], "spec", "forProvider").(map[string]any)
	assert.Equal(t, true, pab["blockPublicAcls"], "Crossplane's casing is Acls")
	assert.Equal(t, false, pab["blockPublicPolicy"])
	samePolicy(t, get(t, byKind(t, objects, "BucketPolicy")[0], "spec", "forProvider", "policy").(string), *m.Bucket.Policy)
	docs := byKind(t, objects, "Object")
	assert.Equal(t, ".well-known/openid-configuration", get(t, docs[0], "spec", "forProvider", "key"))
	assert.Equal(t, string(m.Bucket.Objects[0].Body), get(t, docs[0], "spec", "forProvider", "content"))
	assert.Equal(t, "application/json", get(t, docs[1], "spec", "forProvider", "contentType"))
	assert.Equal(t, "keys.json", get(t, docs[1], "spec", "forProvider", "key"))

	provider := byKind(t, objects, "OpenIDConnectProvider")[0]
	assert.Equal(t, m.OIDCProvider.ARN, get(t, provider, "metadata", "annotations", "crossplane.io/external-name"), "the ARN adopts an existing provider")
	assert.Equal(t, []any{"openshift", "sts.amazonaws.com"}, get(t, provider, "spec", "forProvider", "clientIdList"))
	assert.Nil(t, get(t, provider, "spec", "forProvider", "thumbprintList"))

	role := byKind(t, objects, "Role")[0]
	r := m.Roles[0]
	assert.Equal(t, r.Name, get(t, role, "metadata", "annotations", "crossplane.io/external-name"), "the role name is the external name")
	fp := get(t, role, "spec", "forProvider").(map[string]any)
	samePolicy(t, fp["assumeRolePolicy"].(string), r.TrustPolicy)
	inline := fp["inlinePolicy"].([]any)
	require.Len(t, inline, 1, "the exclusive inline form")
	assert.Equal(t, r.InlinePolicyName, get(t, inline[0], "name"))
	samePolicy(t, get(t, inline[0], "policy").(string), r.InlinePolicy)
	assert.Contains(t, get(t, inline[0], "policy"), "18446744073709551617", "numbers as written")
	assert.Equal(t, "/", fp["path"])
	assert.Equal(t, "owned", get(t, fp, "tags", "openshift.io/cloud-credential-operator/prod"))
	assert.Nil(t, fp["permissionsBoundary"])
	assert.Empty(t, byKind(t, objects, "RolePolicy"), "never also RolePolicy")
}

func TestCrossplaneNamespacedAndPolicies(t *testing.T) {
	m := model(t, nil)
	_, err := outputs.Crossplane(m, outputs.CrossplaneOptions{Namespaced: true})
	assert.ErrorContains(t, err, "outputs.namespace: required")
	objects, err := outputs.Crossplane(m, outputs.CrossplaneOptions{Namespaced: true, Namespace: "sts", ProviderConfigName: "aws"})
	require.NoError(t, err)
	for _, o := range objects {
		obj := asMap(t, o)
		assert.Contains(t, []string{"iam.aws.m.upbound.io/v1beta1", "s3.aws.m.upbound.io/v1beta1"}, o.APIVersion)
		assert.Equal(t, "sts", get(t, obj, "metadata", "namespace"))
		assert.Equal(t, map[string]any{"kind": "ClusterProviderConfig", "name": "aws"}, get(t, obj, "spec", "providerConfigRef"))
		assert.Nil(t, get(t, obj, "spec", "deletionPolicy"), "namespaced managed resources have no deletionPolicy")
		assert.Equal(t, []any{"Observe", "Create", "Update", "LateInitialize"}, get(t, obj, "spec", "managementPolicies"), "no Delete: orphaned by default")
	}
	objects, err = outputs.Crossplane(m, outputs.CrossplaneOptions{Namespaced: true, Namespace: "sts", DeletionPolicy: "Delete"})
	require.NoError(t, err)
	assert.Equal(t, []any{"*"}, get(t, asMap(t, objects[0]), "spec", "managementPolicies"))
	objects, err = outputs.Crossplane(m, outputs.CrossplaneOptions{ManagementPolicies: []string{"Observe"}})
	require.NoError(t, err)
	assert.Equal(t, []any{"Observe"}, get(t, asMap(t, objects[0]), "spec", "managementPolicies"), "verify-only")

	_, err = outputs.Crossplane(model(t, func(p *render.Params) { p.PrivateBucket = true; p.IssuerURL = "https://d111.cloudfront.net" }), outputs.CrossplaneOptions{})
	assert.ErrorContains(t, err, "private bucket")
}

func TestACK(t *testing.T) {
	m := model(t, func(p *render.Params) { p.PermissionsBoundaryARN = "arn:aws:iam::123456789012:policy/boundary" })
	_, err := outputs.ACK(m, outputs.ACKOptions{})
	assert.ErrorContains(t, err, "outputs.namespace: required")
	objects, err := outputs.ACK(m, outputs.ACKOptions{Namespace: "ack-system"})
	require.NoError(t, err)
	var kinds []string
	for _, o := range objects {
		kinds = append(kinds, o.APIVersion+" "+o.Kind)
		obj := asMap(t, o)
		assert.Equal(t, "retain", get(t, obj, "metadata", "annotations", "services.k8s.aws/deletion-policy"))
		assert.Equal(t, "adopt-or-create", get(t, obj, "metadata", "annotations", "services.k8s.aws/adoption-policy"))
		assert.Equal(t, "ack-system", get(t, obj, "metadata", "namespace"))
	}
	assert.Equal(t, []string{"s3.services.k8s.aws/v1alpha1 Bucket", "iam.services.k8s.aws/v1alpha1 OpenIDConnectProvider", "iam.services.k8s.aws/v1alpha1 Role"}, kinds)

	bucket := asMap(t, objects[0])
	assert.Equal(t, `{"name":"prod-oidc"}`, get(t, bucket, "metadata", "annotations", "services.k8s.aws/adoption-fields"))
	assert.Equal(t, "us-east-2", get(t, bucket, "metadata", "annotations", "services.k8s.aws/region"))
	assert.Equal(t, "prod-oidc", get(t, bucket, "spec", "name"))
	assert.Equal(t, "us-east-2", get(t, bucket, "spec", "createBucketConfiguration", "locationConstraint"))
	assert.Equal(t, true, get(t, bucket, "spec", "publicAccessBlock", "blockPublicACLs"), "ACK's casing is ACLs")
	assert.Equal(t, []any{map[string]any{"objectOwnership": "BucketOwnerEnforced"}}, get(t, bucket, "spec", "ownershipControls", "rules"))
	samePolicy(t, get(t, bucket, "spec", "policy").(string), *m.Bucket.Policy)

	provider := asMap(t, objects[1])
	assert.Equal(t, `{"arn":"`+m.OIDCProvider.ARN+`"}`, get(t, provider, "metadata", "annotations", "services.k8s.aws/adoption-fields"),
		"a provider is adopted by ARN: without it, an existing one is a terminal EntityAlreadyExists")
	assert.Equal(t, []any{"openshift", "sts.amazonaws.com"}, get(t, provider, "spec", "clientIDs"), "always both audiences")

	role := asMap(t, objects[2])
	r := m.Roles[0]
	assert.Equal(t, `{"name":"`+r.Name+`"}`, get(t, role, "metadata", "annotations", "services.k8s.aws/adoption-fields"))
	assert.Equal(t, r.Name, get(t, role, "spec", "name"))
	assert.Equal(t, "arn:aws:iam::123456789012:policy/boundary", get(t, role, "spec", "permissionsBoundary"))
	inline := get(t, role, "spec", "inlinePolicies", r.InlinePolicyName).(string)
	samePolicy(t, inline, r.InlinePolicy)
	// ACK compares inline policies as strings: sorted keys, no spaces.
	assert.Equal(t, `{"Statement":[{"Action":["route53:ListHostedZones","elasticloadbalancing:DescribeLoadBalancers"],"Condition":{"NumericEquals":{"x":18446744073709551617}},"Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}`, inline)
	trust := get(t, role, "spec", "assumeRolePolicyDocument").(string)
	samePolicy(t, trust, r.TrustPolicy)
	assert.True(t, strings.HasPrefix(trust, `{"Statement":[{"Action":"sts:AssumeRoleWithWebIdentity","Condition":`), trust)
	assert.Equal(t, []any{map[string]any{"key": "Name", "value": "prod"}, map[string]any{"key": "openshift.io/cloud-credential-operator/prod", "value": "owned"}}, get(t, role, "spec", "tags"))

	objects, err = outputs.ACK(m, outputs.ACKOptions{Namespace: "ack-system", DeletionPolicy: "delete", AdoptionPolicy: "none"})
	require.NoError(t, err)
	ann := asMap(t, objects[2])["metadata"].(map[string]any)["annotations"].(map[string]any)
	assert.Equal(t, map[string]any{"services.k8s.aws/deletion-policy": "delete"}, ann)

	east := model(t, func(p *render.Params) { p.Region = "us-east-1" })
	objects, err = outputs.ACK(east, outputs.ACKOptions{Namespace: "ack-system"})
	require.NoError(t, err)
	assert.Nil(t, get(t, asMap(t, objects[0]), "spec", "createBucketConfiguration"), "us-east-1 takes no location constraint")
}

func TestACKRefusesPlusAndPercent(t *testing.T) {
	for _, resource := range []string{"arn:aws:s3:::a+b/*", "arn:aws:s3:::100%/*"} {
		req := render.CredentialsRequest{Source: render.Source{File: "apps.yaml", Index: 1, Item: -1}, Name: "team", Namespace: "apps",
			SecretRef: render.NamespacedName{Namespace: "apps", Name: "creds"}, ServiceAccountNames: []string{"sa"},
			StatementEntries: []render.StatementEntry{{Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: "*"}, {Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: resource}}}
		_, err := outputs.ACK(model(t, nil, req), outputs.ACKOptions{Namespace: "ack-system"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "apps.yaml: document 2 (CredentialsRequest apps/team): spec.providerSpec.statementEntries[1] contains")
		assert.Contains(t, err.Error(), "which ACK URL-decodes")
		_, err = outputs.Crossplane(model(t, nil, req), outputs.CrossplaneOptions{})
		assert.NoError(t, err, "Crossplane sends documents as they are")
	}
}

func TestHive(t *testing.T) {
	m := model(t, nil)
	_, err := outputs.Hive(m, outputs.HiveOptions{SecretName: "manifests"})
	assert.ErrorContains(t, err, "both are required")
	secret, err := outputs.Hive(m, outputs.HiveOptions{SecretName: "prod-manifests", Namespace: "clusters"})
	require.NoError(t, err)
	var keys []string
	for k := range secret.StringData {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, []string{"cluster-authentication-02-config.yaml", "openshift-ingress-operator-cloud-credentials-credentials.yaml"}, keys,
		"exactly ccoctl's file names: kube-apiserver reads the Authentication by that name")
	assert.Contains(t, secret.StringData["cluster-authentication-02-config.yaml"], "serviceAccountIssuer: https://prod-oidc.s3.us-east-2.amazonaws.com")
	assert.Equal(t, "Opaque", secret.Type)
	assert.Equal(t, outputs.Meta{Name: "prod-manifests", Namespace: "clusters"}, secret.Metadata)
}

// hcpModel is a ROSA HCP cluster whose operator role prefix holds
// characters IAM allows and Kubernetes names do not.
func hcpModel(t *testing.T) *render.Model {
	t.Helper()
	m, err := render.Render(render.Params{Name: "prod", AccountID: "123456789012", Region: "us-east-2",
		HostedControlPlane: &render.HostedControlPlane{OperatorRolePrefix: "Prod_A1", ManagedIssuerURL: render.ManagedOIDCIssuer("abc")}}, nil)
	require.NoError(t, err)
	return m
}

func TestCrossplaneAttachesManagedPolicies(t *testing.T) {
	objects, err := outputs.Crossplane(hcpModel(t), outputs.CrossplaneOptions{Namespaced: true, Namespace: "rosa"})
	require.NoError(t, err)
	assert.Empty(t, byKind(t, objects, "Bucket"), "a managed OIDC config has no bucket")
	roles := byKind(t, objects, "Role")
	require.Len(t, roles, 8)
	kcm := roles[3]
	assert.Equal(t, "prod-a1-kube-system-kube-controller-manager", get(t, kcm, "metadata", "name"), "a Kubernetes name")
	assert.Equal(t, "Prod_A1-kube-system-kube-controller-manager", get(t, kcm, "metadata", "annotations", "crossplane.io/external-name"), "the IAM name")
	assert.Nil(t, get(t, kcm, "spec", "forProvider", "inlinePolicy"), "no inlinePolicy: an empty one would remove inline policies added out of band")
	attachments := byKind(t, objects, "RolePolicyAttachment")
	require.Len(t, attachments, 8)
	a := attachments[3]
	assert.Equal(t, "iam.aws.m.upbound.io/v1beta1", get(t, a, "apiVersion"))
	assert.Equal(t, "rosa", get(t, a, "metadata", "namespace"))
	assert.Equal(t, "prod-a1-kube-system-kube-controller-manager-rosakubecontrollerpolicy", get(t, a, "metadata", "name"))
	assert.Equal(t, "arn:aws:iam::aws:policy/service-role/ROSAKubeControllerPolicy", get(t, a, "spec", "forProvider", "policyArn"))
	assert.Equal(t, "prod-a1-kube-system-kube-controller-manager", get(t, a, "spec", "forProvider", "roleRef", "name"))
}

func TestACKListsManagedPolicies(t *testing.T) {
	objects, err := outputs.ACK(hcpModel(t), outputs.ACKOptions{Namespace: "rosa"})
	require.NoError(t, err)
	assert.Empty(t, byKind(t, objects, "Bucket"))
	kcm := byKind(t, objects, "Role")[3]
	assert.Equal(t, "Prod_A1-kube-system-kube-controller-manager", get(t, kcm, "spec", "name"))
	assert.Equal(t, []any{"arn:aws:iam::aws:policy/service-role/ROSAKubeControllerPolicy"}, get(t, kcm, "spec", "policies"))
	assert.Nil(t, get(t, kcm, "spec", "inlinePolicies"))
}
