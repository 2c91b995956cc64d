package release

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/release/releasetest"
)

// testRegistry is go-containerregistry's registry on a loopback port, with
// a log of requests and a count of the bytes it served.
type testRegistry struct {
	server *httptest.Server
	host   string
	served atomic.Int64
	mu     sync.Mutex
	log    []string
}

// newRegistry starts a registry; wrap may put auth or tampering in front.
func newRegistry(t testing.TB, wrap func(http.Handler) http.Handler) *testRegistry {
	t.Helper()
	r := &testRegistry{}
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.log = append(r.log, req.Method+" "+req.URL.Path)
		r.mu.Unlock()
		h.ServeHTTP(&countingWriter{ResponseWriter: w, n: &r.served}, req)
	}))
	t.Cleanup(r.server.Close)
	r.host = strings.TrimPrefix(r.server.URL, "http://")
	return r
}

func (r *testRegistry) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

func (r *testRegistry) reset() {
	r.mu.Lock()
	r.log = nil
	r.mu.Unlock()
	r.served.Store(0)
}

// push writes img under repo:tag and returns the digest reference.
func (r *testRegistry) push(t testing.TB, repo, tag string, img v1.Image) string {
	t.Helper()
	return r.pushAs(t, repo, tag, img, authn.Anonymous)
}

func (r *testRegistry) pushAs(t testing.TB, repo, tag string, img v1.Image, auth authn.Authenticator) string {
	t.Helper()
	ref, err := name.ParseReference(fmt.Sprintf("%s/%s:%s", r.host, repo, tag), name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.Write(ref, img, remote.WithAuth(auth)))
	d, err := img.Digest()
	require.NoError(t, err)
	return fmt.Sprintf("%s/%s@%s", r.host, repo, d)
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n.Add(int64(n))
	return n, err
}

// requireBasicAuth accepts user:pass only.
func requireBasicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, p, ok := r.BasicAuth()
			if !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// tamper flips one byte in every response for the blob digest.
func tamper(digest string) func(http.Handler) http.Handler {
	return rewriteBlob(digest, func(body []byte) []byte {
		body[len(body)/2] ^= 0xff
		return body
	})
}

// truncate serves half of the blob and closes the connection.
func truncate(digest string) func(http.Handler) http.Handler {
	return rewriteBlob(digest, func(body []byte) []byte { return body[:len(body)/2] })
}

func rewriteBlob(digest string, rewrite func([]byte) []byte) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/"+digest) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			full := len(rec.Body.Bytes())
			body := rewrite(rec.Body.Bytes())
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", fmt.Sprint(full))
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
			if len(body) < full {
				panic(http.ErrAbortHandler) // drop the connection mid-body
			}
		})
	}
}

func writeAuthFile(t testing.TB, host, user, pass string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pull-secret.json")
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	require.NoError(t, os.WriteFile(p, []byte(fmt.Sprintf(`{"auths":{"%s":{"auth":"%s","email":"x@example.com"}}}`, host, auth)), 0o600))
	return p
}

func payloadImage(t testing.TB, version string, base ...v1.Layer) (v1.Image, v1.Layer) {
	t.Helper()
	img, payload, err := releasetest.ReleaseImage(filepath.Join("testdata", "payloads", version), base...)
	require.NoError(t, err)
	return img, payload
}

// noNetwork fails every request: a warm, digest-pinned fetch must not make any.
type noNetwork struct{ t testing.TB }

func (n noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	n.t.Errorf("unexpected request %s %s", r.Method, r.URL)
	return nil, fmt.Errorf("network disabled in this test")
}

func fetch(t testing.TB, c *Client, ref string) (*Payload, error) {
	t.Helper()
	return c.Fetch(context.Background(), ref)
}

// Flush passes through, for handlers that stream.
func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
