package tests

import (
	"encoding/base64"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestHiveExample builds examples/hive with the real kustomize: the
// manifests Secret has exactly ccoctl's file names as keys, and the
// ClusterDeployment's STS references name what the build emits (or, for
// the private key, what the README tells users to create).
func TestHiveExample(t *testing.T) {
	dir := filepath.Join(e2e.root, "examples", "hive")
	res := kustomizeBuild(t, dir)
	require.Equal(t, 0, res.code, res.stderr)
	golden(t, filepath.Join(e2e.root, "tests", "testdata", "outputs", "hive-example.yaml"), res.stdout)
	nodes := parseStream(t, res.stdout)
	require.Len(t, nodes, 3, "the install-config Secret, the manifests Secret, the ClusterDeployment")

	cd := find(nodes, "ClusterDeployment", "clusters", "demo")
	require.NotNil(t, cd)
	manifestsName := field(t, cd, "spec", "provisioning", "manifestsSecretRef", "name")
	manifests := find(nodes, "Secret", "clusters", manifestsName)
	require.NotNil(t, manifests, "the Secret the ClusterDeployment names is rendered")
	data, err := manifests.Pipe(yaml.Lookup("stringData"))
	require.NoError(t, err)
	keys, err := data.Fields()
	require.NoError(t, err)
	sort.Strings(keys)
	assert.Equal(t, []string{
		"cluster-authentication-02-config.yaml",
		"openshift-cloud-credential-operator-cloud-credential-operator-iam-ro-creds-credentials.yaml",
		"openshift-cloud-network-config-controller-cloud-credentials-credentials.yaml",
		"openshift-cluster-csi-drivers-ebs-cloud-credentials-credentials.yaml",
		"openshift-ingress-operator-cloud-credentials-credentials.yaml",
		"openshift-machine-api-aws-cloud-credentials-credentials.yaml",
	}, keys, "exactly ccoctl's file names")
	assert.Nil(t, find(nodes, "Authentication", "", "cluster"), "not emitted separately")

	ic := find(nodes, "Secret", "clusters", field(t, cd, "spec", "provisioning", "installConfigSecretRef", "name"))
	require.NotNil(t, ic)
	value, err := ic.Pipe(yaml.Lookup("data", "install-config.yaml"))
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(value.YNode().Value), ""))
	require.NoError(t, err)
	assert.Contains(t, string(raw), "credentialsMode: Manual")

	assert.Equal(t, "bound-service-account-signing-key", field(t, cd, "spec", "boundServiceAccountSigningKeySecretRef", "name"))
	readme := readFile(t, "examples/hive/README.md")
	assert.Contains(t, readme, "create secret generic bound-service-account-signing-key")
	assert.Contains(t, readme, "--from-file=bound-service-account-signing-key.key=")
}
