package render_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

// TestKeyIDMatchesKubeAPIServer signs a service-account token the way
// kube-apiserver does (header kid derived from the signing key, computed here
// independently of render.KeyID) and verifies it against the rendered
// keys.json. A kid mismatch is what STS reports as "Couldn't retrieve
// verification key from your identity provider".
func TestKeyIDMatchesKubeAPIServer(t *testing.T) {
	p := defaultParams(t)
	p.PublicKeys = append(p.PublicKeys, render.PublicKey{Source: "previous.pub", PEM: readKey(t, "previous.pub")})
	model, err := render.Render(p, nil)
	require.NoError(t, err)

	var published jose.JSONWebKeySet
	require.NoError(t, json.Unmarshal(objectBody(t, model, render.JWKSKey), &published))
	require.Len(t, published.Keys, 2, "both the current and the previous key are published during a rotation")

	for _, keyFile := range []string{"primary.key", "previous.key"} {
		t.Run(keyFile, func(t *testing.T) {
			block, _ := pem.Decode(readKey(t, keyFile))
			priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			require.NoError(t, err)
			der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
			require.NoError(t, err)
			sum := sha256.Sum256(der)
			kid := base64.RawURLEncoding.EncodeToString(sum[:])

			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: priv},
				(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
			require.NoError(t, err)
			claims, _ := json.Marshal(map[string]any{
				"iss": model.Issuer.URL,
				"sub": "system:serviceaccount:openshift-ingress-operator:ingress-operator",
				"aud": []string{"openshift"},
				"exp": time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Unix(),
			})
			jws, err := signer.Sign(claims)
			require.NoError(t, err)
			token, err := jws.CompactSerialize()
			require.NoError(t, err)

			parsed, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
			require.NoError(t, err)
			keys := published.Key(parsed.Signatures[0].Header.KeyID)
			require.Len(t, keys, 1, "keys.json must hold the token's kid")
			assert.Equal(t, "RS256", keys[0].Algorithm)
			assert.Equal(t, "sig", keys[0].Use)
			payload, err := parsed.Verify(keys[0].Key)
			require.NoError(t, err)
			assert.JSONEq(t, string(claims), string(payload))
		})
	}
}

func TestDiscoveryDocument(t *testing.T) {
	model, err := render.Render(defaultParams(t), nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"issuer": "https://prod-east-oidc.s3.us-east-2.amazonaws.com",
		"jwks_uri": "https://prod-east-oidc.s3.us-east-2.amazonaws.com/keys.json",
		"response_types_supported": ["id_token"],
		"subject_types_supported": ["public"],
		"id_token_signing_alg_values_supported": ["RS256"],
		"claims_supported": ["aud", "exp", "sub", "iat", "iss"]
	}`, string(objectBody(t, model, render.DiscoveryKey)))
	assert.Equal(t, "arn:aws:iam::123456789012:oidc-provider/prod-east-oidc.s3.us-east-2.amazonaws.com", model.OIDCProvider.ARN)
	assert.Equal(t, []string{"openshift", "sts.amazonaws.com"}, model.OIDCProvider.ClientIDs)
}

func objectBody(t *testing.T, m *render.Model, key string) []byte {
	t.Helper()
	for _, o := range m.Bucket.Objects {
		if o.Key == key {
			return o.Body
		}
	}
	t.Fatalf("no object %s", key)
	return nil
}
