package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
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
func writeConfig(t testing.TB, content string) string {
	t.Helper()
	testdata, err := filepath.Abs(filepath.Join("..", "..", "render", "testdata"))
	require.NoError(t, err)
	return writeConfigWith(t, content, filepath.Join(testdata, "requests"))
}

// writeConfigWith is writeConfig with another requests directory.
func writeConfigWith(t testing.TB, content, requests string) string {
	t.Helper()
	testdata, err := filepath.Abs(filepath.Join("..", "..", "render", "testdata"))
	require.NoError(t, err)
	content = strings.ReplaceAll(content, "@KEYS@", filepath.Join(testdata, "keys"))
	content = strings.ReplaceAll(content, "@REQUESTS@", requests)
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
  labels:
    cloudcredential.openshift.io/credentials-request: "true"
  annotations:
    cloudcredential.openshift.io/credentials-request: openshift-cloud-credential-operator/ingress-aws
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
	assert.Contains(t, stderr, "is not empty and holds no previous stsrender output")
	assert.FileExists(t, filepath.Join(out, "main.go"))

	// Inside a previous render, a user's file anywhere in the tree is kept:
	// the tree is not replaced.
	out = filepath.Join(t.TempDir(), "out")
	code, _, stderr = run(t, "render", "-f", cfg, "-o", out)
	require.Equal(t, 0, code, stderr)
	for _, mine := range []string{"manifests/deployment.yaml", "iam/notes.txt", "iam/roles/extra/x.json"} {
		p := filepath.Join(out, filepath.FromSlash(mine))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("mine"), 0o644))
		code, _, stderr = run(t, "render", "-f", cfg, "-o", out)
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, `holds "`+mine+`", which the previous stsrender run did not write`)
		assert.FileExists(t, p)
		require.NoError(t, os.Remove(p))
	}
	code, _, stderr = run(t, "render", "-f", cfg, "-o", out)
	require.Equal(t, 0, code, "only its own files: replaced: %s", stderr)
}

func TestRenderReadsOnlyRegularFiles(t *testing.T) {
	for _, cfg := range []string{
		strings.Replace(baseConfig, "@KEYS@/primary.pub", "/dev/zero", 1),
		baseConfig + "    installConfig: /dev/zero\n",
	} {
		code, _, stderr := run(t, "render", "-f", writeConfig(t, cfg), "-o", filepath.Join(t.TempDir(), "out"))
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "/dev/zero is not a regular file (a device)")
	}
	code, _, stderr := run(t, "render", "-f", "/dev/zero", "-o", filepath.Join(t.TempDir(), "out"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "read config: /dev/zero is not a regular file (a device)")
}

func TestExplainEscapesControlCharacters(t *testing.T) {
	dir := t.TempDir()
	evil := "0000_50_evil\x1b]0;owned\x07.yaml"
	req := strings.Replace(request(`"x\e[2Jname"`, "ns", "s", "[sa]"), "metadata: {", "metadata: {annotations: {release.openshift.io/feature-set: TechPreviewNoUpgrade}, ", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, evil), []byte(req), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "0000_50_ok.yaml"), []byte(request("ok", "ns", "ok", "[sa]")), 0o644))
	cfg := writeConfigWith(t, baseConfig, dir)
	code, _, stderr := run(t, "render", "-f", cfg, "-o", filepath.Join(t.TempDir(), "out"), "--explain")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, `0000_50_evil\x1b]0;owned\x07.yaml`)
	assert.Contains(t, stderr, `x\x1b[2Jname`)
	assert.NotContains(t, stderr, "\x1b", "no raw escape reaches the terminal")

	bad := strings.Replace(request(`"x\e[2Jname"`, "ns", "s", "[sa]"), "effect: Allow", "effect: Maybe", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, evil), []byte(bad), 0o644))
	code, _, stderr = run(t, "render", "-f", cfg, "-o", filepath.Join(t.TempDir(), "out"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `x\x1b[2Jname`)
	assert.NotContains(t, stderr, "\x1b")
}

// TestRenderErrors checks each input error: a clear message on stderr, exit
// code 1, and no output directory.
func TestRenderErrors(t *testing.T) {
	cases := map[string]struct {
		reason   string
		edit     func(string) string
		requests []string // replace the requests directory with these files
		wantErr  string
	}{
		"account": {"ARNs need the account",
			func(c string) string { return strings.Replace(c, `"123456789012"`, `"1234"`, 1) }, nil,
			`spec.aws.accountID: "1234" is not a 12-digit AWS account ID`},
		"region": {"the region must be real-shaped",
			func(c string) string { return strings.Replace(c, "us-east-2", "east", 1) }, nil,
			`spec.aws.region: "east" is not an AWS region name`},
		"issuer": {"issuers are https",
			func(c string) string {
				return strings.Replace(c, "  oidc:\n", "  oidc:\n    issuerURL: http://example.com\n", 1)
			}, nil,
			"spec.oidc.issuerURL: \"http://example.com\" must start with https://"},
		"unknown field": {"typos must not be ignored",
			func(c string) string { return strings.Replace(c, "    region:", "    regoin: x\n    region:", 1) }, nil,
			"spec.aws.regoin: unknown field"},
		"bucket": {"bucket names follow S3 rules",
			func(c string) string { return strings.Replace(c, "name: prod-east", "name: Prod", 1) }, nil,
			`spec.name: bucket name "Prod-oidc"`},
		"missing key file": {"the key file must exist",
			func(c string) string { return strings.Replace(c, "primary.pub", "nope.pub", 1) }, nil,
			"nope.pub: no such file or directory"},
		"private key": {"never publish the private key",
			func(c string) string { return strings.Replace(c, "primary.pub", "primary.key", 1) }, nil,
			`PEM block 1 ("RSA PRIVATE KEY"): this is a private key`},
		"no source": {"requests must come from somewhere",
			func(c string) string { return strings.Replace(c, "    manifestsDir: @REQUESTS@\n", "", 1) }, nil,
			"spec.release: set image"},
		"feature set": {"unknown feature sets are refused before any work",
			func(c string) string { return c + "    featureSet: TechPreview\n" }, nil,
			`spec.release.featureSet: "TechPreview" is not one of`},
		"baseline": {"unknown baselines are refused",
			func(c string) string { return c + "    capabilities: {baselineCapabilitySet: v4.99}\n" }, nil,
			`capabilities.baselineCapabilitySet: "v4.99" is not one of`},
		"tags": {"tag limits are AWS's",
			func(c string) string {
				return strings.Replace(c, "    region: us-east-2\n", "    region: us-east-2\n    tags: {aws:thing: x}\n", 1)
			}, nil,
			`tag key "aws:thing" uses the reserved aws: prefix`},
		"kind": {"the config must be ours",
			func(c string) string { return strings.Replace(c, "kind: STSCredentials", "kind: Other", 1) }, nil,
			"apiVersion/kind: expected stsrender.dev/v1alpha1 STSCredentials"},
		"issuer query": {"no query in issuers",
			func(c string) string {
				return strings.Replace(c, "  oidc:\n", "  oidc:\n    issuerURL: https://example.com/x?y=z\n", 1)
			}, nil, "must not have a query or fragment"},
		"issuer slash": {"iss must match byte for byte",
			func(c string) string {
				return strings.Replace(c, "  oidc:\n", "  oidc:\n    issuerURL: https://example.com/\n", 1)
			}, nil, "must not end with a slash"},
		"too many tags": {"50 tags per resource",
			func(c string) string {
				return strings.Replace(c, "    region: us-east-2\n", "    region: us-east-2\n    tags: {"+manyTags(49)+"}\n", 1)
			}, nil,
			"spec.aws.tags: 51 tags; AWS allows at most 50"},
		"tag key": {"tag keys up to 128",
			func(c string) string {
				return strings.Replace(c, "    region: us-east-2\n", "    region: us-east-2\n    tags: {"+strings.Repeat("k", 129)+": v}\n", 1)
			}, nil,
			"is longer than 128 characters"},
		"tag value": {"tag values up to 256",
			func(c string) string {
				return strings.Replace(c, "    region: us-east-2\n", "    region: us-east-2\n    tags: {k: "+strings.Repeat("v", 257)+"}\n", 1)
			}, nil,
			`value of tag "k" is longer than 256 characters`},
		"platform": {"platforms are os/arch",
			func(c string) string { return c + "    platform: arm64\n" }, nil, `spec.release.platform: "arm64" is not os/arch`},
		"no service accounts": {"a role must be bound to service accounts", nil,
			[]string{request("a", "ns", "s", "[]")}, "a.yaml: document 1 (CredentialsRequest openshift-cloud-credential-operator/a): spec.serviceAccountNames: is empty, and the role's trust policy admits only the service accounts listed"},
		"duplicate secret": {"one role per Secret", nil,
			[]string{request("a", "ns", "s", "[sa]"), request("b", "ns", "s", "[sa]")}, "b.yaml: document 1 (CredentialsRequest openshift-cloud-credential-operator/b): spec.secretRef: ns/s is also requested by"},
		"role name collision": {"64-character cuts must not collide", nil,
			[]string{request("a", "openshift-cloud-network-config-controller", "cloud-credentials-one", "[sa]"), request("b", "openshift-cloud-network-config-controller", "cloud-credentials-two", "[sa]")},
			"/a.yaml: document 1 (IAM names are cut to 64 characters and compared case-insensitively); set spec.aws.roleNaming: hashed"},
		"trust policy size": {"4096 characters of trust policy, the most a quota allows", nil,
			[]string{request("a", "ns", "s", "["+manyAccounts(100)+"]")}, "spec.serviceAccountNames: trust policy is"},
		"inline policy size": {"10240 characters of inline policy", nil,
			[]string{strings.Replace(request("a", "ns", "s", "[sa]"), "[s3:GetObject]", "["+manyActions(500)+"]", 1)}, "spec.providerSpec.statementEntries: inline permission policy is"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			content := baseConfig
			if tc.edit != nil {
				content = tc.edit(content)
			}
			cfg := writeConfig(t, content)
			if tc.requests != nil {
				dir := t.TempDir()
				for i, r := range tc.requests {
					require.NoError(t, os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".yaml"), []byte(r), 0o644))
				}
				cfg = writeConfigWith(t, content, dir)
			}
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
	for _, sub := range []string{"render", "create-key-pair", "version", "extract", "release", "plan", "apply", "delete", "permissions"} {
		assert.Contains(t, stdout, sub)
	}
	assert.Contains(t, stdout, "KRM function")

	code, stdout, _ = run(t, "permissions")
	require.Equal(t, 0, code)
	var policy struct{ Statement []struct{ Action []string } }
	require.NoError(t, json.Unmarshal([]byte(stdout), &policy), "the policy is valid JSON")
	assert.Contains(t, stdout, `"iam:CreateOpenIDConnectProvider"`)
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

func request(name, namespace, secret, serviceAccounts string) string {
	return fmt.Sprintf(`apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata: {name: %s, namespace: openshift-cloud-credential-operator}
spec:
  serviceAccountNames: %s
  secretRef: {namespace: %s, name: %s}
  providerSpec:
    kind: AWSProviderSpec
    statementEntries:
    - {effect: Allow, action: [s3:GetObject], resource: "*"}
`, name, serviceAccounts, namespace, secret)
}

func manyTags(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf("k%d: v", i))
	}
	return strings.Join(parts, ", ")
}

func manyAccounts(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf("service-account-number-%02d", i))
	}
	return strings.Join(parts, ", ")
}

func manyActions(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf("ec2:DescribeSomething%04d", i))
	}
	return strings.Join(parts, ", ")
}
