package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run executes stsrender in-process and returns exit code, stdout, stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

const baseConfig = `apiVersion: stsrender.dev/v1alpha1
kind: STSCredentials
metadata:
  name: test
spec:
  name: prod-east
  aws:
    accountID: "123456789012"
    region: us-east-2
  oidc:
    publicKeyFile: @KEYS@/primary.pub
  release:
    manifestsDir: @REQUESTS@
`

// writeConfig writes a config into a temporary directory, pointing it at
// the render package's test keys and requests.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	testdata, err := filepath.Abs(filepath.Join("..", "..", "render", "testdata"))
	require.NoError(t, err)
	content = strings.ReplaceAll(content, "@KEYS@", filepath.Join(testdata, "keys"))
	content = strings.ReplaceAll(content, "@REQUESTS@", filepath.Join(testdata, "requests"))
	p := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func TestRenderWritesTree(t *testing.T) {
	cfg := writeConfig(t, baseConfig)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := run(t, "render", "-f", cfg, "-o", out)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout, "render writes files, not stdout")
	assert.Contains(t, stderr, "wrote 15 files for 5 CredentialsRequests")

	secret := filepath.Join(out, "manifests", "openshift-ingress-operator-cloud-credentials-credentials.yaml")
	info, err := os.Stat(secret)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "secret manifests are 0600")
	data, err := os.ReadFile(secret)
	require.NoError(t, err)
	assert.Equal(t, `apiVersion: v1
kind: Secret
metadata:
  name: cloud-credentials
  namespace: openshift-ingress-operator
stringData:
  credentials: |-
    [default]
    sts_regional_endpoints = regional
    role_arn = arn:aws:iam::123456789012:role/prod-east-openshift-ingress-operator-cloud-credentials
    web_identity_token_file = /var/run/secrets/openshift/serviceaccount/token
type: Opaque
`, string(data))
	for _, f := range []string{"oidc/keys.json", "oidc/.well-known/openid-configuration", "iam/oidc-provider.json", "s3/bucket.json",
		"manifests/cluster-authentication-02-config.yaml",
		"iam/roles/prod-east-openshift-cloud-network-config-controller-cloud-creden.json"} {
		assert.FileExists(t, filepath.Join(out, f))
	}

	// A second render replaces the tree with byte-identical content.
	first := snapshot(t, out)
	code, _, stderr = run(t, "render", "-f", cfg, "-o", out)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, first, snapshot(t, out))
}

func TestRenderRefusesForeignOutputDir(t *testing.T) {
	cfg := writeConfig(t, baseConfig)
	out := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(out, "main.go"), []byte("package main"), 0o644))
	code, _, stderr := run(t, "render", "-f", cfg, "-o", out)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `already holds "main.go", which stsrender does not write`)
	assert.FileExists(t, filepath.Join(out, "main.go"))
}

// TestRenderErrors checks each input error: a clear message on stderr, exit
// code 1, and no output directory.
func TestRenderErrors(t *testing.T) {
	cases := map[string]struct {
		reason  string
		edit    func(string) string
		wantErr string
	}{
		"account": {"ARNs need the account",
			func(c string) string { return strings.Replace(c, `"123456789012"`, `"1234"`, 1) },
			`spec.aws.accountID: "1234" is not a 12-digit AWS account ID`},
		"region": {"the region must be real-shaped",
			func(c string) string { return strings.Replace(c, "us-east-2", "east", 1) },
			`spec.aws.region: "east" is not an AWS region name`},
		"issuer": {"issuers are https",
			func(c string) string {
				return strings.Replace(c, "  oidc:\n", "  oidc:\n    issuerURL: http://example.com\n", 1)
			},
			"spec.oidc.issuerURL: \"http://example.com\" must start with https://"},
		"unknown field": {"typos must not be ignored",
			func(c string) string { return strings.Replace(c, "    region:", "    regoin: x\n    region:", 1) },
			"spec.aws.regoin: unknown field"},
		"bucket": {"bucket names follow S3 rules",
			func(c string) string { return strings.Replace(c, "name: prod-east", "name: Prod", 1) },
			`spec.name: bucket name "Prod-oidc"`},
		"missing key file": {"the key file must exist",
			func(c string) string { return strings.Replace(c, "primary.pub", "nope.pub", 1) },
			"spec.oidc: read public key"},
		"private key": {"never publish the private key",
			func(c string) string { return strings.Replace(c, "primary.pub", "primary.key", 1) },
			`PEM block is "RSA PRIVATE KEY"; expected "PUBLIC KEY"`},
		"no source": {"requests must come from somewhere",
			func(c string) string { return strings.Replace(c, "    manifestsDir: @REQUESTS@\n", "", 1) },
			"spec.release: set image"},
		"feature set": {"unknown feature sets are refused before any work",
			func(c string) string { return c + "    featureSet: TechPreview\n" },
			`spec.release.featureSet: "TechPreview" is not one of`},
		"baseline": {"unknown baselines are refused",
			func(c string) string { return c + "    capabilities: {baselineCapabilitySet: v4.99}\n" },
			`capabilities.baselineCapabilitySet: "v4.99" is not one of`},
		"tags": {"tag limits are AWS's",
			func(c string) string {
				return strings.Replace(c, "    region: us-east-2\n", "    region: us-east-2\n    tags: {aws:thing: x}\n", 1)
			},
			`tag key "aws:thing" uses the reserved aws: prefix`},
		"kind": {"the config must be ours",
			func(c string) string { return strings.Replace(c, "kind: STSCredentials", "kind: Other", 1) },
			"apiVersion/kind: expected stsrender.dev/v1alpha1 STSCredentials"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := writeConfig(t, tc.edit(baseConfig))
			out := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := run(t, "render", "-f", cfg, "-o", out)
			assert.Equal(t, 1, code, tc.reason)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.wantErr, tc.reason)
			assert.True(t, strings.HasSuffix(stderr, "\n"), "errors end with a newline")
			assert.NoDirExists(t, out, "no partial output")
			entries, _ := os.ReadDir(filepath.Dir(out))
			assert.Empty(t, entries, "no temporary directory left behind")
		})
	}
}

func TestRenderKeepsOldTreeOnError(t *testing.T) {
	cfg := writeConfig(t, baseConfig)
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := run(t, "render", "-f", cfg, "-o", out)
	require.Equal(t, 0, code, stderr)
	before := snapshot(t, out)
	broken, err := os.ReadFile(cfg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(broken), "us-east-2", "nowhere", 1)), 0o644))
	code, _, _ = run(t, "render", "-f", cfg, "-o", out)
	require.Equal(t, 1, code)
	assert.Equal(t, before, snapshot(t, out), "a failed render leaves the previous output untouched")
}

func TestCreateKeyPair(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := run(t, "create-key-pair", "-o", dir)
	require.Equal(t, 0, code, stderr)

	priv := readPEM(t, filepath.Join(dir, "serviceaccount-signer.private"), "RSA PRIVATE KEY", 0o600)
	key, err := x509.ParsePKCS1PrivateKey(priv)
	require.NoError(t, err)
	assert.Equal(t, 4096, key.N.BitLen())
	pub := readPEM(t, filepath.Join(dir, "serviceaccount-signer.public"), "PUBLIC KEY", 0o644)
	parsed, err := x509.ParsePKIXPublicKey(pub)
	require.NoError(t, err)
	assert.True(t, key.PublicKey.Equal(parsed), "the public file holds the private key's public half")
	tlsCopy := readPEM(t, filepath.Join(dir, "tls", "bound-service-account-signing-key.key"), "RSA PRIVATE KEY", 0o600)
	assert.Equal(t, priv, tlsCopy)

	code, _, stderr = run(t, "create-key-pair", "-o", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "already exists; pass --force")
	after := readPEM(t, filepath.Join(dir, "serviceaccount-signer.private"), "RSA PRIVATE KEY", 0o600)
	assert.Equal(t, priv, after, "an existing key is never overwritten without --force")

	code, _, stderr = run(t, "create-key-pair", "-o", dir, "--force")
	require.Equal(t, 0, code, stderr)
	replaced := readPEM(t, filepath.Join(dir, "serviceaccount-signer.private"), "RSA PRIVATE KEY", 0o600)
	assert.NotEqual(t, priv, replaced)
}

func TestVersionAndHelp(t *testing.T) {
	code, stdout, _ := run(t, "version")
	require.Equal(t, 0, code)
	assert.Regexp(t, `^stsrender \S+\ncommit: \S+.*\ngo: go1\.`, stdout)
	code, stdout, _ = run(t, "--help")
	require.Equal(t, 0, code)
	for _, sub := range []string{"render", "create-key-pair", "version"} {
		assert.Contains(t, stdout, sub)
	}
	assert.Contains(t, stdout, "KRM function")
}

func readPEM(t *testing.T, path, blockType string, mode os.FileMode) []byte {
	t.Helper()
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, mode, info.Mode().Perm(), path)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	block, _ := pem.Decode(data)
	require.NotNil(t, block, path)
	assert.Equal(t, blockType, block.Type)
	return block.Bytes
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	require.NoError(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = info.Mode().Perm().String() + "\n" + string(data)
		return err
	}))
	return files
}
