package release

import (
	"archive/tar"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/release/releasetest"
)

func fileNames(p *Payload) []string {
	var names []string
	for n := range p.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var want422Files = []string{
	"0000_30_cluster-api_01_credentials-request.yaml",
	"0000_30_machine-api-operator_00_credentials-request.yaml",
	"0000_50_cloud-credential-operator_05-iam-ro-credentialsrequest.yaml",
	"0000_50_cluster-config-api_featureGate-4-10-SelfManagedHA-Default.yaml",
	"0000_50_cluster-config-api_featureGate-4-10-SelfManagedHA-TechPreviewNoUpgrade.yaml",
	"0000_50_cluster-image-registry-operator_01-registry-credentials-request.yaml",
	"0000_50_cluster-ingress-operator_00-ingress-credentials-request.yaml",
	"0000_50_cluster-network-operator_02-cncc-credentials.yaml",
	"0000_50_cluster-storage-operator_03_credentials_request_aws.yaml",
	"release-metadata",
}

// TestFetchReadsOnlyThePayloadLayer pulls a release whose large base layer
// sits below the payload layer: the base layer is never requested.
func TestFetchReadsOnlyThePayloadLayer(t *testing.T) {
	base, err := releasetest.RandomLayer(4 << 20)
	require.NoError(t, err)
	img, payload := payloadImage(t, "4.22", base)
	reg := newRegistry(t, nil)
	ref := reg.push(t, "ocp/release", "4.22.0", img)
	reg.reset()

	c := &Client{Insecure: true, Cache: &Cache{Dir: t.TempDir()}}
	p, err := fetch(t, c, ref)
	require.NoError(t, err)
	assert.Equal(t, want422Files, fileNames(p), "CredentialsRequest and FeatureGate files plus release-metadata are kept; the ConfigMap file is not")
	assert.Equal(t, "4.22.0", p.Version)
	assert.Equal(t, 1, p.PayloadLayer)
	require.Len(t, p.Layers, 2)

	baseDigest, _ := base.Digest()
	payloadDigest, _ := payload.Digest()
	joined := strings.Join(reg.requests(), "\n")
	assert.NotContains(t, joined, baseDigest.String(), "the base layer is never downloaded")
	assert.Contains(t, joined, "GET /v2/ocp/release/blobs/"+payloadDigest.String())
	size, _ := payload.Size()
	assert.Less(t, reg.served.Load(), size+8<<10, "bytes served: the payload layer and the manifest")

	m, err := p.Manifests("image")
	require.NoError(t, err)
	sel, err := Select(m.Documents, m.Version, Inclusion{})
	require.NoError(t, err)
	assert.Len(t, sel.Requests, 6, "4.22 Default keeps all AWS requests but capi")
}

func TestFetchWarmCacheMakesNoRequest(t *testing.T) {
	img, _ := payloadImage(t, "4.18")
	reg := newRegistry(t, nil)
	ref := reg.push(t, "ocp/release", "4.18.0", img)
	cache := &Cache{Dir: t.TempDir()}
	cold, err := fetch(t, &Client{Insecure: true, Cache: cache}, ref)
	require.NoError(t, err)

	warm, err := fetch(t, &Client{Insecure: true, Cache: cache, Transport: noNetwork{t}}, ref)
	require.NoError(t, err)
	assert.False(t, cold.FromCache)
	assert.True(t, warm.FromCache)
	warm.FromCache = false
	assert.Equal(t, cold, warm)

	info, err := os.Stat(filepath.Join(cache.Dir, "payloads"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "the entries directory stsrender creates is private")
}

func TestFetchCorruptCacheEntryIsRefetched(t *testing.T) {
	img, _ := payloadImage(t, "4.18")
	reg := newRegistry(t, nil)
	ref := reg.push(t, "ocp/release", "4.18.0", img)
	cache := &Cache{Dir: t.TempDir()}
	c := &Client{Insecure: true, Cache: cache}
	first, err := fetch(t, c, ref)
	require.NoError(t, err)

	entries, err := filepath.Glob(filepath.Join(cache.Dir, "payloads", "*.json"))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	data, err := os.ReadFile(entries[0])
	require.NoError(t, err)
	corrupted := strings.Replace(string(data), `"version":"4.18.0"`, `"version":"4.19.0"`, 1)
	require.True(t, corrupted != string(data), "the test must change the entry")
	require.NoError(t, os.WriteFile(entries[0], []byte(corrupted), 0o600))

	reg.reset()
	second, err := fetch(t, c, ref)
	require.NoError(t, err)
	assert.Equal(t, first, second, "the corrupted entry was detected and the payload fetched again")
	assert.NotEmpty(t, reg.requests())
}

func TestFetchTagFollowsMovedTag(t *testing.T) {
	reg := newRegistry(t, nil)
	img18, _ := payloadImage(t, "4.18")
	img22, _ := payloadImage(t, "4.22")
	cache := &Cache{Dir: t.TempDir()}
	var warnings strings.Builder
	c := &Client{Insecure: true, Cache: cache, Log: &warnings}
	tag := reg.host + "/ocp/release:stable"

	reg.push(t, "ocp/release", "stable", img18)
	p, err := fetch(t, c, tag)
	require.NoError(t, err)
	assert.Equal(t, "4.18.0", p.Version)
	assert.Contains(t, warnings.String(), "pin it by digest")

	reg.push(t, "ocp/release", "stable", img22)
	p, err = fetch(t, c, tag)
	require.NoError(t, err)
	assert.Equal(t, "4.22.0", p.Version, "the cache is keyed by digest, so a moved tag is followed")
}

func TestFetchManifestList(t *testing.T) {
	amd, _ := payloadImage(t, "4.22")
	arm, _ := payloadImage(t, "4.18")
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	reg := newRegistry(t, nil)
	ref, err := name.ParseReference(reg.host+"/ocp/release:multi", name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(ref, idx))
	d, _ := idx.Digest()
	digestRef := reg.host + "/ocp/release@" + d.String()

	p, err := fetch(t, &Client{Insecure: true}, digestRef)
	require.NoError(t, err)
	assert.Equal(t, "4.22.0", p.Version, "linux/amd64 by default")
	amdDigest, _ := amd.Digest()
	assert.Equal(t, amdDigest.String(), p.Digest)

	p, err = fetch(t, &Client{Insecure: true, Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}, digestRef)
	require.NoError(t, err)
	assert.Equal(t, "4.18.0", p.Version)
}

func TestFetchBasicAuth(t *testing.T) {
	img, _ := payloadImage(t, "4.18")
	reg := newRegistry(t, requireBasicAuth("puller", "s3cret-token"))
	ref := reg.pushAs(t, "ocp/release", "4.18.0", img, &authn.Basic{Username: "puller", Password: "s3cret-token"})

	kc, err := Keychain(readSecret(t, writeAuthFile(t, reg.host, "puller", "s3cret-token")))
	require.NoError(t, err)
	p, err := fetch(t, &Client{Insecure: true, Keychain: kc, CredentialsOverHTTP: []string{reg.host}}, ref)
	require.NoError(t, err)
	assert.Equal(t, "4.18.0", p.Version)

	// A repository-specific entry wins over the host entry.
	path := filepath.Join(t.TempDir(), "auth.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"auths":{"`+reg.host+`":{"auth":"`+b64("puller:wrong")+`"},"`+reg.host+`/ocp/release":{"auth":"`+b64("puller:s3cret-token")+`"}}}`), 0o600))
	kc, err = Keychain(readSecret(t, path))
	require.NoError(t, err)
	_, err = fetch(t, &Client{Insecure: true, Keychain: kc, CredentialsOverHTTP: []string{reg.host}}, ref)
	require.NoError(t, err, "host/namespace/repository is matched before host")

	kc, err = Keychain(readSecret(t, writeAuthFile(t, reg.host, "puller", "wrong-password")))
	require.NoError(t, err)
	_, err = fetch(t, &Client{Insecure: true, Keychain: kc, CredentialsOverHTTP: []string{reg.host}}, ref)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "UNAUTHORIZED")
	assert.NotContains(t, err.Error(), "wrong-password", "credentials never appear in errors")

	_, err = fetch(t, &Client{Insecure: true}, ref)
	require.Error(t, err, "anonymous pulls are refused")
}

// TestInsecureFromGitSendsNoCredentials: spec.release.insecure is Git's;
// a hostile config names a plain-HTTP registry it runs and waits for the
// operator's pull secret. Without the operator's opt-in the pull is
// anonymous: no Authorization header ever reaches the registry.
func TestInsecureFromGitSendsNoCredentials(t *testing.T) {
	img, _ := payloadImage(t, "4.18")
	var seen atomic.Int64
	recordAuth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "" {
				seen.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	}
	open := newRegistry(t, recordAuth)
	ref := open.push(t, "ocp/release", "4.18.0", img)
	kc, err := Keychain(readSecret(t, writeAuthFile(t, open.host, "puller", "s3cret-token")))
	require.NoError(t, err)
	p, err := fetch(t, &Client{Insecure: true, Keychain: kc}, ref)
	require.NoError(t, err, "a public image still pulls, anonymously")
	assert.Equal(t, "4.18.0", p.Version)
	assert.Zero(t, seen.Load(), "no credentials were sent over plain HTTP")

	// A registry that wants credentials gets none, and the error says who
	// may allow it.
	closed := newRegistry(t, func(next http.Handler) http.Handler {
		return recordAuth(requireBasicAuth("puller", "s3cret-token")(next))
	})
	ref = closed.pushAs(t, "ocp/release", "4.18.0", img, &authn.Basic{Username: "puller", Password: "s3cret-token"})
	seen.Store(0)
	kc, err = Keychain(readSecret(t, writeAuthFile(t, closed.host, "puller", "s3cret-token")))
	require.NoError(t, err)
	_, err = fetch(t, &Client{Insecure: true, Keychain: kc}, ref)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "wants credentials over plain HTTP, and stsrender pulled anonymously")
	assert.Contains(t, err.Error(), EnvInsecureRegistries+"="+closed.host)
	assert.Zero(t, seen.Load())

	// The operator's opt-in, per registry: another host's does not count.
	_, err = fetch(t, &Client{Insecure: true, Keychain: kc, CredentialsOverHTTP: []string{"other.example.com"}}, ref)
	require.Error(t, err)
	assert.Zero(t, seen.Load())
	settings, err := SettingsFromEnv(func(k string) string {
		return map[string]string{EnvInsecureRegistries: "other.example.com, " + closed.host}[k]
	})
	require.NoError(t, err)
	_, err = fetch(t, &Client{Insecure: true, Keychain: kc, CredentialsOverHTTP: settings.InsecureRegistries}, ref)
	require.NoError(t, err)
	assert.NotZero(t, seen.Load())
}

func TestKeychainErrors(t *testing.T) {
	t.Setenv("REGISTRY_AUTH_FILE", filepath.Join(t.TempDir(), "missing.json"))
	_, err := Keychain(nil)
	assert.ErrorContains(t, err, "read pull secret", "a REGISTRY_AUTH_FILE the operator named must exist")
	t.Setenv("REGISTRY_AUTH_FILE", "/dev/zero")
	_, err = Keychain(nil)
	assert.ErrorContains(t, err, "not a regular file", "a device is never read")
	_, err = Keychain(&PullSecret{Label: "spec.release.pullSecretFile (bad.json)", Data: []byte(`{"auths": "s3cret"`)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spec.release.pullSecretFile (bad.json)")
	assert.NotContains(t, err.Error(), "s3cret", "the pull secret's content is never echoed")
}

func readSecret(t *testing.T, path string) *PullSecret {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return &PullSecret{Label: path, Data: data}
}

func TestFetchDetectsTampering(t *testing.T) {
	img, payload := payloadImage(t, "4.22")
	digest, _ := payload.Digest()
	reg := newRegistry(t, tamper(digest.String()))
	ref := reg.push(t, "ocp/release", "4.22.0", img)
	cache := &Cache{Dir: t.TempDir()}
	_, err := fetch(t, &Client{Insecure: true, Cache: cache}, ref)
	require.Error(t, err)
	var integrity *IntegrityError
	require.True(t, errors.As(err, &integrity), "got %v", err)
	assert.Contains(t, err.Error(), "integrity check failed: blob "+digest.String())
	entries, _ := filepath.Glob(filepath.Join(cache.Dir, "payloads", "*.json"))
	assert.Empty(t, entries, "nothing from a tampered pull is cached")
}

func TestFetchWithUnwritableCacheWarns(t *testing.T) {
	img, _ := payloadImage(t, "4.18")
	reg := newRegistry(t, nil)
	ref := reg.push(t, "ocp/release", "4.18.0", img)
	blocked := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocked, nil, 0o600))
	var warnings strings.Builder
	p, err := fetch(t, &Client{Insecure: true, Cache: &Cache{Dir: filepath.Join(blocked, "cache")}, Log: &warnings}, ref)
	require.NoError(t, err, "a cache that cannot be written does not fail the pull")
	assert.Equal(t, "4.18.0", p.Version)
	assert.Contains(t, warnings.String(), "release cache not written (set STSRENDER_CACHE_DIR to a writable directory)")
}

func TestFetchTruncatedBlobIsADownloadError(t *testing.T) {
	img, payload := payloadImage(t, "4.22")
	digest, _ := payload.Digest()
	reg := newRegistry(t, truncate(digest.String()))
	ref := reg.push(t, "ocp/release", "4.22.0", img)
	_, err := fetch(t, &Client{Insecure: true}, ref)
	require.Error(t, err)
	var integrity *IntegrityError
	assert.False(t, errors.As(err, &integrity), "a cut connection is not tampering: %v", err)
	assert.Contains(t, err.Error(), "download:")
}

func TestFetchRefusesPlainHTTPUnlessInsecure(t *testing.T) {
	img, _ := payloadImage(t, "4.18")
	reg := newRegistry(t, nil)
	ref := reg.push(t, "ocp/release", "4.18.0", img)
	_, err := fetch(t, &Client{}, ref)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "would be reached over plain HTTP; set spec.release.insecure: true")
}

func TestFetchMirrors(t *testing.T) {
	img, _ := payloadImage(t, "4.22")
	mirror := newRegistry(t, nil)
	source := newRegistry(t, nil)
	ref := source.push(t, "openshift-release-dev/ocp-release", "4.22.0", img)
	mirror.push(t, "mirror/ocp-release", "4.22.0", img)
	source.reset()

	var warnings strings.Builder
	c := &Client{Insecure: true, Log: &warnings, Mirrors: map[string][]string{
		source.host + "/openshift-release-dev": {mirror.host + "/missing", mirror.host + "/mirror"},
	}}
	p, err := fetch(t, c, ref)
	require.NoError(t, err)
	assert.Equal(t, "4.22.0", p.Version)
	assert.Empty(t, source.requests(), "the working mirror served the pull")
	assert.Contains(t, warnings.String(), "mirror "+mirror.host+"/missing/ocp-release failed")
}

func TestFetchOCILayoutAndTarball(t *testing.T) {
	img, _ := payloadImage(t, "4.18")
	dir := t.TempDir()
	lp, err := layout.Write(dir, empty.Index)
	require.NoError(t, err)
	require.NoError(t, lp.AppendImage(img))
	p, err := fetch(t, &Client{Cache: &Cache{Dir: t.TempDir()}}, "oci:"+dir)
	require.NoError(t, err)
	assert.Equal(t, "4.18.0", p.Version)

	tarPath := filepath.Join(t.TempDir(), "release.tar")
	tag, err := name.NewTag("quay.io/openshift-release-dev/ocp-release:4.18.0")
	require.NoError(t, err)
	require.NoError(t, tarball.WriteToFile(tarPath, tag, img))
	p, err = fetch(t, &Client{}, "docker-archive:"+tarPath)
	require.NoError(t, err)
	assert.Equal(t, "4.18.0", p.Version)
	assert.Contains(t, p.Files, "0000_50_cluster-storage-operator_ibm-cloud-managed-cleanup.yaml")
}

// TestFetchStrictHonoursWhiteouts builds an image whose top layer deletes
// a payload file of the layer below: the default mode reads only the top
// payload layer; strict mode merges both and honours the whiteout.
func TestFetchStrictHonoursWhiteouts(t *testing.T) {
	lower, err := releasetest.Layer([]releasetest.Entry{
		{Name: "release-manifests/a-credentials.yaml", Data: []byte(crFile("lower-a"))},
		{Name: "release-manifests/b-credentials.yaml", Data: []byte(crFile("lower-b"))},
		{Name: "release-manifests/release-metadata", Data: []byte(`{"kind":"cincinnati-metadata-v0","version":"4.20.1"}`)},
	})
	require.NoError(t, err)
	upper, err := releasetest.Layer([]releasetest.Entry{
		{Name: "release-manifests/.wh.a-credentials.yaml", Type: tar.TypeReg},
		{Name: "release-manifests/c-credentials.yaml", Data: []byte(crFile("upper-c"))},
		{Name: "./release-manifests/ignored.yaml", Data: []byte(crFile("dot-slash"))},
	})
	require.NoError(t, err)
	img, err := releasetest.Image(lower, upper)
	require.NoError(t, err)
	dir := t.TempDir()
	lp, err := layout.Write(dir, empty.Index)
	require.NoError(t, err)
	require.NoError(t, lp.AppendImage(img))

	p, err := fetch(t, &Client{}, "oci:"+dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"c-credentials.yaml"}, fileNames(p), "only the top payload layer; entries must be named exactly release-manifests/")

	p, err = fetch(t, &Client{Strict: true}, "oci:"+dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"b-credentials.yaml", "c-credentials.yaml", "release-metadata"}, fileNames(p), "a-credentials.yaml is whited out")
	assert.Equal(t, -1, p.PayloadLayer)
}

func TestFetchNotAReleaseImage(t *testing.T) {
	base, err := releasetest.BaseLayer()
	require.NoError(t, err)
	img, err := releasetest.Image(base)
	require.NoError(t, err)
	dir := t.TempDir()
	lp, _ := layout.Write(dir, empty.Index)
	require.NoError(t, lp.AppendImage(img))
	_, err = fetch(t, &Client{}, "oci:"+dir)
	assert.ErrorContains(t, err, "not an OpenShift release image")
}

func TestCacheConcurrentWriters(t *testing.T) {
	img, _ := payloadImage(t, "4.22")
	reg := newRegistry(t, nil)
	ref := reg.push(t, "ocp/release", "4.22.0", img)
	dir := t.TempDir()
	var wg sync.WaitGroup
	results := make([]*Payload, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = (&Client{Insecure: true, Cache: &Cache{Dir: dir}}).Fetch(context.Background(), ref)
		}(i)
	}
	wg.Wait()
	for i := range results {
		require.NoError(t, errs[i])
		results[i].FromCache = false // a process may have found another's entry
		assert.Equal(t, results[0], results[i])
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "payloads", ".entry-*"))
	assert.Empty(t, leftovers, "no temporary files remain")
	warm, err := fetch(t, &Client{Insecure: true, Cache: &Cache{Dir: dir}, Transport: noNetwork{t}}, ref)
	require.NoError(t, err)
	warm.FromCache = false
	assert.Equal(t, results[0], warm)
}

func crFile(name string) string {
	return "apiVersion: cloudcredential.openshift.io/v1\nkind: CredentialsRequest\nmetadata:\n  name: " + name + "\n" +
		"spec:\n  secretRef: {namespace: ns, name: " + name + "}\n  serviceAccountNames: [sa]\n" +
		"  providerSpec:\n    apiVersion: cloudcredential.openshift.io/v1\n    kind: AWSProviderSpec\n" +
		"    statementEntries: [{effect: Allow, action: [\"s3:GetObject\"], resource: \"*\"}]\n"
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
