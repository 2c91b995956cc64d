package tests

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/internal/testsupport/testissuer"
	"sigs.k8s.io/yaml"
)

// clusterKey writes a signing key's public half as the cluster writes
// service-account.pub (cluster-kube-apiserver-operator's publicKeyToPem):
// PKIX bytes in a PEM block typed RSA PUBLIC KEY.
func clusterKey(t *testing.T, dir string) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "service-account.pub"), pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: der}), 0o644))
	return key
}

// apiserverToken signs claims as kube-apiserver signs a projected
// service-account token: RS256, kid = base64url(SHA-256(PKIX DER)).
func apiserverToken(t *testing.T, key *rsa.PrivateKey, issuer, sub, aud string) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	sum := sha256.Sum256(der)
	kid := base64.RawURLEncoding.EncodeToString(sum[:])
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	require.NoError(t, err)
	now := time.Now()
	payload, err := json.Marshal(map[string]any{"iss": issuer, "sub": sub, "aud": []string{aud}, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"kubernetes.io": map[string]any{"namespace": strings.Split(sub, ":")[2], "serviceaccount": map[string]any{"name": strings.Split(sub, ":")[3]}}})
	require.NoError(t, err)
	jws, err := signer.Sign(payload)
	require.NoError(t, err)
	token, err := jws.CompactSerialize()
	require.NoError(t, err)
	return token
}

// TestRealClientsReadTheRender: what stsrender renders is read by the
// clients that read it in a cluster. go-oidc discovers the issuer over
// HTTPS (a throwaway CA) from the rendered documents and verifies a token
// signed as kube-apiserver signs it, with the key as the cluster writes
// it; the AWS SDK's shared-config loader reads the rendered Secret into a
// web-identity profile and exchanges the token at STS (moto).
func TestRealClientsReadTheRender(t *testing.T) {
	awsEnv(t) // moto is the STS the token is exchanged at; skip without it
	dir := t.TempDir()
	key := clusterKey(t, dir)
	tokenFile := filepath.Join(dir, "token")
	requests := filepath.Join(dir, "requests")
	require.NoError(t, os.Mkdir(requests, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(requests, "loki.yaml"), []byte(`apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata:
  name: logging-loki-aws
  namespace: openshift-logging
spec:
  secretRef: {name: logging-loki-aws, namespace: openshift-logging}
  serviceAccountNames: [logging-loki]
  cloudTokenPath: `+tokenFile+`
  providerSpec:
    apiVersion: cloudcredential.openshift.io/v1
    kind: AWSProviderSpec
    statementEntries:
    - {effect: Allow, action: [s3:GetObject, s3:PutObject], resource: "arn:aws:s3:::loki/*"}
`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cluster.yaml"), []byte(`apiVersion: stsrender.dev/v1alpha1
kind: STSCredentials
metadata: {name: real}
spec:
  name: real
  aws: {accountID: "123456789012", region: us-east-1}
  oidc: {publicKeyFile: service-account.pub}
  release: {manifestsDir: requests}
`), 0o644))
	res := runIn(t, dir, nil, e2e.stsrender, "render", "-f", "cluster.yaml", "-o", "out")
	require.Equal(t, 0, res.code, res.stderr)

	const host = "real-oidc.s3.us-east-1.amazonaws.com"
	issuerURL := "https://" + host
	files := map[string][]byte{}
	for _, f := range []string{".well-known/openid-configuration", "keys.json"} {
		data, err := os.ReadFile(filepath.Join(dir, "out", "oidc", filepath.FromSlash(f)))
		require.NoError(t, err)
		files["/"+f] = data
	}
	iss := testissuer.Start(t, host, files, nil)

	ctx := oidc.ClientContext(context.Background(), iss.Client)
	provider, err := oidc.NewProvider(ctx, issuerURL)
	require.NoError(t, err, "go-oidc discovers the rendered issuer")
	sub := "system:serviceaccount:openshift-logging:logging-loki"
	token := apiserverToken(t, key, issuerURL, sub, "openshift")
	idToken, err := provider.Verifier(&oidc.Config{ClientID: "openshift"}).Verify(ctx, token)
	require.NoError(t, err, "the token verifies against the published keys.json")
	assert.Equal(t, sub, idToken.Subject)
	_, err = provider.Verifier(&oidc.Config{ClientID: "sts.amazonaws.com"}).Verify(ctx, apiserverToken(t, key, issuerURL, sub, "sts.amazonaws.com"))
	require.NoError(t, err, "the other client ID the provider trusts")
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	_, err = provider.Verifier(&oidc.Config{ClientID: "openshift"}).Verify(ctx, apiserverToken(t, other, issuerURL, sub, "openshift"))
	assert.Error(t, err, "a key that is not published does not verify")

	// The Secret, as the operator's pod mounts it.
	var secret struct {
		StringData struct {
			Credentials string `json:"credentials"`
		} `json:"stringData"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "out", "manifests", "openshift-logging-logging-loki-aws-credentials.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &secret))
	credentials := filepath.Join(dir, "credentials")
	require.NoError(t, os.WriteFile(credentials, []byte(secret.StringData.Credentials), 0o600))
	profile, err := config.LoadSharedConfigProfile(context.Background(), "default", func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = []string{credentials}, []string{}
	})
	require.NoError(t, err)
	roleARN := "arn:aws:iam::123456789012:role/real-openshift-logging-logging-loki-aws"
	assert.Equal(t, roleARN, profile.RoleARN)
	assert.Equal(t, tokenFile, profile.WebIdentityTokenFile, "spec.cloudTokenPath, where the operator mounts its token")
	// sts_regional_endpoints is for SDKs that default to the global
	// endpoint (Go v1, Python); v2 is regional always and does not read it.

	require.NoError(t, os.WriteFile(tokenFile, []byte(token), 0o600))
	// Only the Secret's profile: no keys or other profile of this machine.
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(k, "")
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"), config.WithBaseEndpoint(e2e.moto.Endpoint),
		config.WithSharedConfigFiles([]string{credentials}), config.WithSharedCredentialsFiles([]string{}), config.WithSharedConfigProfile("default"))
	require.NoError(t, err)
	creds, err := cfg.Credentials.Retrieve(context.Background())
	require.NoError(t, err, "the SDK's web-identity provider exchanges the token as a pod's SDK does")
	assert.NotEmpty(t, creds.AccessKeyID)
	assert.Equal(t, "WebIdentityCredentials", creds.Source)
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.Contains(t, aws.ToString(who.Arn), "assumed-role/real-openshift-logging-logging-loki-aws/")
}
