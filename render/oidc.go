package render

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// Object keys of the issuer documents, relative to the issuer URL.
const (
	DiscoveryKey = ".well-known/openid-configuration"
	JWKSKey      = "keys.json"
)

// OIDC client IDs (audiences) the IAM provider accepts: OpenShift components
// request tokens for "openshift"; "sts.amazonaws.com" is the AWS default.
var providerClientIDs = []string{"openshift", "sts.amazonaws.com"}

// DiscoveryDocument is the OIDC discovery document. Field order is the
// order of the JSON output.
type DiscoveryDocument struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                  []string `json:"claims_supported"`
}

// JWKS is the published key set.
type JWKS = jose.JSONWebKeySet

func newDiscoveryDocument(issuerURL string) DiscoveryDocument {
	return DiscoveryDocument{
		Issuer:                           issuerURL,
		JWKSURI:                          issuerURL + "/" + JWKSKey,
		ResponseTypesSupported:           []string{"id_token"},
		SubjectTypesSupported:            []string{"public"},
		IDTokenSigningAlgValuesSupported: []string{"RS256"},
		ClaimsSupported:                  []string{"aud", "exp", "sub", "iat", "iss"},
	}
}

// KeyID derives the kid kube-apiserver writes into the header of every token
// it signs: unpadded base64url of the SHA-256 of the DER (PKIX) public key.
// keys.json must carry the same kid, or STS answers "Couldn't retrieve
// verification key from your identity provider".
func KeyID(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

func buildJWKS(keys []PublicKey) (JWKS, error) {
	if len(keys) == 0 {
		return JWKS{}, fmt.Errorf("spec.oidc.publicKeyFile: a public key is required to publish keys.json")
	}
	set := JWKS{Keys: make([]jose.JSONWebKey, 0, len(keys))}
	seen := map[string]string{}
	for _, k := range keys {
		pubs, err := ParsePublicKeys(k.PEM)
		if err != nil {
			return JWKS{}, fmt.Errorf("%s: %w", k.Source, err)
		}
		for i, pub := range pubs {
			kid, err := KeyID(pub)
			if err != nil {
				return JWKS{}, fmt.Errorf("%s: %w", k.Source, err)
			}
			source := k.Source
			if len(pubs) > 1 {
				source = fmt.Sprintf("%s (key %d of %d)", k.Source, i+1, len(pubs))
			}
			if first, dup := seen[kid]; dup {
				return JWKS{}, fmt.Errorf("%s: the same public key is already published from %s", source, first)
			}
			seen[kid] = source
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"})
		}
	}
	return set, nil
}

// issuerFor returns the issuer URL: the configured one, or the regional
// virtual-hosted S3 URL of the bucket, as ccoctl derives it.
func issuerFor(p Params, partition Partition, bucket string) (Issuer, error) {
	raw := p.IssuerURL
	if raw == "" {
		if p.PrivateBucket {
			return Issuer{}, fmt.Errorf("spec.oidc.issuerURL: required with privateBucket: true (the CloudFront or custom domain that serves the bucket)")
		}
		raw = fmt.Sprintf("https://%s.s3.%s.%s", bucket, p.Region, partition.DNSSuffix)
	}
	if err := ValidateIssuerURL(raw); err != nil {
		return Issuer{}, fmt.Errorf("spec.oidc.issuerURL: %w", err)
	}
	return Issuer{URL: raw, HostPath: strings.TrimPrefix(raw, "https://")}, nil
}
