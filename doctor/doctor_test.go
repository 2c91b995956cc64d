package doctor_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/awsapply"
	"github.com/stsrender/stsrender/doctor"
	"github.com/stsrender/stsrender/internal/testsupport/mototest"
	"github.com/stsrender/stsrender/internal/testsupport/testissuer"
	"github.com/stsrender/stsrender/render"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, "doctor", &moto)) }

const issuerHost = "demo-oidc.s3.us-east-2.amazonaws.com"

func readKey(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "render", "testdata", "keys", name))
	require.NoError(t, err)
	return data
}

func privateKey(t *testing.T, name string) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(readKey(t, name))
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	require.NoError(t, err)
	return key
}

func model(t *testing.T, keys ...string) *render.Model {
	t.Helper()
	var pks []render.PublicKey
	for _, k := range keys {
		pks = append(pks, render.PublicKey{Source: k, PEM: readKey(t, k)})
	}
	m, err := render.Render(render.Params{Name: "demo", AccountID: "123456789012", Region: "us-east-2", PublicKeys: pks}, []render.CredentialsRequest{{
		Source: render.Source{File: "r.yaml", Item: -1}, Name: "app", Namespace: "openshift-cloud-credential-operator",
		SecretRef: render.NamespacedName{Namespace: "app", Name: "aws-creds"}, ServiceAccountNames: []string{"app-sa"},
		StatementEntries: []render.StatementEntry{{Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: "*"}},
	}})
	require.NoError(t, err)
	return m
}

type issuer struct{ client *http.Client }

func newIssuer(t *testing.T, m *render.Model, wrap func(http.Handler) http.Handler) *issuer {
	t.Helper()
	files := map[string][]byte{}
	for _, obj := range m.Bucket.Objects {
		files["/"+obj.Key] = obj.Body
	}
	return &issuer{client: testissuer.Start(t, issuerHost, files, wrap).Client}
}

// sign makes a token the way kube-apiserver does: RS256, kid derived from
// the public key, claims of a projected service-account token.
func sign(t *testing.T, key *rsa.PrivateKey, kidOf *rsa.PublicKey, claims map[string]any) string {
	t.Helper()
	kid, err := render.KeyID(kidOf)
	require.NoError(t, err)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	require.NoError(t, err)
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	jws, err := signer.Sign(payload)
	require.NoError(t, err)
	out, err := jws.CompactSerialize()
	require.NoError(t, err)
	return out
}

func claims(edit func(map[string]any)) map[string]any {
	now := time.Now()
	c := map[string]any{"iss": "https://" + issuerHost, "sub": "system:serviceaccount:app:app-sa", "aud": []string{"openshift"},
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix()}
	if edit != nil {
		edit(c)
	}
	return c
}

// setup applies m's AWS side to moto (provider, role) and returns a doctor
// wired to the test issuer and moto.
func setup(t *testing.T, m *render.Model, wrap func(http.Handler) http.Handler) *doctor.Doctor {
	t.Helper()
	mototest.Require(t, moto)
	return setupAt(t, moto.Endpoint, m, m, wrap)
}

// setupAt applies m's AWS side to the moto at endpoint; the test issuer
// serves the documents of served, a model with a bucket.
func setupAt(t *testing.T, endpoint string, m, served *render.Model, wrap func(http.Handler) http.Handler) *doctor.Doctor {
	t.Helper()
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_PROFILE": ""} {
		t.Setenv(k, v)
	}
	clients, err := awsapply.NewClients(context.Background(), m.Region, awsapply.ClientOptions{MaxAttempts: 2})
	require.NoError(t, err)
	p := &awsapply.Planner{Clients: clients, Model: m}
	plan, err := p.Plan(context.Background())
	require.NoError(t, err)
	require.NoError(t, p.Apply(context.Background(), plan))
	iss := newIssuer(t, served, wrap)
	return &doctor.Doctor{HTTP: iss.client, IAM: clients.IAM, STS: clients.STS}
}

func check(t *testing.T, r *doctor.Report, name string) doctor.Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %s in %+v", name, r.Checks)
	return doctor.Check{}
}

func secret(m *render.Model) *doctor.CredentialsSecret {
	s, _ := doctor.ParseSecret("secret.yaml", []byte("apiVersion: v1\nkind: Secret\nstringData:\n  credentials: |-\n    "+strings.ReplaceAll(m.Roles[0].Secret.Credentials, "\n", "\n    ")+"\n"))
	return s
}

func TestHappyPath(t *testing.T) {
	m := model(t, "primary.pub")
	d := setup(t, m, nil)
	key := privateKey(t, "primary.key")
	tok := sign(t, key, &key.PublicKey, claims(nil))
	r := d.Run(context.Background(), doctor.Inputs{Model: m, Token: tok, Secret: secret(m), Assume: true,
		Authentication: "https://" + issuerHost, AuthenticationSource: "auth.yaml"})
	var text strings.Builder
	r.WriteText(&text)
	require.Zero(t, r.Failed, text.String())
	for _, name := range []string{"issuer.url", "issuer.discovery", "issuer.discovery-document", "keys.fetch", "keys.format", "keys.count", "keys.config", "keys.rendered",
		"provider.exists", "provider.client-ids", "provider.thumbprint", "token.header", "token.signature", "token.issuer", "token.audience", "token.time", "token.subject",
		"authentication", "role.exists", "role.trust-principal", "role.trust-subject", "role.trust-audience", "role.permissions",
		"secret.role-arn", "secret.token-file", "secret.regional-endpoints", "sts.assume"} {
		assert.Equal(t, doctor.Pass, check(t, r, name).Status, name)
	}
	assert.Zero(t, r.Skips, text.String())
	assert.Contains(t, check(t, r, "sts.assume").Detail, "assumed arn:aws:sts::123456789012:assumed-role/"+m.Roles[0].Name)

	var js strings.Builder
	require.NoError(t, r.WriteJSON(&js))
	var shape struct {
		Issuer string `json:"issuer"`
		Checks []struct {
			Name, Status, Detail, Breaks, Fix string
		} `json:"checks"`
		Passed, Failed, Skipped int
	}
	require.NoError(t, json.Unmarshal([]byte(js.String()), &shape))
	assert.Equal(t, "https://"+issuerHost, shape.Issuer)
	assert.Equal(t, len(r.Checks), shape.Passed)
	assert.Equal(t, "issuer.url", shape.Checks[0].Name)
	assert.Equal(t, "pass", shape.Checks[0].Status)
}

// TestFailureModes: one failure at a time, each named, FAIL, with the STS
// error a pod sees and the fix.
func TestFailureModes(t *testing.T) {
	primary, previous := privateKey(t, "primary.key"), privateKey(t, "previous.key")
	forbidden := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) })
	}
	slow := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(300 * time.Millisecond); next.ServeHTTP(w, r) })
	}
	cases := []struct {
		reason   string
		served   *render.Model // what the issuer serves; nil: the config's model
		keys     []string      // the config's keys
		wrap     func(http.Handler) http.Handler
		token    func() string
		inputs   func(*doctor.Inputs, *render.Model)
		name     string
		breaks   string
		fix      string
		latency  time.Duration
		roleName string
	}{
		{reason: "a rotation whose next key is not published yet", keys: []string{"primary.pub", "previous.pub"}, served: model(t, "primary.pub"),
			token: func() string { return sign(t, previous, &previous.PublicKey, claims(nil)) },
			name:  "token.header", breaks: "Couldn't retrieve verification key", fix: "publish the public half of the key the cluster signs with"},
		{reason: "the same rotation, seen from the config", keys: []string{"primary.pub", "previous.pub"}, served: model(t, "primary.pub"),
			name: "keys.config", breaks: "Couldn't retrieve verification key", fix: "the next key must be in keys.json before the cluster signs with it"},
		{reason: "an issuer mismatch", token: func() string {
			return sign(t, primary, &primary.PublicKey, claims(func(c map[string]any) { c["iss"] = "https://kubernetes.default.svc" }))
		}, name: "token.issuer", breaks: "Token issuer does not match provider", fix: "spec.serviceAccountIssuer must equal the issuer URL exactly"},
		{reason: "an audience the provider does not list", token: func() string {
			return sign(t, primary, &primary.PublicKey, claims(func(c map[string]any) { c["aud"] = "vault" }))
		}, name: "token.audience", breaks: "Incorrect token audience", fix: "add the token's audience to the provider's client IDs"},
		{reason: "a service account the trust policy does not name", token: func() string {
			return sign(t, primary, &primary.PublicKey, claims(func(c map[string]any) { c["sub"] = "system:serviceaccount:app:intruder" }))
		}, name: "role.trust-subject", breaks: "Not authorized to perform sts:AssumeRoleWithWebIdentity", fix: "add it to the CredentialsRequest's spec.serviceAccountNames"},
		{reason: "documents that are not public", wrap: forbidden,
			name: "issuer.discovery", breaks: "Couldn't retrieve verification key", fix: "does not allow anonymous s3:GetObject"},
		{reason: "an issuer slower than STS waits", wrap: slow, latency: 100 * time.Millisecond,
			name: "issuer.discovery", breaks: "Couldn't retrieve verification key", fix: "STS gives up on issuers slower than 5 s"},
		{reason: "an expired token", token: func() string {
			return sign(t, primary, &primary.PublicKey, claims(func(c map[string]any) { c["exp"] = time.Now().Add(-10 * time.Minute).Unix() }))
		}, name: "token.time", breaks: "Token expired", fix: "take a fresh one"},
		{reason: "a token signed with a key that is not published, under a published kid", token: func() string {
			return sign(t, previous, &primary.PublicKey, claims(nil))
		}, name: "token.signature", breaks: "Couldn't retrieve verification key", fix: "republish keys.json from the signing key's public half"},
		{reason: "a trailing slash in the Authentication", inputs: func(in *doctor.Inputs, _ *render.Model) {
			in.Authentication, in.AuthenticationSource = "https://"+issuerHost+"/", "auth.yaml"
		}, name: "authentication", breaks: "Token issuer does not match provider", fix: "set spec.serviceAccountIssuer of Authentication cluster to exactly"},
		{reason: "a Secret naming another role", inputs: func(in *doctor.Inputs, m *render.Model) {
			s := secret(m)
			s.RoleARN = "arn:aws:iam::123456789012:role/someone-else"
			in.Secret = s
		}, name: "secret.role-arn", breaks: "Not authorized", fix: "render the Secret again from this config"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			keys := tc.keys
			if keys == nil {
				keys = []string{"primary.pub"}
			}
			m := model(t, keys...)
			served := tc.served
			if served == nil {
				served = m
			}
			d := setup(t, m, tc.wrap)
			if tc.served != nil {
				d.HTTP = newIssuer(t, served, tc.wrap).client
			}
			d.LatencyThreshold = tc.latency
			in := doctor.Inputs{Model: m, Secret: secret(m)}
			if tc.token != nil {
				in.Token = tc.token()
			}
			if tc.inputs != nil {
				tc.inputs(&in, m)
			}
			r := d.Run(context.Background(), in)
			c := check(t, r, tc.name)
			var text strings.Builder
			r.WriteText(&text)
			assert.Equal(t, doctor.Fail, c.Status, text.String())
			assert.Contains(t, c.Breaks, tc.breaks)
			assert.Contains(t, c.Fix, tc.fix)
			assert.True(t, r.HasFailures())
			assert.Contains(t, text.String(), "FAIL  "+tc.name)
			assert.Contains(t, text.String(), "breaks: ")
		})
	}
}

// TestWithoutConfig works from a token and a Secret alone: the issuer from
// the token, the role and account from the Secret.
func TestWithoutConfig(t *testing.T) {
	m := model(t, "primary.pub")
	d := setup(t, m, nil)
	key := privateKey(t, "primary.key")
	r := d.Run(context.Background(), doctor.Inputs{Token: sign(t, key, &key.PublicKey, claims(nil)), Secret: secret(m)})
	var text strings.Builder
	r.WriteText(&text)
	assert.Zero(t, r.Failed, text.String())
	assert.Equal(t, "https://"+issuerHost, r.Issuer)
	assert.Equal(t, doctor.Pass, check(t, r, "provider.exists").Status, "the provider ARN from the Secret's account and the token's issuer")
	assert.Equal(t, doctor.Pass, check(t, r, "role.trust-subject").Status)
	assert.Equal(t, doctor.Skip, check(t, r, "keys.config").Status)
	assert.Equal(t, doctor.Skip, check(t, r, "role.permissions").Status)
}

// TestHostedControlPlane checks a ROSA HCP operator role: the issuer stands
// in for Red Hat's managed OIDC config (its keys are not the config's, so
// the key comparisons are skipped), and the role's AWS-managed policy must
// be attached.
func TestHostedControlPlane(t *testing.T) {
	mototest.Require(t, moto)
	server, err := mototest.Start(mototest.ManagedPolicies)
	require.NoError(t, err)
	t.Cleanup(server.Stop)
	redHat := model(t, "primary.pub")
	m, err := render.Render(render.Params{Name: "hcp", AccountID: "123456789012", Region: "us-east-2",
		HostedControlPlane: &render.HostedControlPlane{ManagedIssuerURL: redHat.Issuer.URL}}, nil)
	require.NoError(t, err)
	d := setupAt(t, server.Endpoint, m, redHat, nil)
	var kcm render.Role
	for _, r := range m.Roles {
		if r.Request.SecretRef.Name == "kube-controller-manager" {
			kcm = r
		}
	}
	key := privateKey(t, "primary.key")
	tok := sign(t, key, &key.PublicKey, claims(func(c map[string]any) { c["sub"] = "system:serviceaccount:kube-system:kube-controller-manager" }))
	run := func() *doctor.Report {
		return d.Run(context.Background(), doctor.Inputs{Model: m, Token: tok, RoleARN: kcm.ARN, Assume: true})
	}
	r := run()
	var text strings.Builder
	r.WriteText(&text)
	require.Zero(t, r.Failed, text.String())
	for _, name := range []string{"keys.config", "keys.rendered", "authentication"} {
		assert.Equal(t, doctor.Skip, check(t, r, name).Status, name)
	}
	for _, name := range []string{"keys.fetch", "provider.exists", "token.signature", "role.trust-subject", "role.managed-policies", "sts.assume"} {
		assert.Equal(t, doctor.Pass, check(t, r, name).Status, name)
	}

	_, err = d.IAM.DetachRolePolicy(context.Background(), &iam.DetachRolePolicyInput{RoleName: aws.String(kcm.Name), PolicyArn: aws.String(kcm.ManagedPolicyARNs[0])})
	require.NoError(t, err)
	c := check(t, run(), "role.managed-policies")
	assert.Equal(t, doctor.Fail, c.Status)
	assert.Contains(t, c.Detail, "lacks the managed policies "+kcm.ManagedPolicyARNs[0])
	assert.Contains(t, c.Fix, "stsrender apply")
}
