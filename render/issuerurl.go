package render

import (
	"fmt"
	"net/url"
	"strings"
)

// hostLabel is one label of a DNS host name, lower case, as IAM compares
// issuer hosts byte for byte.
var hostLabel = lazyPattern(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// topLevelLabel is a real top-level domain: letters, or an IDN in punycode.
// It is what rules out every spelling of an IP address (169.254.169.254,
// 2852039166, 0xa9.0xfe.0xa9.0xfe, 0251.0376.0251.0376), which resolvers
// accept and a host name never is. Its 63-character bound is the label
// check before it: {2,63} would compile 63 copies of the class.
var topLevelLabel = lazyPattern(`^([a-z]{2,}|xn--[a-z0-9-]+)$`)

// issuerPath is the path an issuer may have: unreserved characters and
// slashes, nothing that a client or a proxy would rewrite.
var issuerPath = lazyPattern(`^(/[A-Za-z0-9._~-]+)*$`)

// notPublic are names that never resolve on the public internet, where STS
// fetches the keys from.
var notPublic = []string{"localhost", "local", "internal", "localdomain", "home.arpa", "invalid", "test", "example", "onion"}

// ValidateIssuerURL checks an issuer URL as IAM and STS need it: a
// lower-case https scheme, a public DNS host name (no IP literal, no
// localhost, no trailing dot, lower case, ASCII), no port, user, query or
// fragment, a path without dot segments or spaces, and no trailing slash.
// The URL is Git content: the renderer (doctor, rotate-key) fetches it,
// and IAM compares it with tokens' iss byte for byte, so every spelling it
// allows is exactly one issuer.
func ValidateIssuerURL(raw string) error {
	if !strings.HasPrefix(raw, "https://") {
		return fmt.Errorf("%q must start with https:// in lower case (IAM only trusts HTTPS issuers, and compares the URL byte for byte)", raw)
	}
	for _, r := range raw {
		if r <= ' ' || r >= 0x7f {
			return fmt.Errorf("%q must be plain ASCII without spaces or control characters (write an internationalised host name in punycode, xn--…)", raw)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("%q has no host", raw)
	case u.User != nil:
		return fmt.Errorf("%q must not contain user information", raw)
	case u.Port() != "" || strings.HasSuffix(u.Host, ":"):
		return fmt.Errorf("%q must not name a port (IAM rejects issuer URLs with ports)", raw)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("%q must not have a query or fragment", raw)
	case strings.HasSuffix(raw, "/"):
		return fmt.Errorf("%q must not end with a slash: tokens' iss claim must match it byte for byte", raw)
	}
	if err := validateIssuerHost(u.Host); err != nil {
		return fmt.Errorf("%q: %w", raw, err)
	}
	if !issuerPath().MatchString(u.EscapedPath()) || u.EscapedPath() != u.Path {
		return fmt.Errorf("%q: the path may hold only letters, digits, '-', '.', '_', '~' and '/'", raw)
	}
	for _, segment := range strings.Split(u.Path, "/") {
		if segment == "." || segment == ".." {
			return fmt.Errorf("%q: the path must not hold dot segments (. or ..): clients resolve them, so the keys would be fetched from another URL than the issuer names", raw)
		}
	}
	return nil
}

func validateIssuerHost(host string) error {
	if strings.HasPrefix(host, "[") {
		return fmt.Errorf("the host is an IP address: STS fetches keys from a public DNS name, and a renderer must never be pointed at an address")
	}
	if strings.HasSuffix(host, ".") {
		return fmt.Errorf("the host must not end with a dot: IAM would see another issuer than the tokens name")
	}
	if host != strings.ToLower(host) {
		return fmt.Errorf("the host must be lower case: IAM treats other spellings as a different provider")
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 || len(host) > 253 {
		return fmt.Errorf("the host %q is not a public DNS name (it needs a domain, such as oidc.example.com)", host)
	}
	for _, l := range labels {
		if len(l) > 63 || !hostLabel().MatchString(l) {
			return fmt.Errorf("the host %q is not a DNS name: each label is 1–63 of a-z, 0-9 and '-', not starting or ending with '-'", host)
		}
	}
	if !topLevelLabel().MatchString(labels[len(labels)-1]) {
		return fmt.Errorf("the host %q is an IP address or has no real top-level domain: STS fetches keys from a public DNS name, and a renderer must never be pointed at an address", host)
	}
	for _, suffix := range notPublic {
		if host == suffix || strings.HasSuffix(host, "."+suffix) {
			return fmt.Errorf("the host %q is under .%s, which never resolves on the internet where STS fetches the keys", host, suffix)
		}
	}
	return nil
}
