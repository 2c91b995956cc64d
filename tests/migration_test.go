package tests

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mintUser creates an IAM user as CCO's mint mode does: tagged for its
// cluster, with an access key, an inline policy and an attached policy.
func mintUser(t *testing.T, client *iam.Client, name, infraID string) {
	t.Helper()
	ctx := context.Background()
	in := &iam.CreateUserInput{UserName: aws.String(name)}
	if infraID != "" {
		in.Tags = []iamtypes.Tag{{Key: aws.String("kubernetes.io/cluster/" + infraID), Value: aws.String("owned")}}
	}
	_, err := client.CreateUser(ctx, in)
	require.NoError(t, err)
	_, err = client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	require.NoError(t, err)
	_, err = client.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String(name + "-policy"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	require.NoError(t, err)
}

// TestMigrationFromMint: STS enablement of a mint-mode cluster. The render
// replaces (not merges) the Secrets and switches CloudCredential to
// Manual; plan lists exactly the users CCO minted for this cluster, and
// apply --prune-minted-users deletes them and nothing else: not another
// cluster's, not an untagged user with the same prefix.
func TestMigrationFromMint(t *testing.T) {
	env := awsEnv(t)
	cfg, err := loadAWSConfig(env)
	require.NoError(t, err)
	client := iam.NewFromConfig(cfg)
	mintUser(t, client, "infra-a-openshift-ingress-7xq2p", "infra-a")
	mintUser(t, client, "infra-a-openshift-image-registry-k2l9d", "infra-a")
	mintUser(t, client, "infra-a-someone-elses", "")
	mintUser(t, client, "infra-b-openshift-ingress-p0o9i", "infra-b")
	mintUser(t, client, "infra-a-b-openshift-ingress-m3n4b", "infra-a-b")
	policy, err := client.CreatePolicy(context.Background(), &iam.CreatePolicyInput{PolicyName: aws.String("minted-extra"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeRegions","Resource":"*"}]}`)})
	require.NoError(t, err)
	_, err = client.AttachUserPolicy(context.Background(), &iam.AttachUserPolicyInput{UserName: aws.String("infra-a-openshift-ingress-7xq2p"), PolicyArn: policy.Policy.Arn})
	require.NoError(t, err)

	dir := installerExample(t)
	config := filepath.Join(dir, "cluster.yaml")
	data, err := os.ReadFile(config)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(config, []byte(strings.Replace(string(data), "  release:\n", "  migration: {from: Mint, infraID: infra-a}\n  release:\n", 1)), 0o644))
	run := func(args ...string) result { return runIn(t, dir, env, e2e.stsrender, args...) }

	res := run("render", "-f", "cluster.yaml", "-o", "out")
	require.Equal(t, 0, res.code, res.stderr)
	secret, err := os.ReadFile(filepath.Join(dir, "out", "manifests", "openshift-ingress-operator-cloud-credentials-credentials.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(secret), "argocd.argoproj.io/sync-options: Replace=true", "a merge would keep the minted keys beside the new credentials")
	assert.Contains(t, string(secret), "kustomize.toolkit.fluxcd.io/force: enabled")
	cc, err := os.ReadFile(filepath.Join(dir, "out", "manifests", "cloudcredential-manual.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(cc), "kind: CloudCredential")
	assert.Contains(t, string(cc), "credentialsMode: Manual")

	res = run("plan", "-f", "cluster.yaml")
	assert.Equal(t, 2, res.code)
	assert.Contains(t, res.stdout, "- iam-user                 infra-a-openshift-ingress-7xq2p: delete (minted by CCO for infra-a; to delete after the migration (apply --prune-minted-users): 1 access key(s) [")
	assert.Contains(t, res.stdout, "inline policies [infra-a-openshift-ingress-7xq2p-policy], attached policies [arn:aws:iam::123456789012:policy/minted-extra]")
	assert.Contains(t, res.stdout, "- iam-user                 infra-a-openshift-image-registry-k2l9d: delete")
	for _, kept := range []string{"infra-a-someone-elses", "infra-b-openshift-ingress-p0o9i", "infra-a-b-openshift-ingress-m3n4b"} {
		assert.NotContains(t, res.stdout, kept)
	}

	res = run("apply", "-f", "cluster.yaml", "--yes")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "left minted user infra-a-openshift-ingress-7xq2p; apply --prune-minted-users deletes it")
	res = run("apply", "-f", "cluster.yaml", "--yes", "--prune-minted-users")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "deleting iam-user infra-a-openshift-ingress-7xq2p")
	for name, exists := range map[string]bool{
		"infra-a-openshift-ingress-7xq2p": false, "infra-a-openshift-image-registry-k2l9d": false,
		"infra-a-someone-elses": true, "infra-b-openshift-ingress-p0o9i": true, "infra-a-b-openshift-ingress-m3n4b": true,
	} {
		_, err := client.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String(name)})
		assert.Equal(t, exists, err == nil, "%s exists: %v", name, err)
	}
	res = run("plan", "-f", "cluster.yaml")
	assert.Equal(t, 0, res.code, res.stdout)

	res = run("permissions", "-f", "cluster.yaml")
	require.Equal(t, 0, res.code)
	assert.Contains(t, res.stdout, `"arn:aws:iam::123456789012:user/infra-a-*"`)
	assert.Contains(t, res.stdout, "iam:DeleteAccessKey")
}

// loadAWSConfig is the SDK configuration of env (the moto endpoint and
// its test keys), for setting up what another tool would have created.
func loadAWSConfig(env []string) (aws.Config, error) {
	values := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		values[k] = v
	}
	return config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-2"), config.WithBaseEndpoint(values["AWS_ENDPOINT_URL"]),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"], "")),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
}
