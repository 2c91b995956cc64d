package doctor

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stsrender/stsrender/render"
)

// claims are the token claims STS looks at.
type claims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience audience `json:"aud"`
	Expiry   *int64   `json:"exp"`
	NotAfter *int64   `json:"nbf"`
}

// audience is a JWT aud: a string or a list.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

// token is a service-account token as doctor reads it.
type token struct {
	raw    string
	alg    string
	kid    string
	claims claims
}

func parseToken(raw string) (*token, error) {
	parts := strings.Split(strings.TrimSpace(raw), ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT (three dot-separated parts)")
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("the header is not base64url")
	}
	var h struct{ Alg, Kid string }
	if err := json.Unmarshal(header, &h); err != nil {
		return nil, fmt.Errorf("the header is not JSON")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("the payload is not base64url")
	}
	t := &token{raw: strings.TrimSpace(raw), alg: h.Alg, kid: h.Kid}
	if err := json.Unmarshal(payload, &t.claims); err != nil {
		return nil, fmt.Errorf("the payload is not JSON claims: %v", err)
	}
	return t, nil
}

// checkToken runs the token checks against the served keys and the issuer.
func (d *Doctor) checkToken(r *Report, t *token, issuer string, served map[string]render.ServedKey, clientIDs []string) {
	key, known := served[t.kid]
	switch {
	case t.alg != "RS256":
		r.fail("token.header", breaksVerificationKey, "AWS accepts RS256 only: sign service-account tokens with an RSA key", "alg is %q, not RS256", t.alg)
	case t.kid == "":
		r.fail("token.header", breaksVerificationKey, "kube-apiserver puts the kid in every token: this token was not issued by the cluster", "the header has no kid")
	case served == nil:
		r.skip("token.header", "the served keys.json could not be read (see keys.fetch)")
	case !known:
		r.fail("token.header", breaksVerificationKey, "publish the public half of the key the cluster signs with (spec.oidc.publicKeyFile, or additionalPublicKeyFiles during a rotation) and apply", "kid %s is not in the served keys.json (%d key(s))", t.kid, len(served))
	default:
		r.pass("token.header", "RS256, kid %s is published", t.kid)
	}
	if known {
		if err := verifySignature(t.raw, key); err != nil {
			r.fail("token.signature", breaksVerificationKey, "the key under this kid is not the one the token was signed with: republish keys.json from the signing key's public half", "%v", err)
		} else {
			r.pass("token.signature", "verifies with the published key %s", t.kid)
		}
	} else {
		r.skip("token.signature", "no published key for the token's kid")
	}
	if t.claims.Issuer != issuer {
		r.fail("token.issuer", breaksIssuer, "the Authentication's spec.serviceAccountIssuer must equal the issuer URL exactly (no trailing slash), and the provider must be for that URL", "iss is %q, not %q", t.claims.Issuer, issuer)
	} else {
		r.pass("token.issuer", "iss equals the issuer")
	}
	matched := ""
	for _, a := range t.claims.Audience {
		if slices.Contains(clientIDs, a) {
			matched = a
			break
		}
	}
	if matched == "" {
		r.fail("token.audience", breaksAudience, "operators' tokens carry aud openshift and the pod identity webhook's sts.amazonaws.com: add the token's audience to the provider's client IDs, or request a token for one of them", "aud %v is none of the provider's client IDs %v", []string(t.claims.Audience), clientIDs)
	} else {
		r.pass("token.audience", "aud %s is a client ID of the provider", matched)
	}
	now := d.now()
	switch {
	case t.claims.Expiry == nil:
		r.fail("token.time", breaksExpired, "take the token a pod has mounted", "the token has no exp")
	case now.After(time.Unix(*t.claims.Expiry, 0)):
		r.fail("token.time", breaksExpired, "kubelet refreshes projected tokens; a copy expires: take a fresh one (and check the node's clock)", "expired %s ago (exp %s, local clock %s)", now.Sub(time.Unix(*t.claims.Expiry, 0)).Round(time.Second), time.Unix(*t.claims.Expiry, 0).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case t.claims.NotAfter != nil && now.Before(time.Unix(*t.claims.NotAfter, 0)):
		r.fail("token.time", "InvalidIdentityToken: token not yet valid", "check the clocks of the node and of this machine", "not valid for another %s (nbf %s, local clock %s)", time.Unix(*t.claims.NotAfter, 0).Sub(now).Round(time.Second), time.Unix(*t.claims.NotAfter, 0).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	default:
		r.pass("token.time", "valid for another %s by the local clock", time.Unix(*t.claims.Expiry, 0).Sub(now).Round(time.Second))
	}
	if ns, sa, ok := serviceAccount(t.claims.Subject); ok {
		r.pass("token.subject", "service account %s/%s", ns, sa)
	} else {
		r.fail("token.subject", breaksNotAuthorized, "use a service-account token (system:serviceaccount:<namespace>:<name>)", "sub %q is not system:serviceaccount:<namespace>:<name>", t.claims.Subject)
	}
}

func serviceAccount(sub string) (ns, sa string, ok bool) {
	rest, found := strings.CutPrefix(sub, "system:serviceaccount:")
	if !found {
		return "", "", false
	}
	ns, sa, ok = strings.Cut(rest, ":")
	return ns, sa, ok && ns != "" && sa != "" && !strings.Contains(sa, ":")
}

func verifySignature(raw string, key render.ServedKey) error {
	n, err := base64.RawURLEncoding.DecodeString(key.N)
	if err != nil {
		return fmt.Errorf("the published key's modulus is not base64url")
	}
	e, err := base64.RawURLEncoding.DecodeString(key.E)
	if err != nil {
		return fmt.Errorf("the published key's exponent is not base64url")
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	sig, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return fmt.Errorf("the token does not parse as a JWS: %v", err)
	}
	if _, err := sig.Verify(pub); err != nil {
		return fmt.Errorf("the signature does not verify with the published key %s", key.Kid)
	}
	return nil
}
