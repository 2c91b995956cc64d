package doctor

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stsrender/stsrender/render"
)

// Errors a pod sees, by what breaks.
const (
	breaksVerificationKey = "InvalidIdentityToken: Couldn't retrieve verification key from your identity provider"
	breaksIssuer          = "InvalidIdentityToken: Token issuer does not match provider"
	breaksAudience        = "InvalidIdentityToken: Incorrect token audience"
	breaksNotAuthorized   = "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity"
	breaksNoProvider      = "InvalidIdentityToken: No OpenIDConnect provider found in your account for the issuer"
	breaksExpired         = "ExpiredTokenException: Token expired"
)

// maxDocumentBytes bounds what is read of an issuer document.
const maxDocumentBytes = 1 << 20

// fetched is one issuer document as STS would fetch it.
type fetched struct {
	body    []byte
	final   *url.URL // after redirects
	latency time.Duration
	status  int
	state   *tls.ConnectionState
}

func (d *Doctor) get(ctx context.Context, rawURL string) (*fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := d.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxDocumentBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxDocumentBytes)
	}
	return &fetched{body: body, final: resp.Request.URL, latency: time.Since(start), status: resp.StatusCode, state: resp.TLS}, nil
}

// checkIssuer runs the issuer and keys checks and returns the served keys
// (nil when they could not be read) and the served chain's last
// certificate's SHA-1, for the thumbprint check.
func (d *Doctor) checkIssuer(ctx context.Context, r *Report, issuer string, m *render.Model) (served map[string]render.ServedKey, thumbprint string) {
	if err := render.ValidateIssuerURL(issuer); err != nil {
		r.fail("issuer.url", breaksIssuer, "set spec.oidc.issuerURL (and the Authentication's spec.serviceAccountIssuer) to https://host[/path]: a public DNS name, no port, query, fragment, dot segment or trailing slash", "%v", err)
		return nil, ""
	}
	r.pass("issuer.url", "%s is https on a public DNS name with no port, query, fragment or trailing slash", issuer)
	issuerHost := strings.TrimPrefix(issuer, "https://")
	issuerHost, _, _ = strings.Cut(issuerHost, "/")

	discoveryURL := issuer + "/" + render.DiscoveryKey
	doc, ok := d.fetchDocument(ctx, r, "issuer.discovery", discoveryURL)
	if !ok {
		r.skip("keys.fetch", "the discovery document could not be read (see issuer.discovery), so neither could its jwks_uri")
		return nil, ""
	}
	var discovery struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	switch err := json.Unmarshal(doc.body, &discovery); {
	case err != nil:
		r.fail("issuer.discovery-document", breaksVerificationKey, "publish the rendered discovery document (stsrender apply, or OUT/oidc/.well-known/openid-configuration)", "%s is not JSON", discoveryURL)
		return nil, ""
	case discovery.Issuer != issuer:
		r.fail("issuer.discovery-document", breaksIssuer, "the discovery document's issuer must be exactly the issuer URL: republish it (stsrender apply)", "issuer is %q, not %q", discovery.Issuer, issuer)
	case discovery.JWKSURI != issuer+"/"+render.JWKSKey:
		r.pass("issuer.discovery-document", "issuer matches; jwks_uri is %s (not %s/keys.json, followed)", discovery.JWKSURI, issuer)
	default:
		r.pass("issuer.discovery-document", "issuer matches exactly and jwks_uri is %s", discovery.JWKSURI)
	}
	jwksURL := discovery.JWKSURI
	if jwksURL == "" {
		jwksURL = issuer + "/" + render.JWKSKey
	}
	if err := checkFetchURL(jwksURL, issuerHost); err != nil {
		r.fail("keys.fetch", breaksVerificationKey, "serve keys.json over HTTPS from the issuer's host and name it in jwks_uri: republish the rendered discovery document (stsrender apply)", "jwks_uri: %v", err)
		return nil, ""
	}
	keys, ok := d.fetchDocument(ctx, r, "keys.fetch", jwksURL)
	if !ok {
		return nil, ""
	}
	if keys.state != nil && len(keys.state.PeerCertificates) > 0 {
		chain := keys.state.PeerCertificates
		sum := sha1.Sum(chain[len(chain)-1].Raw)
		thumbprint = hex.EncodeToString(sum[:])
	}
	served, err := render.ParseKeySet(keys.body)
	if err != nil {
		r.fail("keys.format", breaksVerificationKey, "publish the rendered keys.json (stsrender apply)", "%s: %v", jwksURL, err)
		return nil, thumbprint
	}
	d.checkKeys(r, served, keys.body, m)
	return served, thumbprint
}

// fetchDocument fetches one document anonymously over HTTPS, checking the
// status and the latency STS tolerates.
func (d *Doctor) fetchDocument(ctx context.Context, r *Report, name, rawURL string) (*fetched, bool) {
	doc, err := d.get(ctx, rawURL)
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &certErr):
		r.fail(name, breaksVerificationKey, "serve the issuer with a certificate from a publicly trusted CA (S3 and CloudFront do), or register its CA thumbprint on the provider", "%s: the certificate does not verify: %v", rawURL, certErr.Err)
		return nil, false
	case err != nil:
		r.fail(name, breaksVerificationKey, "the documents must be reachable anonymously over HTTPS from the internet (no firewall, no private network)", "%s: %v", rawURL, err)
		return nil, false
	case doc.status == http.StatusForbidden:
		r.fail(name, breaksVerificationKey, "the bucket is private or its policy does not allow anonymous s3:GetObject on the two documents: apply the rendered bucket policy, or serve a private bucket through CloudFront (spec.oidc.privateBucket) and use that URL", "%s answered 403 Forbidden: not public", rawURL)
		return nil, false
	case doc.status != http.StatusOK:
		r.fail(name, breaksVerificationKey, "publish the document at this URL (stsrender apply)", "%s answered HTTP %d", rawURL, doc.status)
		return nil, false
	case doc.latency > d.latency():
		r.fail(name, breaksVerificationKey, "STS gives up on issuers slower than 5 s: serve the documents from S3 or CloudFront close to the region", "%s answered in %s, over the %s STS allows", rawURL, doc.latency.Round(time.Millisecond), d.latency())
		return doc, true
	}
	r.pass(name, "%s: 200 %s, anonymously, in %s", rawURL, howFetched(rawURL, doc), doc.latency.Round(time.Millisecond))
	return doc, true
}

func (d *Doctor) latency() time.Duration {
	if d.LatencyThreshold > 0 {
		return d.LatencyThreshold
	}
	return 5 * time.Second
}

// checkKeys checks the served key set on its own and against the config.
func (d *Doctor) checkKeys(r *Report, served map[string]render.ServedKey, body []byte, m *render.Model) {
	var bad []string
	for kid, k := range served {
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" || k.Bits < 2048 {
			bad = append(bad, fmt.Sprintf("%s (%s)", kid, k.Summary))
		}
	}
	switch {
	case len(served) == 0:
		r.fail("keys.format", breaksVerificationKey, "publish the rendered keys.json (stsrender apply)", "keys.json holds no key")
	case len(bad) > 0:
		r.fail("keys.format", breaksVerificationKey, "AWS verifies RS256 only: publish RSA keys of 2048 bits or more with alg RS256 and use sig", "unusable keys: %s", strings.Join(bad, "; "))
	default:
		r.pass("keys.format", "%d RSA key(s), RS256, use sig, 2048 bits or more", len(served))
	}
	if len(served) > 100 {
		r.fail("keys.count", breaksVerificationKey, "remove retired keys from spec.oidc.additionalPublicKeyFiles", "keys.json holds %d keys; AWS reads at most 100", len(served))
	} else {
		r.pass("keys.count", "%d key(s), at most 100", len(served))
	}
	if m == nil {
		r.skip("keys.config", "no -f: the config's keys are unknown")
		r.skip("keys.rendered", "no -f")
		return
	}
	if m.Bucket == nil {
		r.skip("keys.config", "a managed ROSA OIDC config: Red Hat publishes the keys, the config has none")
		r.skip("keys.rendered", "a managed ROSA OIDC config: nothing rendered to compare")
		return
	}
	rendered := m.Bucket.Objects[1].Body
	want, err := render.ParseKeySet(rendered)
	if err != nil {
		r.skip("keys.config", "the rendered keys.json does not parse: %v", err)
		return
	}
	var missing []string
	for kid := range want {
		if _, ok := served[kid]; !ok {
			missing = append(missing, kid)
		}
	}
	if len(missing) > 0 {
		r.fail("keys.config", breaksVerificationKey, "publish the config's keys (stsrender apply): during a rotation the next key must be in keys.json before the cluster signs with it", "served keys.json lacks kid %s of the config", strings.Join(missing, ", "))
	} else {
		r.pass("keys.config", "every key of the config (%d) is published", len(want))
	}
	changes, err := render.CompareKeySets(body, rendered)
	switch {
	case err != nil:
		r.skip("keys.rendered", "%v", err)
	case len(changes) > 0:
		var parts []string
		for _, c := range changes {
			parts = append(parts, fmt.Sprintf("kid %s %s", c.Kid, c.Change))
		}
		r.fail("keys.rendered", breaksVerificationKey, "republish keys.json from the config (stsrender apply)", "served keys.json differs from the render: %s", strings.Join(parts, "; "))
	default:
		r.pass("keys.rendered", "served keys.json has exactly the rendered keys")
	}
}

// howFetched says what the answer really came over: the scheme and, when
// a redirect moved it, the final URL.
func howFetched(rawURL string, doc *fetched) string {
	how := "over plain HTTP"
	if doc.state != nil {
		how = "over verified HTTPS"
	}
	if doc.final != nil && doc.final.String() != rawURL {
		how += " from " + doc.final.Redacted()
	}
	return how
}

// ServedKeys fetches the live issuer's keys.json the way the issuer checks
// do (the discovery document, then its jwks_uri, https on the issuer's
// host only) and returns the served keys by kid and the keys.json URL.
func ServedKeys(ctx context.Context, client *http.Client, issuer string) (map[string]render.ServedKey, string, error) {
	if err := render.ValidateIssuerURL(issuer); err != nil {
		return nil, "", err
	}
	d := &Doctor{HTTP: client}
	discoveryURL := issuer + "/" + render.DiscoveryKey
	doc, err := d.get(ctx, discoveryURL)
	switch {
	case err != nil:
		return nil, "", fmt.Errorf("%s: %w", discoveryURL, err)
	case doc.status != http.StatusOK:
		return nil, "", fmt.Errorf("%s answered HTTP %d", discoveryURL, doc.status)
	}
	var discovery struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(doc.body, &discovery); err != nil {
		return nil, "", fmt.Errorf("%s is not JSON", discoveryURL)
	}
	jwksURL := discovery.JWKSURI
	if jwksURL == "" {
		jwksURL = issuer + "/" + render.JWKSKey
	}
	host, _, _ := strings.Cut(strings.TrimPrefix(issuer, "https://"), "/")
	if err := checkFetchURL(jwksURL, host); err != nil {
		return nil, "", fmt.Errorf("jwks_uri: %w", err)
	}
	keys, err := d.get(ctx, jwksURL)
	switch {
	case err != nil:
		return nil, jwksURL, fmt.Errorf("%s: %w", jwksURL, err)
	case keys.status != http.StatusOK:
		return nil, jwksURL, fmt.Errorf("%s answered HTTP %d", jwksURL, keys.status)
	}
	served, err := render.ParseKeySet(keys.body)
	if err != nil {
		return nil, jwksURL, fmt.Errorf("%s: %w", jwksURL, err)
	}
	return served, jwksURL, nil
}
