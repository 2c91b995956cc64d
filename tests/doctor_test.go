package tests

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/internal/testsupport/testissuer"
	"github.com/stsrender/stsrender/render"
)

// TestDoctorCommand runs stsrender doctor as an admin would: the installer
// example's cluster applied to moto, its issuer served over HTTPS by a CA
// given with --ca-file and reached with --resolve, a token signed like
// kube-apiserver signs one, and the rendered Secret and Authentication.
func TestDoctorCommand(t *testing.T) {
	env := awsEnv(t)
	dir := copyExample(t, "installer")
	res := runIn(t, dir, nil, e2e.stsrender, "create-key-pair", "-o", "keys")
	require.Equal(t, 0, res.code, res.stderr)
	run := func(args ...string) result { return runIn(t, dir, env, e2e.stsrender, args...) }
	require.Equal(t, 0, run("apply", "-f", "cluster.yaml", "--yes").code)
	require.Equal(t, 0, run("render", "-f", "cluster.yaml", "-o", "out").code)

	host := "demo-oidc.s3.us-east-2.amazonaws.com"
	files := map[string][]byte{}
	for _, f := range []string{".well-known/openid-configuration", "keys.json"} {
		data, err := os.ReadFile(filepath.Join(dir, "out", "oidc", filepath.FromSlash(f)))
		require.NoError(t, err)
		files["/"+f] = data
	}
	iss := testissuer.Start(t, host, files, nil)
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, iss.CAPEM, 0o644))
	resolve := host + ":443:" + iss.Server.Listener.Addr().String()

	keyPEM, err := os.ReadFile(filepath.Join(dir, "keys", "serviceaccount-signer.private"))
	require.NoError(t, err)
	block, _ := pem.Decode(keyPEM)
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	require.NoError(t, err)
	token := func(sub string) string {
		kid, err := render.KeyID(&key.PublicKey)
		require.NoError(t, err)
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
		require.NoError(t, err)
		payload, _ := json.Marshal(map[string]any{"iss": "https://" + host, "sub": sub, "aud": []string{"openshift"}, "exp": time.Now().Add(time.Hour).Unix()})
		jws, err := signer.Sign(payload)
		require.NoError(t, err)
		s, err := jws.CompactSerialize()
		require.NoError(t, err)
		path := filepath.Join(dir, "token-"+strings.ReplaceAll(sub, ":", "-"))
		require.NoError(t, os.WriteFile(path, []byte(s), 0o600))
		return path
	}
	secret := filepath.Join("out", "manifests", "openshift-ingress-operator-cloud-credentials-credentials.yaml")
	auth := filepath.Join("out", "manifests", "cluster-authentication-02-config.yaml")

	res = run("doctor", "-f", "cluster.yaml", "--ca-file", ca, "--resolve", resolve,
		"--token", token("system:serviceaccount:openshift-ingress-operator:ingress-operator"), "--secret", secret, "--authentication", auth, "--assume")
	require.Equal(t, 0, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, "pass  sts.assume")
	assert.Contains(t, res.stdout, "Summary: ")
	assert.NotContains(t, res.stdout, "FAIL")

	res = run("doctor", "-f", "cluster.yaml", "--ca-file", ca, "--resolve", resolve, "-o", "json",
		"--token", token("system:serviceaccount:openshift-ingress-operator:not-the-operator"), "--secret", secret)
	assert.Equal(t, 1, res.code, "a FAIL exits 1")
	var report struct {
		Failed int `json:"failed"`
		Checks []struct{ Name, Status, Breaks string }
	}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &report))
	assert.Equal(t, 1, report.Failed)
	for _, c := range report.Checks {
		if c.Status == "FAIL" {
			assert.Equal(t, "role.trust-subject", c.Name)
			assert.Contains(t, c.Breaks, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		}
	}

	// A token alone (no --secret, no --role-arn): only the roles that trust
	// its service account are judged, so a healthy cluster passes.
	res = run("doctor", "-f", "cluster.yaml", "--ca-file", ca, "--resolve", resolve,
		"--token", token("system:serviceaccount:openshift-ingress-operator:ingress-operator"))
	require.Equal(t, 0, res.code, res.stdout+res.stderr)
	assert.Contains(t, res.stdout, "pass  role.select")
	assert.Contains(t, res.stdout, "system:serviceaccount:openshift-ingress-operator:ingress-operator is trusted by demo-openshift-ingress-operator-cloud-credentials; the other 4 role(s) are not judged by this token")
	assert.Equal(t, 1, strings.Count(res.stdout, "role.exists"), "one role judged")
	res = run("doctor", "-f", "cluster.yaml", "--ca-file", ca, "--resolve", resolve,
		"--token", token("system:serviceaccount:default:nobody"))
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stdout, "FAIL  role.select")
	assert.Contains(t, res.stdout, "no role of the config trusts system:serviceaccount:default:nobody")

	// Without --ca-file the test CA is not trusted: the certificate check.
	res = run("doctor", "-f", "cluster.yaml", "--resolve", resolve)
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stdout, "FAIL  issuer.discovery")
	assert.Contains(t, res.stdout, "the certificate does not verify")

	res = run("permissions", "--doctor")
	require.Equal(t, 0, res.code)
	assert.Contains(t, res.stdout, "iam:GetRolePolicy")
	assert.NotContains(t, res.stdout, "Put")
}
