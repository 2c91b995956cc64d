package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Prefixes of local image sources, as skopeo spells them.
const (
	OCILayoutPrefix     = "oci:"
	DockerArchivePrefix = "docker-archive:"
)

// Client pulls release payloads.
type Client struct {
	// Keychain authenticates to registries; nil means anonymous.
	Keychain authn.Keychain
	// Insecure allows plain HTTP (and unverified TLS) to registries.
	Insecure bool
	// CredentialsOverHTTP names the registries (host or host:port; "*" for
	// all) that may receive credentials over plain HTTP. It is the
	// operator's: STSRENDER_INSECURE_REGISTRIES, or a person's --insecure.
	// Insecure alone, which a config in Git sets, pulls anonymously over
	// plain HTTP, so a hostile config cannot make the operator's pull
	// secret travel in clear to a registry it names.
	CredentialsOverHTTP []string
	// Mirrors maps a source repository (or a prefix of it) to mirrors tried
	// in order before the source, for digest references only.
	Mirrors map[string][]string
	// Platform picks from multi-arch manifest lists; nil means linux/amd64.
	Platform *v1.Platform
	// Cache, when set, keeps payloads by image digest.
	Cache *Cache
	// Strict reads every layer as oc does instead of stopping at the
	// payload layer.
	Strict bool
	// Transport is the HTTP transport; nil means the default.
	Transport http.RoundTripper
	// Log receives warnings (tag references, mirror fall-backs).
	Log io.Writer
	// Progress reports download progress; nil means silent.
	Progress progressFunc
	// Limits bound what an image may make stsrender read; zero fields take
	// the defaults.
	Limits Limits
	// Timeouts bound every network step with a registry; zero fields take
	// the defaults.
	Timeouts Timeouts
	// Revalidate asks the registry (or a mirror) for the manifest even when
	// the payload is cached, so that an answer says the registry holds the
	// release (release info); renders trust a digest-keyed cache instead.
	Revalidate bool
	// Offline never contacts a registry: digest references are answered
	// from the cache or not at all.
	Offline bool
}

// Fetch returns the payload of a release image. ref is a registry reference
// (by digest, or by tag, which is resolved once), "oci:DIR" for an OCI image
// layout or "docker-archive:FILE" for a `docker save` tarball.
func (c *Client) Fetch(ctx context.Context, ref string) (*Payload, error) {
	switch {
	case strings.HasPrefix(ref, OCILayoutPrefix):
		return c.fetchLayout(strings.TrimPrefix(ref, OCILayoutPrefix))
	case strings.HasPrefix(ref, DockerArchivePrefix):
		img, err := c.imageFromArchive(strings.TrimPrefix(ref, DockerArchivePrefix))
		if err != nil {
			return nil, fmt.Errorf("open docker archive: %w", err)
		}
		return c.readPayload(img, nil)
	default:
		if err := notALocalPath(ref); err != nil {
			return nil, err
		}
		return c.fetchRemote(ctx, ref)
	}
}

// notALocalPath catches a local layout or archive given without its
// prefix: as a registry reference it would be looked up on Docker Hub.
func notALocalPath(ref string) error {
	info, err := os.Stat(ref)
	if err != nil {
		return nil
	}
	if info.IsDir() {
		return fmt.Errorf("%q is a local directory, not a registry reference: write %s%s for an OCI image layout", ref, OCILayoutPrefix, ref)
	}
	return fmt.Errorf("%q is a local file, not a registry reference: write %s%s for a docker save tarball", ref, DockerArchivePrefix, ref)
}

func (c *Client) platform() v1.Platform {
	if c.Platform != nil {
		return *c.Platform
	}
	return v1.Platform{OS: "linux", Architecture: "amd64"}
}

func (c *Client) key(digest string) string {
	return c.keyOf("payload/v1", digest)
}

// keyOf names the cache entry of one form (payload, parsed documents) of
// the image with this digest, read with this client's platform and mode.
func (c *Client) keyOf(form, digest string) string {
	return cacheKey(form, digest, c.platform().String(), fmt.Sprint(c.Strict))
}

func (c *Client) cached(digest string) *Payload {
	if c.Cache == nil {
		return nil
	}
	p := c.Cache.Get(c.key(digest))
	if p != nil {
		p.FromCache = true
	}
	return p
}

// store caches a verified payload. A cache that cannot be written (a
// read-only home, no HOME at all under some CI runners) costs a download
// next time, not this render: it is a warning.
func (c *Client) store(digest string, p *Payload) error {
	if c.Cache == nil {
		return nil
	}
	if err := c.Cache.Put(c.key(digest), p); err != nil {
		c.warn("release cache not written (set STSRENDER_CACHE_DIR to a writable directory): %v", err)
	}
	return nil
}

func (c *Client) readPayload(img v1.Image, open blobOpener) (*Payload, error) {
	p, err := readPayload(img, open, c.Strict, c.limits(), c.Progress)
	if err != nil {
		return nil, err
	}
	if !p.holdsAWSRequest() {
		return nil, fmt.Errorf("image %s yields no AWS CredentialsRequest under %s; every OpenShift release has several: is this an OpenShift release image?", p.Digest, PayloadDir)
	}
	return p, nil
}

func (c *Client) fetchLayout(dir string) (*Payload, error) {
	limit := c.limits().ManifestBytes
	if info, err := os.Stat(filepath.Join(dir, "index.json")); err == nil && info.Size() > limit {
		return nil, fmt.Errorf("OCI layout %s: %w", dir, &LimitError{What: "index.json", Limit: limit})
	}
	path, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
	}
	index, err := path.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
	}
	img, err := c.imageFromIndex(index, nil)
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	if p := c.cached(digest.String()); p != nil {
		return p, nil
	}
	p, err := c.readPayload(img, func(d v1.Descriptor) (io.ReadCloser, error) { return path.Blob(d.Digest) })
	if err != nil {
		return nil, err
	}
	return p, c.store(digest.String(), p)
}

// imageFromIndex picks the image of an OCI layout: its only image, or the
// one for the platform, following nested indexes no deeper than the limit
// and never through the same index twice.
func (c *Client) imageFromIndex(index v1.ImageIndex, seen []v1.Hash) (v1.Image, error) {
	if len(seen) >= c.limits().IndexDepth {
		return nil, fmt.Errorf("image indexes nest deeper than %d levels; a release image has at most one index", c.limits().IndexDepth)
	}
	if d, err := index.Digest(); err == nil {
		for _, s := range seen {
			if s == d {
				return nil, fmt.Errorf("image index %s lists itself (a cycle)", d)
			}
		}
		seen = append(seen, d)
	}
	im, err := index.IndexManifest()
	if err != nil {
		return nil, err
	}
	want := c.platform()
	var match *v1.Descriptor
	for i, d := range im.Manifests {
		if len(im.Manifests) == 1 || (d.Platform != nil && d.Platform.Satisfies(want)) {
			match = &im.Manifests[i]
			break
		}
	}
	if match == nil {
		return nil, fmt.Errorf("no image for platform %s", want)
	}
	if match.Size > c.limits().ManifestBytes {
		return nil, &LimitError{What: fmt.Sprintf("manifest %s", match.Digest), Limit: c.limits().ManifestBytes}
	}
	if match.MediaType.IsIndex() {
		for _, s := range seen {
			if s == match.Digest {
				return nil, fmt.Errorf("image index %s lists itself (a cycle)", match.Digest)
			}
		}
		child, err := index.ImageIndex(match.Digest)
		if err != nil {
			return nil, err
		}
		return c.imageFromIndex(child, seen)
	}
	return index.Image(match.Digest)
}

func (c *Client) fetchRemote(ctx context.Context, ref string) (*Payload, error) {
	var nameOpts []name.Option
	if c.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	parsed, err := name.ParseReference(ref, nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("release image %q: %w", ref, err)
	}
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithPlatform(c.platform()),
		remote.WithTransport(&schemeGuard{next: c.guardedTransport(), insecure: c.Insecure, credentials: c.CredentialsOverHTTP}),
		remote.WithRetryPredicate(retryable),
	}
	if c.Keychain != nil {
		opts = append(opts, remote.WithAuthFromKeychain(c.Keychain))
	}
	if digestRef, ok := parsed.(name.Digest); ok {
		if p := c.cached(digestRef.DigestStr()); p != nil {
			if c.Revalidate && !c.Offline {
				if err := c.headDigest(digestRef, nameOpts, opts); err != nil {
					return nil, err
				}
			}
			return p, nil
		}
		if c.Offline {
			return nil, fmt.Errorf("%s is not in the release cache; run without --offline to pull it", ref)
		}
		return c.pullDigest(ctx, digestRef, nameOpts, opts)
	}
	if c.Offline {
		return nil, fmt.Errorf("%s is a tag: only the registry can resolve it, so --offline needs a digest reference (…@sha256:…)", ref)
	}
	c.warn("release image %s is referenced by tag; pin it by digest (@sha256:…) so every render of this commit uses the same release", ref)
	head, err := remote.Head(parsed, opts...)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", ref, err)
	}
	digestRef := parsed.Context().Digest(head.Digest.String())
	if p := c.cached(digestRef.DigestStr()); p != nil {
		return p, nil
	}
	return c.pullDigest(ctx, digestRef, nameOpts, opts)
}

func (c *Client) pullDigest(ctx context.Context, ref name.Digest, nameOpts []name.Option, opts []remote.Option) (*Payload, error) {
	// One puller for the manifest and every blob: it authenticates once
	// per repository, and opens blobs by digest without asking the image.
	puller, err := remote.NewPuller(opts...)
	if err != nil {
		return nil, err
	}
	opts = append(opts, remote.Reuse(puller))
	var errs []error
	for _, candidate := range c.candidates(ref, nameOpts) {
		desc, err := remote.Get(candidate, opts...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", candidate, err))
			if candidate != ref {
				c.warn("mirror %s failed, trying the next source: %v", candidate.Context(), err)
			}
			continue
		}
		img, err := desc.Image()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", candidate, err)
		}
		repo := candidate.Context()
		p, err := c.readPayload(img, func(d v1.Descriptor) (io.ReadCloser, error) {
			layer, err := puller.Layer(ctx, repo.Digest(d.Digest.String()))
			if err != nil {
				return nil, err
			}
			return layer.Compressed()
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", candidate, err)
		}
		return p, c.store(ref.DigestStr(), p)
	}
	return nil, fmt.Errorf("pull release image: %w", errors.Join(errs...))
}

// headDigest confirms that a mirror or the source serves the manifest.
func (c *Client) headDigest(ref name.Digest, nameOpts []name.Option, opts []remote.Option) error {
	var errs []error
	for _, candidate := range c.candidates(ref, nameOpts) {
		if _, err := remote.Head(candidate, opts...); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", candidate, err))
			continue
		}
		return nil
	}
	return fmt.Errorf("the payload is cached, but no registry serves the release now (--offline answers from the cache alone): %w", errors.Join(errs...))
}

// candidates lists the mirrors of ref's repository, then ref itself.
func (c *Client) candidates(ref name.Digest, nameOpts []name.Option) []name.Digest {
	repo := ref.Context().Name()
	var out []name.Digest
	for source, mirrors := range c.Mirrors {
		if repo != source && !strings.HasPrefix(repo, strings.TrimSuffix(source, "/")+"/") {
			continue
		}
		for _, m := range mirrors {
			mirrored := strings.TrimSuffix(m, "/") + strings.TrimPrefix(repo, source) + "@" + ref.DigestStr()
			d, err := name.NewDigest(mirrored, nameOpts...)
			if err != nil {
				c.warn("ignoring mirror %q: %v", m, err)
				continue
			}
			out = append(out, d)
		}
	}
	return append(out, ref)
}

func (c *Client) transport() http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return remote.DefaultTransport
}

func (c *Client) warn(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "stsrender: warning: "+format+"\n", args...)
	}
}

// schemeGuard refuses plain HTTP unless insecure is set, and strips
// credentials from plain-HTTP requests to registries the operator did not
// name. go-containerregistry itself falls back to HTTP for loopback and
// private addresses, and sends the keychain's credentials (Basic to the
// token service, then the Bearer token) below this transport.
type schemeGuard struct {
	next        http.RoundTripper
	insecure    bool
	credentials []string
}

func (g *schemeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return g.next.RoundTrip(req)
	}
	if !g.insecure {
		return nil, fmt.Errorf("registry %s would be reached over plain HTTP; set spec.release.insecure: true (--insecure) if that is intended", req.URL.Host)
	}
	if req.Header.Get("Authorization") == "" || g.credentialsAllowed(req.URL.Host) {
		return g.next.RoundTrip(req)
	}
	anonymous := req.Clone(req.Context())
	anonymous.Header.Del("Authorization")
	resp, err := g.next.RoundTrip(anonymous)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		resp.Body.Close()
		return nil, fmt.Errorf("registry %s wants credentials over plain HTTP, and stsrender pulled anonymously: spec.release.insecure comes from the config, which cannot send the operator's credentials in clear. The operator allows it for this registry with %s=%s, or serves it over HTTPS", req.URL.Host, EnvInsecureRegistries, req.URL.Host)
	}
	return resp, err
}

func (g *schemeGuard) credentialsAllowed(host string) bool {
	hostname, _, _ := strings.Cut(host, ":")
	for _, allowed := range g.credentials {
		switch {
		case allowed == "*", strings.EqualFold(allowed, host):
			return true
		case !strings.Contains(allowed, ":") && strings.EqualFold(allowed, hostname):
			return true
		}
	}
	return false
}
