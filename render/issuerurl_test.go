package render_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stsrender/stsrender/render"
)

func TestValidateIssuerURL(t *testing.T) {
	for _, c := range []struct {
		reason, url, wantErr string
	}{
		{"an S3 issuer", "https://demo-oidc.s3.us-east-2.amazonaws.com", ""},
		{"a CloudFront issuer with a path", "https://d111111abcdef8.cloudfront.net/clusters/prod_1.a~b", ""},
		{"an IDN in punycode", "https://oidc.xn--bcher-kva.xn--p1ai", ""},
		{"plain HTTP", "http://oidc.example.com", "must start with https:// in lower case"},
		{"an upper-case scheme (the provider ARN would keep it)", "HTTPS://oidc.example.com", "must start with https:// in lower case"},
		{"the metadata address", "https://169.254.169.254", "is an IP address"},
		{"the metadata address in decimal", "https://2852039166", "is not a public DNS name"},
		{"the metadata address in hex", "https://0xa9.0xfe.0xa9.0xfe", "is an IP address"},
		{"the metadata address in octal", "https://0251.0376.0251.0376", "is an IP address"},
		{"an IPv6 literal", "https://[::1]", "is an IP address"},
		{"localhost", "https://localhost", "is not a public DNS name"},
		{"a name under localhost", "https://oidc.localhost", "is under .localhost"},
		{"a cluster-internal name", "https://oidc.kube-system.svc.cluster.local", "is under .local"},
		{"a trailing dot", "https://oidc.example.com.", "must not end with a dot"},
		{"a dot segment", "https://oidc.example.com/a/../b", "dot segments"},
		{"a single dot segment", "https://oidc.example.com/./b", "dot segments"},
		{"a space", "https://oidc.example.com/a b", "without spaces"},
		{"an encoded space", "https://oidc.example.com/a%20b", "the path may hold only"},
		{"a non-ASCII look-alike host", "https://оidc.example.com", "plain ASCII"},
		{"an upper-case host", "https://OIDC.example.com", "must be lower case"},
		{"a port", "https://oidc.example.com:8443", "must not name a port"},
		{"an empty port", "https://oidc.example.com:", "must not name a port"},
		{"user information", "https://user@oidc.example.com", "user information"},
		{"a query", "https://oidc.example.com?x=1", "query or fragment"},
		{"a trailing slash", "https://oidc.example.com/", "must not end with a slash"},
		{"a label starting with a hyphen", "https://-oidc.example.com", "is not a DNS name"},
		{"an underscore in the host", "https://oidc_1.example.com", "is not a DNS name"},
	} {
		err := render.ValidateIssuerURL(c.url)
		if c.wantErr == "" {
			assert.NoError(t, err, c.reason)
			continue
		}
		assert.ErrorContains(t, err, c.wantErr, c.reason)
	}
}
