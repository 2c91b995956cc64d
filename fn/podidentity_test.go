package fn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/fn"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func appRequest(name, ns, secret, annotations string, sas ...string) *yaml.RNode {
	list := ""
	for _, sa := range sas {
		list += "  - " + sa + "\n"
	}
	n := yaml.MustParse("apiVersion: cloudcredential.openshift.io/v1\nkind: CredentialsRequest\nmetadata:\n  name: " + name + "\n  namespace: openshift-cloud-credential-operator\n" + annotations +
		"spec:\n  serviceAccountNames:\n" + list + "  secretRef: {namespace: " + ns + ", name: " + secret + "}\n  providerSpec:\n    kind: AWSProviderSpec\n    statementEntries:\n    - {effect: Allow, action: [s3:GetObject], resource: '*'}\n")
	return n
}

func TestPodIdentityBinding(t *testing.T) {
	dir, _ := kustomization(t)
	cfg := func(extra string) *yaml.RNode {
		return yaml.MustParse(config("  oidc:\n    publicKeyFile: sa-signer.pub\n  outputs:\n    authentication: false\n    serviceAccounts:\n      annotate: true\n" + extra))
	}
	run := func(c *yaml.RNode, items ...*yaml.RNode) (*framework.ResourceList, error) {
		rl := &framework.ResourceList{FunctionConfig: c, Items: items}
		return rl, (&fn.Processor{WorkDir: dir}).Process(rl)
	}
	rl, err := run(cfg(""), appRequest("a", "team", "a-creds", "", "sa1"))
	require.NoError(t, err)
	var kinds []string
	for _, n := range rl.Items {
		kinds = append(kinds, n.GetKind())
	}
	assert.ElementsMatch(t, []string{"CredentialsRequest", "Secret", "ServiceAccount"}, kinds, "secrets default to true")

	_, err = run(cfg(""), appRequest("a", "team", "a-creds", "", "shared"), appRequest("b", "team", "b-creds", "", "shared"))
	assert.ErrorContains(t, err, "service account team/shared is also in CredentialsRequest")

	_, err = run(cfg("      tokenExpiration: 60\n"), appRequest("a", "team", "a-creds", "", "sa1"))
	assert.ErrorContains(t, err, "tokenExpiration: 60 is under the pod identity webhook's minimum of 600 seconds")

	_, err = run(cfg(""), appRequest("a", "team", "a-creds", "  annotations: {stsrender.dev/secret: \"maybe\"}\n", "sa1"))
	assert.ErrorContains(t, err, `metadata.annotations[stsrender.dev/secret]: "maybe" is not "true" or "false"`)
}
