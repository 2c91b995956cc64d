package render_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return key
}

// clusterWrittenPEM is service-account.pub as cluster-kube-apiserver-operator
// writes it (publicKeyToPem): PKIX bytes in a block typed RSA PUBLIC KEY.
func clusterWrittenPEM(t *testing.T, pub *rsa.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: der})
}

// apiserverKid is the kid kube-apiserver puts in token headers
// (keyIDFromPublicKey): unpadded base64url of SHA-256 over the PKIX DER.
func apiserverKid(t *testing.T, pub *rsa.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestParsePublicKeysAsKubeAPIServerReadsThem(t *testing.T) {
	current, next := rsaKey(t), rsaKey(t)
	pkixPEM := func(pub any) []byte {
		der, err := x509.MarshalPKIXPublicKey(pub)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	template := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "signer"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	certDER, err := x509.CreateCertificate(rand.Reader, template, template, &current.PublicKey, current)
	require.NoError(t, err)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)

	for _, c := range []struct {
		reason  string
		data    []byte
		want    []*rsa.PublicKey
		wantErr string
	}{
		{"PKIX in PUBLIC KEY (create-key-pair, ccoctl)", pkixPEM(&current.PublicKey), []*rsa.PublicKey{&current.PublicKey}, ""},
		{"PKIX in RSA PUBLIC KEY, as the cluster writes service-account.pub", clusterWrittenPEM(t, &current.PublicKey), []*rsa.PublicKey{&current.PublicKey}, ""},
		{"a rotation bundle: every key, in order", append(clusterWrittenPEM(t, &current.PublicKey), pkixPEM(&next.PublicKey)...), []*rsa.PublicKey{&current.PublicKey, &next.PublicKey}, ""},
		{"a certificate, whose key kube-apiserver reads", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}), []*rsa.PublicKey{&current.PublicKey}, ""},
		{"a block without a key is passed over", append(pem.EncodeToMemory(&pem.Block{Type: "COMMENT", Bytes: []byte("x")}), pkixPEM(&next.PublicKey)...), []*rsa.PublicKey{&next.PublicKey}, ""},
		{"PKCS#1, which kube-apiserver does not read", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&current.PublicKey)}), nil, "a PKCS#1 RSA public key, which kube-apiserver does not read: convert it to PKIX with openssl rsa -RSAPublicKey_in -in FILE -pubout"},
		{"an ECDSA key", pkixPEM(&ec.PublicKey), nil, "an ECDSA key: AWS STS verifies RS256 signatures only"},
		{"a private key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(current)}), nil, `PEM block 1 ("RSA PRIVATE KEY"): this is a private key`},
		{"a short key", pkixPEM(&small.PublicKey), nil, "RSA key has 1024 bits"},
		{"not PEM at all", []byte("ssh-rsa AAAA..."), nil, "no PEM block found"},
		{"PEM without a key", pem.EncodeToMemory(&pem.Block{Type: "COMMENT", Bytes: []byte("x")}), nil, "no public key in any PEM block"},
	} {
		got, err := render.ParsePublicKeys(c.data)
		if c.wantErr != "" {
			assert.ErrorContains(t, err, c.wantErr, c.reason)
			continue
		}
		require.NoError(t, err, c.reason)
		require.Len(t, got, len(c.want), c.reason)
		for i := range got {
			assert.True(t, got[i].Equal(c.want[i]), c.reason)
		}
	}
}

// TestClusterWrittenKeysArePublishedWithTheirKids: every key of every
// field reaches keys.json, with the kid kube-apiserver signs with.
func TestClusterWrittenKeysArePublishedWithTheirKids(t *testing.T) {
	current, next, previous := rsaKey(t), rsaKey(t), rsaKey(t)
	bundle := append(clusterWrittenPEM(t, &current.PublicKey), clusterWrittenPEM(t, &next.PublicKey)...)
	m, err := render.Render(render.Params{Name: "demo", AccountID: "123456789012", Region: "us-east-2", PublicKeys: []render.PublicKey{
		{Source: "spec.oidc.publicKeyFile (service-account.pub)", PEM: bundle},
		{Source: "spec.oidc.additionalPublicKeyFiles[0]", PEM: clusterWrittenPEM(t, &previous.PublicKey)},
	}}, nil)
	require.NoError(t, err)
	var set struct {
		Keys []struct{ Kid string }
	}
	require.NoError(t, json.Unmarshal(m.Bucket.Objects[1].Body, &set))
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	assert.ElementsMatch(t, []string{apiserverKid(t, &current.PublicKey), apiserverKid(t, &next.PublicKey), apiserverKid(t, &previous.PublicKey)}, kids)

	_, err = render.Render(render.Params{Name: "demo", AccountID: "123456789012", Region: "us-east-2", PublicKeys: []render.PublicKey{
		{Source: "a.pub", PEM: bundle}, {Source: "b.pub", PEM: clusterWrittenPEM(t, &next.PublicKey)},
	}}, nil)
	assert.ErrorContains(t, err, "b.pub: the same public key is already published from a.pub (key 2 of 2)")
}
