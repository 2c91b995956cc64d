package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"
)

// ClientOptions are the operator's choices for reaching an issuer: flags
// typed by a person, never anything a config or a served document says.
type ClientOptions struct {
	// CAPEM is an extra CA bundle to trust beside the system roots.
	CAPEM []byte
	// Resolve pins HOST:PORT to an address, like curl --resolve
	// (HOST:PORT:ADDRESS, ADDRESS with or without a port). Addresses named
	// here are the operator's and may be loopback or private.
	Resolve []string
}

// NewIssuerClient returns the anonymous HTTPS client doctor and rotate-key
// fetch issuer documents with. The URLs it fetches come from Git (the
// config's issuer) and from the issuer itself (jwks_uri, redirects), so it
// is an SSRF guard as much as a client: https only, certificates verified,
// redirects only to https on the same host, and never a connection to a
// loopback, private, link-local or otherwise non-public address that DNS
// returned (the operator's --resolve and proxy are exempt: they are the
// operator's own).
func NewIssuerClient(opts ClientOptions) (*http.Client, error) {
	pins, err := parseResolve(opts.Resolve)
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = http.ProxyFromEnvironment
	if len(opts.CAPEM) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(opts.CAPEM) {
			return nil, errors.New("the CA file holds no PEM certificate")
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	dialer := &publicDialer{pins: pins, proxies: proxyAddresses(), dialer: &net.Dialer{Timeout: 10 * time.Second}}
	transport.DialContext = dialer.DialContext
	return &http.Client{
		Transport:     transport,
		Timeout:       15 * time.Second,
		CheckRedirect: sameHostHTTPS,
	}, nil
}

// sameHostHTTPS follows a redirect only to https on the first request's
// host, and at most 5 times: STS fetches from the issuer, and a served 302
// must not steer the operator's machine elsewhere.
func sameHostHTTPS(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	switch {
	case len(via) >= 5:
		return fmt.Errorf("stopped after %d redirects", len(via))
	case req.URL.Scheme != "https":
		return fmt.Errorf("redirected to %s, which is not https: not followed", req.URL.Redacted())
	case !strings.EqualFold(req.URL.Host, first.Host):
		return fmt.Errorf("redirected to another host (%s): not followed; the documents must be served from the issuer's host", req.URL.Host)
	}
	return nil
}

// checkFetchURL refuses, before any request, a URL that is not https on
// the issuer's host: a discovery document's jwks_uri is served content.
func checkFetchURL(rawURL, issuerHost string) error {
	u, err := url.Parse(rawURL)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", rawURL)
	case u.Scheme != "https":
		return fmt.Errorf("%s is not https: not fetched (STS fetches keys over HTTPS only)", u.Redacted())
	case !strings.EqualFold(u.Host, issuerHost):
		return fmt.Errorf("%s is not on the issuer's host %s: not fetched", u.Redacted(), issuerHost)
	}
	return nil
}

type publicDialer struct {
	pins    map[string]string
	proxies map[string]bool
	dialer  *net.Dialer
}

func (d *publicDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if to, ok := d.pins[addr]; ok {
		return d.dialer.DialContext(ctx, network, to)
	}
	if d.proxies[addr] {
		return d.dialer.DialContext(ctx, network, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for _, ip := range ips {
		if !isPublic(ip) {
			lastErr = fmt.Errorf("%s resolves to %s, a loopback, private, link-local or reserved address: not connected (an issuer STS can reach is public; to test a local issuer, pin it with --resolve %s:%s:ADDRESS)", host, ip, host, port)
			continue
		}
		// Dial the address just checked, not the name again: a second
		// lookup could answer differently (DNS rebinding).
		conn, err := d.dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("%s has no address", host)
	}
	return nil, lastErr
}

// isPublic reports whether ip is a global unicast address outside the
// private, shared (CGNAT), loopback, link-local and documentation ranges.
func isPublic(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublicPrefixes() {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// nonPublicPrefixes are ranges IsGlobalUnicast and IsPrivate do not cover.
func nonPublicPrefixes() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("192.0.0.0/24"),
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.18.0.0/15"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"),
		netip.MustParsePrefix("240.0.0.0/4"),
		netip.MustParsePrefix("2001:db8::/32"),
		netip.MustParsePrefix("64:ff9b::/96"),
	}
}

// parseResolve reads curl's HOST:PORT:ADDRESS. ADDRESS may carry its own
// port (HOST:443:127.0.0.1:8443) or not (curl's form, the same port), and
// may be an IPv6 address in brackets.
func parseResolve(entries []string) (map[string]string, error) {
	pins := map[string]string{}
	for _, r := range entries {
		parts := strings.SplitN(r, ":", 3)
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return nil, fmt.Errorf("--resolve %q: use HOST:PORT:ADDRESS, as curl does (demo-oidc.s3.us-east-2.amazonaws.com:443:127.0.0.1)", r)
		}
		to := parts[2]
		if _, _, err := net.SplitHostPort(to); err != nil {
			to = net.JoinHostPort(strings.Trim(to, "[]"), parts[1])
		}
		pins[net.JoinHostPort(parts[0], parts[1])] = to
	}
	return pins, nil
}

// proxyAddresses are the proxies the operator's environment names: the
// connection to them is the operator's choice, not the issuer's.
func proxyAddresses() map[string]bool {
	out := map[string]bool{}
	for _, name := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if !strings.Contains(v, "://") {
			v = "http://" + v
		}
		u, err := url.Parse(v)
		if err != nil || u.Host == "" {
			continue
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"https": "443", "socks5": "1080"}[u.Scheme]
			if port == "" {
				port = "80"
			}
		}
		out[net.JoinHostPort(u.Hostname(), port)] = true
	}
	return out
}

// IsPublicAddress is isPublic for tests and callers that check an address
// before they hand it to another client.
func IsPublicAddress(ip netip.Addr) bool { return isPublic(ip) }
