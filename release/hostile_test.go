package release

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/release/releasetest"
)

// Each test here reproduces an attack by an untrusted registry, mirror or
// image and asserts the safe outcome. Limits are set small so that the
// attacks stay small: the code paths are those of the defaults.

// layoutOf writes img as an OCI layout and returns its oci: reference.
func layoutOf(t *testing.T, img v1.Image) string {
	t.Helper()
	dir := t.TempDir()
	lp, err := layout.Write(dir, empty.Index)
	require.NoError(t, err)
	require.NoError(t, lp.AppendImage(img))
	return "oci:" + dir
}

func imageOf(t *testing.T, layers ...[]releasetest.Entry) v1.Image {
	t.Helper()
	var ls []v1.Layer
	for _, entries := range layers {
		l, err := releasetest.Layer(entries)
		require.NoError(t, err)
		ls = append(ls, l)
	}
	img, err := releasetest.Image(ls...)
	require.NoError(t, err)
	return img
}

var realRequest = releasetest.Entry{Name: "release-manifests/0000_50_a_credentials.yaml", Data: []byte(crFile("a"))}

func TestHostileGzipBombIsCutAtTheLayerLimit(t *testing.T) {
	// 48 MiB of zeros gzip to about 48 KiB: the bomb is 1000 times its size.
	img := imageOf(t, []releasetest.Entry{realRequest, {Name: "usr/share/bomb", Data: make([]byte, 48<<20)}})
	cache := &Cache{Dir: t.TempDir()}
	_, err := fetch(t, &Client{Cache: cache, Limits: Limits{LayerBytes: 8 << 20}}, layoutOf(t, img))
	var limit *LimitError
	require.ErrorAs(t, err, &limit)
	assert.Contains(t, err.Error(), "layer 0 (sha256:", "the error names the layer")
	assert.Contains(t, err.Error(), "uncompressed layer exceeds 8.0 MiB")
	assert.Contains(t, err.Error(), EnvMaxLayerSize)
	entries, _ := os.ReadDir(filepath.Join(cache.Dir, "payloads"))
	assert.Empty(t, entries, "nothing is cached")
}

func TestHostileHugeCredentialsRequestIsRefusedByName(t *testing.T) {
	huge := append([]byte(crFile("huge")), bytes.Repeat([]byte("# padding\n"), 2<<20)...)
	img := imageOf(t, []releasetest.Entry{realRequest, {Name: "release-manifests/0000_50_huge.yaml", Data: huge}})
	_, err := fetch(t, &Client{Limits: Limits{FileBytes: 1 << 20}}, layoutOf(t, img))
	var limit *LimitError
	require.ErrorAs(t, err, &limit)
	assert.Contains(t, err.Error(), "entry release-manifests/0000_50_huge.yaml exceeds 1.0 MiB")
}

func TestHostileLargeUnrelatedManifestIsSkippedUnbuffered(t *testing.T) {
	// A large CRD-like file that is neither a CredentialsRequest nor a
	// FeatureGate is scanned in a window and skipped: real payloads have
	// manifests of several MiB.
	big := bytes.Repeat([]byte("kind: CustomResourceDefinition\n"), 100_000)
	img := imageOf(t, []releasetest.Entry{realRequest, {Name: "release-manifests/0000_50_big-crd.yaml", Data: big}})
	p, err := fetch(t, &Client{Limits: Limits{FileBytes: 1 << 20}}, layoutOf(t, img))
	require.NoError(t, err)
	assert.Equal(t, []string{"0000_50_a_credentials.yaml"}, fileNames(p))
}

func TestContainsAnyFindsMarkersAcrossReads(t *testing.T) {
	marker := []byte("CredentialsRequest")
	for _, offset := range []int{0, 1, 64<<10 - 5, 64 << 10, 200_000} {
		data := append(make([]byte, offset), marker...)
		data = append(data, make([]byte, 100)...)
		hit, err := containsAny(bytes.NewReader(data), [][]byte{marker})
		require.NoError(t, err)
		assert.True(t, hit, "marker at %d", offset)
	}
	hit, err := containsAny(bytes.NewReader(make([]byte, 300_000)), [][]byte{marker})
	require.NoError(t, err)
	assert.False(t, hit)
}

func TestHostileDirectoryOnlyLayerIsNotThePayload(t *testing.T) {
	payload := []releasetest.Entry{realRequest}
	decoy := []releasetest.Entry{
		{Name: "release-manifests/", Type: tar.TypeDir},
		{Name: "release-manifests/sub/0000_50_b_credentials.yaml", Data: []byte(crFile("sub"))},
	}
	p, err := fetch(t, &Client{}, layoutOf(t, imageOf(t, payload, decoy)))
	require.NoError(t, err)
	assert.Equal(t, 0, p.PayloadLayer, "the layer with a file directly under release-manifests/ is the payload")
	assert.Equal(t, []string{"0000_50_a_credentials.yaml"}, fileNames(p))
}

func TestHostileImageWithoutAWSRequests(t *testing.T) {
	img := imageOf(t, []releasetest.Entry{{Name: "release-manifests/0000_00_ns.yaml", Data: []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n")}})
	_, err := fetch(t, &Client{}, layoutOf(t, img))
	assert.ErrorContains(t, err, "yields no AWS CredentialsRequest")
	assert.ErrorContains(t, err, "is this an OpenShift release image?")
}

func TestHostileHiddenPayloadEntryIsIgnored(t *testing.T) {
	img := imageOf(t, []releasetest.Entry{realRequest, {Name: "release-manifests/.yaml", Data: []byte(crFile("hidden"))}})
	p, err := fetch(t, &Client{}, layoutOf(t, img))
	require.NoError(t, err)
	assert.Equal(t, []string{"0000_50_a_credentials.yaml"}, fileNames(p))
}

func TestHostileIndexListingItself(t *testing.T) {
	dir := t.TempDir()
	digest := fmt.Sprintf("%x", sha256.Sum256([]byte("not the content")))
	index := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","size":180,"digest":"sha256:` + digest + `"}]}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.json"), []byte(index), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blobs", "sha256", digest), []byte(index), 0o644))
	_, err := fetch(t, &Client{}, "oci:"+dir)
	require.Error(t, err)
	assert.Regexp(t, "lists itself|nest deeper than", err.Error())
}

func TestHostileOversizeIndexJSON(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.json"), bytes.Repeat([]byte(" "), 2<<20), 0o644))
	_, err := fetch(t, &Client{Limits: Limits{ManifestBytes: 1 << 20}}, "oci:"+dir)
	assert.ErrorContains(t, err, "index.json exceeds 1.0 MiB")
}

// manifestOnce counts how often the image's manifest is parsed and fails
// the test when a layer is asked of the image: go-containerregistry parses
// the whole manifest again for each, quadratic in the number of layers.
type manifestOnce struct {
	v1.Image
	t      *testing.T
	parsed *int
}

func (m manifestOnce) Manifest() (*v1.Manifest, error) {
	*m.parsed++
	return m.Image.Manifest()
}

func (m manifestOnce) Layers() ([]v1.Layer, error) {
	m.t.Fatal("the image's Layers() is never asked for: each layer in it parses the manifest")
	return nil, nil
}

func (m manifestOnce) LayerByDigest(v1.Hash) (v1.Layer, error) {
	m.t.Fatal("layers are opened by descriptor, never looked up in the image")
	return nil, nil
}

// TestHostileManyLayersCostLinearTime: 300 tiny layers above the payload
// are read with one manifest parse and one blob opening each.
func TestHostileManyLayersCostLinearTime(t *testing.T) {
	layers := make([][]releasetest.Entry, 300)
	layers[0] = []releasetest.Entry{realRequest}
	for i := 1; i < len(layers); i++ {
		layers[i] = []releasetest.Entry{{Name: fmt.Sprintf("usr/share/f%d", i), Data: []byte("x")}}
	}
	inner := imageOf(t, layers...)
	ls, err := inner.Layers()
	require.NoError(t, err)
	blobs := map[v1.Hash]v1.Layer{}
	for _, l := range ls {
		d, err := l.Digest()
		require.NoError(t, err)
		blobs[d] = l
	}
	opened := 0
	open := func(d v1.Descriptor) (io.ReadCloser, error) {
		opened++
		return blobs[d.Digest].Compressed()
	}
	parsed := 0
	p, err := readPayload(manifestOnce{Image: inner, t: t, parsed: &parsed}, open, false, DefaultLimits(), nil)
	require.NoError(t, err)
	assert.Equal(t, 0, p.PayloadLayer)
	assert.Equal(t, 1, parsed, "the manifest is parsed once")
	assert.Equal(t, 300, opened, "each layer is opened once")

	_, err = readPayload(inner, open, false, Limits{Layers: 299, LayerBytes: 1 << 20, FileBytes: 1 << 20, KeptBytes: 1 << 20}, nil)
	var count *CountLimitError
	require.ErrorAs(t, err, &count)
	assert.Contains(t, err.Error(), "300 layers, over the limit of 299")
	assert.Contains(t, err.Error(), EnvMaxLayers)
}

func TestHostileOversizeManifestFromRegistry(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/manifests/") {
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Write(bytes.Repeat([]byte(" "), 3<<20)) // no Content-Length: chunked
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/ocp/release@sha256:" + strings.Repeat("a", 64)
	_, err := fetch(t, &Client{Insecure: true, Limits: Limits{ManifestBytes: 1 << 20}}, ref)
	assert.ErrorContains(t, err, "exceeds 1.0 MiB")
}

func TestHostileRegistryThatNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() { // accept and say nothing
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	start := time.Now()
	_, err = fetch(t, &Client{Insecure: true, Timeouts: Timeouts{Connect: 300 * time.Millisecond, Response: 300 * time.Millisecond}}, ln.Addr().String()+"/ocp/release@sha256:"+strings.Repeat("a", 64))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "registry "+ln.Addr().String()+": no response within 300ms ("+EnvResponseTimeout+")")
	assert.Contains(t, err.Error(), "registry "+ln.Addr().String()+": TLS handshake not done within 300ms ("+EnvConnectTimeout+")", "the HTTPS attempt of the ping is bounded by the connect timeout")
	assert.Less(t, time.Since(start), 20*time.Second, "fails long before anyone kills it")
}

func TestHostileRegistryThatTrickles(t *testing.T) {
	img := imageOf(t, []releasetest.Entry{realRequest, {Name: "usr/share/pad", Data: bytes.Repeat([]byte("abcdefgh"), 4096)}})
	reg := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.Contains(r.URL.Path, "/blobs/") || r.Method != http.MethodGet {
				next.ServeHTTP(w, r)
				return
			}
			for i := 0; i < 100; i++ { // a byte every 50 ms, until the client gives up
				if _, err := w.Write([]byte{0}); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	})
	ref := reg.push(t, "ocp/release", "4.99.0", img)
	_, err := fetch(t, &Client{Insecure: true, Timeouts: Timeouts{Stall: 300 * time.Millisecond}}, ref)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "registry "+reg.host+": transfer stalled: fewer than 1024 bytes in 300ms ("+EnvStallTimeout+")")
}

func TestCacheInSharedDirectoryUsesAPrivateSubdirectory(t *testing.T) {
	shared := t.TempDir()
	require.NoError(t, os.Chmod(shared, 0o1777))
	img := imageOf(t, []releasetest.Entry{realRequest})
	ref := layoutOf(t, img)
	cache := &Cache{Dir: shared}
	_, err := fetch(t, &Client{Cache: cache}, ref)
	require.NoError(t, err)
	info, err := os.Stat(shared)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o777), info.Mode().Perm(), "a directory stsrender did not create keeps its mode")
	private := filepath.Join(shared, fmt.Sprintf("stsrender-%d", os.Getuid()))
	pinfo, err := os.Stat(filepath.Join(private, "payloads"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), pinfo.Mode().Perm())
	entries, err := os.ReadDir(filepath.Join(private, "payloads"))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "the entry lives in the private subdirectory")

	// Someone else planted the private directory first: it is not trusted.
	require.NoError(t, os.Chmod(private, 0o777))
	var log bytes.Buffer
	cache.Log = &log
	assert.Nil(t, cache.Get("anything"))
	assert.Contains(t, log.String(), "is not a private directory of this user")
	assert.Error(t, cache.Put("anything", &Payload{}))
}

func TestCacheThroughSymlinkKeepsTheTargetMode(t *testing.T) {
	target := t.TempDir()
	require.NoError(t, os.Chmod(target, 0o755))
	link := filepath.Join(t.TempDir(), "cache")
	require.NoError(t, os.Symlink(target, link))
	_, err := fetch(t, &Client{Cache: &Cache{Dir: link}}, layoutOf(t, imageOf(t, []releasetest.Entry{realRequest})))
	require.NoError(t, err)
	info, err := os.Stat(target)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), info.Mode().Perm())
}

func TestSettingsFromEnv(t *testing.T) {
	env := map[string]string{EnvMaxLayerSize: "512MiB", EnvMaxFileSize: "1048576", EnvStallTimeout: "2m"}
	s, err := SettingsFromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, int64(512<<20), s.Limits.LayerBytes)
	assert.Equal(t, int64(1<<20), s.Limits.FileBytes)
	assert.Equal(t, 2*time.Minute, s.Timeouts.Stall)
	assert.Equal(t, DefaultTimeouts().Connect, s.Timeouts.Connect)
	for k, v := range map[string]string{EnvMaxLayerSize: "lots", EnvConnectTimeout: "-1s", EnvMaxFileSize: "0"} {
		_, err := SettingsFromEnv(func(key string) string {
			if key == k {
				return v
			}
			return ""
		})
		assert.ErrorContains(t, err, k)
	}
}
