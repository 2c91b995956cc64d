package tests

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/internal/testsupport/testissuer"
	"sigs.k8s.io/yaml"
)

// TestRotateKey runs the race-free rotation against a real HTTPS issuer on
// 127.0.0.1 (a throwaway CA): the next key's Secret is written only once
// the live keys.json serves the next key, and never a private key that is
// not the next key's.
func TestRotateKey(t *testing.T) {
	dir := installerExample(t)
	run := func(args ...string) result { return runIn(t, dir, nil, e2e.stsrender, args...) }
	require.Equal(t, 0, run("create-key-pair", "-o", "next").code)
	require.Equal(t, 0, run("create-key-pair", "-o", "other").code)
	config := filepath.Join(dir, "cluster.yaml")
	data, err := os.ReadFile(config)
	require.NoError(t, err)
	withNext := strings.Replace(string(data), "  oidc:\n", "  oidc:\n    nextPublicKeyFile: next/serviceaccount-signer.public\n", 1)
	require.NotEqual(t, string(data), withNext)

	const host = "demo-oidc.s3.us-east-2.amazonaws.com"
	serve := func(out string) (resolve, ca string) {
		files := map[string][]byte{}
		for _, f := range []string{".well-known/openid-configuration", "keys.json"} {
			data, err := os.ReadFile(filepath.Join(dir, out, "oidc", filepath.FromSlash(f)))
			require.NoError(t, err)
			files["/"+f] = data
		}
		iss := testissuer.Start(t, host, files, nil)
		ca = filepath.Join(t.TempDir(), "ca.pem")
		require.NoError(t, os.WriteFile(ca, iss.CAPEM, 0o644))
		return host + ":443:" + iss.Server.Listener.Addr().String(), ca
	}
	rotate := func(resolve, ca, key string) result {
		return run("rotate-key", "-f", "cluster.yaml", "--next-private-key", key, "-o", "handover", "--ca-file", ca, "--resolve", resolve)
	}
	secret := filepath.Join(dir, "handover", "next-bound-service-account-signing-key.yaml")

	// The issuer still serves the current key alone: nothing is handed over.
	require.Equal(t, 0, run("render", "-f", "cluster.yaml", "-o", "before").code)
	resolve, ca := serve("before")
	require.NoError(t, os.WriteFile(config, []byte(withNext), 0o644))
	res := rotate(resolve, ca, "next/serviceaccount-signer.private")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "the issuer does not serve the next key yet: kid ")
	assert.Contains(t, res.stderr, "is not in https://"+host+"/keys.json (1 key(s)); nothing written")
	assert.NoFileExists(t, secret)

	// Published: both keys are served, and the key is handed over.
	require.Equal(t, 0, run("render", "-f", "cluster.yaml", "-o", "after").code)
	resolve, ca = serve("after")
	res = rotate(resolve, ca, "other/serviceaccount-signer.private")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "is not the next key: its kid is ")
	assert.NoFileExists(t, secret)

	res = rotate(resolve, ca, "next/serviceaccount-signer.private")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Empty(t, res.stdout, "the signing key never goes to stdout")
	info, err := os.Stat(secret)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	var s struct {
		Metadata struct{ Name, Namespace string }
		Data     map[string]string
	}
	written, err := os.ReadFile(secret)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(written, &s))
	assert.Equal(t, "next-bound-service-account-signing-key", s.Metadata.Name)
	assert.Equal(t, "openshift-kube-apiserver-operator", s.Metadata.Namespace)
	key, err := base64.StdEncoding.DecodeString(s.Data["service-account.key"])
	require.NoError(t, err)
	private, err := os.ReadFile(filepath.Join(dir, "next", "serviceaccount-signer.private"))
	require.NoError(t, err)
	assert.Equal(t, private, key)
	pubPEM, err := base64.StdEncoding.DecodeString(s.Data["service-account.pub"])
	require.NoError(t, err)
	block, _ := pem.Decode(pubPEM)
	require.NotNil(t, block)
	assert.Equal(t, "RSA PUBLIC KEY", block.Type, "as the cluster writes service-account.pub")
	_, err = x509.ParsePKIXPublicKey(block.Bytes)
	assert.NoError(t, err, "PKIX bytes")

	// Without nextPublicKeyFile there is nothing to rotate to.
	require.NoError(t, os.WriteFile(config, data, 0o644))
	res = rotate(resolve, ca, "next/serviceaccount-signer.private")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "spec.oidc.nextPublicKeyFile: required")
}
