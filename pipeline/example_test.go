package pipeline_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/stsrender/stsrender/pipeline"
)

// Render the requests of a directory for a cluster, as `stsrender render`
// does before writing files.
func ExampleBuild() {
	config := []byte(`apiVersion: stsrender.dev/v1alpha1
kind: STSCredentials
metadata: {name: example}
spec:
  name: example
  aws: {accountID: "123456789012", region: us-gov-west-1}
  oidc: {publicKeyFile: shared/sa-signer.pub}
  release: {manifestsDir: shared/requests}
`)
	cfg, err := pipeline.ParseConfig("example.yaml", config, "testdata")
	if err != nil {
		fmt.Println(err)
		return
	}
	result, err := pipeline.Build(context.Background(), cfg, pipeline.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, role := range result.Model.Roles {
		fmt.Println(role.ARN)
	}
	for _, d := range result.Selection.Decisions {
		fmt.Println(filepath.Base(d.Source.File), d.Kept)
	}
	// Output:
	// arn:aws-us-gov:iam::123456789012:role/example-openshift-cluster-csi-drivers-ebs-cloud-credentials
	// arn:aws-us-gov:iam::123456789012:role/example-openshift-ingress-operator-cloud-credentials
	// 20-ingress.yaml true
	// 40-ebs-csi.yml true
	// 60-tombstone.yaml false
}

// A typo in the config is reported with its path.
func ExampleParseConfig_unknownField() {
	_, err := pipeline.ParseConfig("cluster.yaml", []byte("apiVersion: stsrender.dev/v1alpha1\nkind: STSCredentials\nspec:\n  aws:\n    acountID: x\n"), ".")
	fmt.Println(err)
	// Output:
	// cluster.yaml: spec.aws.acountID: unknown field (known fields: accountID, permissionsBoundaryARN, region, roleNaming, rolePath, tags)
}
