package render_test

import (
	"fmt"
	"os"

	"github.com/stsrender/stsrender/render"
)

// Render one request and print where its files go.
func ExampleRender() {
	pub, _ := os.ReadFile("testdata/keys/primary.pub")
	parsed, err := render.ParseCredentialsRequests("ingress.yaml", []byte(`
apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata: {name: ingress, namespace: openshift-cloud-credential-operator}
spec:
  serviceAccountNames: [ingress-operator]
  secretRef: {namespace: openshift-ingress-operator, name: cloud-credentials}
  providerSpec:
    kind: AWSProviderSpec
    statementEntries:
    - {effect: Allow, action: ["route53:ListHostedZones"], resource: "*"}
`))
	if err != nil {
		panic(err)
	}
	model, err := render.Render(render.Params{
		Name:       "demo",
		AccountID:  "123456789012",
		Region:     "us-east-1",
		PublicKeys: []render.PublicKey{{Source: "primary.pub", PEM: pub}},
	}, parsed.Requests)
	if err != nil {
		panic(err)
	}
	fmt.Println(model.Issuer.URL)
	fmt.Println(model.Roles[0].ARN)
	files, _ := model.Files()
	for _, f := range files {
		fmt.Printf("%s %o\n", f.Path, f.Mode)
	}
	// Output:
	// https://demo-oidc.s3.us-east-1.amazonaws.com
	// arn:aws:iam::123456789012:role/demo-openshift-ingress-operator-cloud-credentials
	// manifests/cluster-authentication-02-config.yaml 600
	// manifests/openshift-ingress-operator-cloud-credentials-credentials.yaml 600
	// oidc/.well-known/openid-configuration 644
	// oidc/keys.json 644
	// iam/oidc-provider.json 644
	// iam/roles/demo-openshift-ingress-operator-cloud-credentials.json 644
	// s3/bucket.json 644
}

// The operator roles of ROSA with hosted control planes are a table in the
// code, with the AWS-managed policy ARNs of the partition.
func ExampleHostedControlPlaneRoles() {
	for _, r := range render.HostedControlPlaneRoles("aws")[:2] {
		fmt.Println(r.Secret, r.ServiceAccounts, r.PolicyARNs)
	}
	// Output:
	// kube-system/capa-controller-manager [capa-controller-manager] [arn:aws:iam::aws:policy/service-role/ROSANodePoolManagementPolicy]
	// kube-system/control-plane-operator [control-plane-operator] [arn:aws:iam::aws:policy/service-role/ROSAControlPlaneOperatorPolicy]
}
