package doctor_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/doctor"
	"github.com/stsrender/stsrender/internal/testsupport/testissuer"
	"github.com/stsrender/stsrender/render"
)

// internalService stands for what an attacker aims a fetch at: a plain
// HTTP service on the operator's network. It counts every request.
func internalService(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// hostileIssuer serves the model's discovery document with jwks_uri set
// to jwks, or answers keys.json with a redirect to redirect.
func hostileIssuer(t *testing.T, m *render.Model, jwks, redirect string) *http.Client {
	t.Helper()
	files := map[string][]byte{}
	for _, obj := range m.Bucket.Objects {
		files["/"+obj.Key] = obj.Body
	}
	if jwks != "" {
		var doc map[string]any
		require.NoError(t, json.Unmarshal(files["/"+render.DiscoveryKey], &doc))
		doc["jwks_uri"] = jwks
		body, err := json.Marshal(doc)
		require.NoError(t, err)
		files["/"+render.DiscoveryKey] = body
	}
	if strings.HasPrefix(redirect, "/") {
		files[redirect] = files["/"+render.JWKSKey]
	}
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if redirect != "" && r.URL.Path == "/"+render.JWKSKey {
				http.Redirect(w, r, redirect, http.StatusFound)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	iss := testissuer.Start(t, issuerHost, files, wrap)
	// The client doctor builds from the operator's flags: the test CA and
	// the issuer's host pinned to its loopback address, as --resolve does.
	client, err := doctor.NewIssuerClient(doctor.ClientOptions{CAPEM: iss.CAPEM, Resolve: []string{issuerHost + ":443:" + iss.Server.Listener.Addr().String()}})
	require.NoError(t, err)
	return client
}

// TestDoctorIsNoSSRF: the URLs doctor fetches come from Git (the issuer)
// and from the issuer itself (jwks_uri, redirects). None of them may make
// the operator's machine reach a plain-HTTP or internal address.
func TestDoctorIsNoSSRF(t *testing.T) {
	m := model(t, "primary.pub")
	internal, hits := internalService(t)
	for _, c := range []struct {
		reason, jwks, redirect, want string
	}{
		{"jwks_uri over plain HTTP to an internal address", internal.URL + "/latest/meta-data", "", "is not https: not fetched"},
		{"jwks_uri on another host", "https://attacker.example.com/keys.json", "", "is not on the issuer's host"},
		{"a redirect to plain HTTP", "", internal.URL + "/latest/meta-data", "which is not https: not followed"},
		{"a redirect to another host", "", "https://169.254.169.254/latest/meta-data", "redirected to another host"},
	} {
		t.Run(c.reason, func(t *testing.T) {
			d := &doctor.Doctor{HTTP: hostileIssuer(t, m, c.jwks, c.redirect)}
			r := d.Run(context.Background(), doctor.Inputs{Model: m})
			got := check(t, r, "keys.fetch")
			assert.Equal(t, doctor.Fail, got.Status)
			assert.Contains(t, got.Detail, c.want)
			assert.NotContains(t, got.Detail, "200 over")
			assert.Zero(t, hits.Load(), "the internal service was reached")
		})
	}

	// A redirect on the issuer's own host is followed, and said.
	d := &doctor.Doctor{HTTP: hostileIssuer(t, m, "", "/keys-v2.json")}
	r := d.Run(context.Background(), doctor.Inputs{Model: m})
	got := check(t, r, "keys.fetch")
	assert.Contains(t, got.Detail, "over verified HTTPS from https://"+issuerHost+"/keys-v2.json")
	assert.Equal(t, doctor.Pass, check(t, r, "keys.config").Status)
}

// TestIssuerClientRefusesInternalAddresses: a name DNS resolves to a
// loopback address is not connected to, unless the operator pinned it.
func TestIssuerClientRefusesInternalAddresses(t *testing.T) {
	internal, hits := internalService(t)
	client, err := doctor.NewIssuerClient(doctor.ClientOptions{})
	require.NoError(t, err)
	port := internal.URL[strings.LastIndex(internal.URL, ":")+1:]
	_, err = client.Get("https://localhost:" + port + "/")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a loopback, private, link-local or reserved address: not connected")
	assert.Zero(t, hits.Load())

	for addr, public := range map[string]bool{
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "::1": false, "fe80::1": false, "fd00::1": false, "::ffff:127.0.0.1": false,
		"52.95.110.1": true, "2600:1f18::1": true,
	} {
		assert.Equal(t, public, doctor.IsPublicAddress(netip.MustParseAddr(addr)), addr)
	}
}

func TestResolveTakesCurlsForm(t *testing.T) {
	for _, c := range []struct {
		reason, entry, wantErr string
	}{
		{"curl's form: the address without a port", "oidc.example.com:443:127.0.0.1", ""},
		{"the address with its own port", "oidc.example.com:443:127.0.0.1:8443", ""},
		{"an IPv6 address", "oidc.example.com:443:[::1]", ""},
		{"no address", "oidc.example.com:443", "use HOST:PORT:ADDRESS"},
	} {
		_, err := doctor.NewIssuerClient(doctor.ClientOptions{Resolve: []string{c.entry}})
		if c.wantErr == "" {
			assert.NoError(t, err, c.reason)
		} else {
			assert.ErrorContains(t, err, c.wantErr, c.reason)
		}
	}
}
