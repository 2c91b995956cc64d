package release

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

// testPayload holds the files of a testdata payload, as readPayload keeps
// them, plus extra files.
func testPayload(t *testing.T, version string, extra map[string]string) *Payload {
	t.Helper()
	dir := filepath.Join("testdata", "payloads", version)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	p := &Payload{Digest: "sha256:" + version, Files: map[string][]byte{}}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		p.Files[e.Name()] = data
	}
	for name, text := range extra {
		p.Files[name] = []byte(text)
	}
	return p
}

// withoutNodes drops the YAML nodes, which only a parse has.
func withoutNodes(m *Manifests) []render.Document {
	docs := append([]render.Document(nil), m.Documents...)
	for i := range docs {
		docs[i].Node = nil
	}
	return docs
}

// requestsOf keeps the CredentialsRequests, which the stored form keeps
// whole.
func requestsOf(docs []render.Document) []render.Document {
	var out []render.Document
	for _, d := range docs {
		if render.IsCredentialsRequest(d) {
			d.Node = nil
			out = append(out, d)
		}
	}
	return out
}

// sameSelections asserts that Select decides alike on both, for several
// clusters.
func sameSelections(t *testing.T, want, got *Manifests) {
	t.Helper()
	for _, in := range []Inclusion{{}, {FeatureSet: "TechPreviewNoUpgrade"}, {Capabilities: &Capabilities{BaselineCapabilitySet: "None"}}} {
		a, err := Select(want.Documents, want.Version, in)
		require.NoError(t, err)
		b, err := Select(got.Documents, got.Version, in)
		require.NoError(t, err)
		assert.Equal(t, a, b, "selection for %+v", in)
	}
}

// numbersCR holds every kind of value a document keeps (see nodeValue).
const numbersCR = `apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata:
  name: numbers
  namespace: openshift-cloud-credential-operator
spec:
  secretRef: {namespace: ns, name: numbers}
  serviceAccountNames: [sa]
  providerSpec:
    apiVersion: cloudcredential.openshift.io/v1
    kind: AWSProviderSpec
    statementEntries:
    - effect: Allow
      action: ["s3:GetObject"]
      resource: "*"
      policyCondition:
        NumericLessThan:
          "aws:MultiFactorAuthAge": [42, -7, 0x1F, 18446744073709551617, 1.50, 1e3]
        Bool: {"aws:SecureTransport": true}
        StringEquals: {"aws:RequestTag/when": 2024-01-01, "aws:RequestTag/none": null}
`

func TestSelectionCacheFromTheCacheSelectAlike(t *testing.T) {
	for _, version := range []string{"4.14", "4.18", "4.22"} {
		t.Run(version, func(t *testing.T) {
			p := testPayload(t, version, map[string]string{"0000_50_numbers.yaml": numbersCR})
			parsed, err := p.Manifests("quay.io/ocp/release@sha256:x")
			require.NoError(t, err)
			cache := &Cache{Dir: t.TempDir()}
			c := &Client{Cache: cache}

			first, err := c.manifestsForSelection(p, "quay.io/ocp/release@sha256:x", nil)
			require.NoError(t, err)
			assert.Equal(t, withoutNodes(parsed), withoutNodes(first), "the first read is the parse")
			stored, err := filepath.Glob(filepath.Join(cache.Dir, selectionEntries, "*.json"))
			require.NoError(t, err)
			require.Len(t, stored, 1, "the parsed form is kept")

			second, err := c.manifestsForSelection(p, "quay.io/ocp/release@sha256:x", nil)
			require.NoError(t, err)
			assert.Equal(t, requestsOf(parsed.Documents), requestsOf(second.Documents), "read back, the requests are the parse's: int64 and json.Number literals alike")
			assert.Equal(t, parsed.Version, second.Version)
			sameSelections(t, parsed, second)
			assert.Nil(t, second.Files, "extract reads files from the payload, never from here")

			other, err := c.manifestsForSelection(p, "oci:elsewhere", nil)
			require.NoError(t, err)
			assert.Equal(t, filepath.Join("oci:elsewhere", second.Documents[0].Source.File[len("quay.io/ocp/release@sha256:x/"):]), other.Documents[0].Source.File, "one stored form serves any label")
		})
	}
}

func TestSelectionCacheThatJSONCannotCarryAreParsedEachTime(t *testing.T) {
	float := map[string]string{"0000_50_float.yaml": strings.Replace(numbersCR, "[42,", "[.5, 42,", 1)}
	tagged := map[string]string{"0000_50_tagged.yaml": strings.Replace(numbersCR, "[42,", "[!!float 10, 42,", 1)}
	for name, extra := range map[string]map[string]string{"a YAML float": float, "an int-shaped float literal": tagged} {
		t.Run(name, func(t *testing.T) {
			p := testPayload(t, "4.22", extra)
			parsed, err := p.Manifests("img")
			require.NoError(t, err)
			cache := &Cache{Dir: t.TempDir()}
			c := &Client{Cache: cache}
			for range 2 {
				m, err := c.manifestsForSelection(p, "img", nil)
				require.NoError(t, err)
				assert.Equal(t, withoutNodes(parsed), withoutNodes(m))
			}
			stored, _ := filepath.Glob(filepath.Join(cache.Dir, selectionEntries, "*.json"))
			assert.Empty(t, stored, "a value JSON would change is never stored")
		})
	}
}

func TestSelectionCacheCorruptStoredFormIsParsedAgain(t *testing.T) {
	p := testPayload(t, "4.22", nil)
	parsed, err := p.Manifests("img")
	require.NoError(t, err)
	cache := &Cache{Dir: t.TempDir()}
	c := &Client{Cache: cache}
	_, err = c.manifestsForSelection(p, "img", nil)
	require.NoError(t, err)
	stored, _ := filepath.Glob(filepath.Join(cache.Dir, selectionEntries, "*.json"))
	require.Len(t, stored, 1)
	data, err := os.ReadFile(stored[0])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(stored[0], append([]byte(nil), data[:len(data)/2]...), 0o600))

	m, err := c.manifestsForSelection(p, "img", nil)
	require.NoError(t, err)
	assert.Equal(t, withoutNodes(parsed), withoutNodes(m), "parsed again")
	again, err := os.ReadFile(stored[0])
	require.NoError(t, err)
	assert.Equal(t, data, again, "the truncated entry was replaced")
}

func TestSelectionCacheParseErrorNamesTheImage(t *testing.T) {
	p := testPayload(t, "4.22", map[string]string{"0000_50_broken.yaml": "kind: [\n"})
	c := &Client{Cache: &Cache{Dir: t.TempDir()}}
	_, err := c.manifestsForSelection(p, "quay.io/ocp/release@sha256:x", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "quay.io/ocp/release@sha256:x/0000_50_broken.yaml")
}

func TestFetchForSelectionWarmReadsOnlyTheFilteredForm(t *testing.T) {
	img, _ := payloadImage(t, "4.22")
	reg := newRegistry(t, nil)
	ref := reg.push(t, "ocp/release", "4.22.0", img)
	cache := &Cache{Dir: t.TempDir()}
	cold, err := (&Client{Insecure: true, Cache: cache}).FetchForSelection(context.Background(), ref, "img")
	require.NoError(t, err)

	// Without the payload entry and without a network, the filtered form
	// alone answers a digest-pinned reference.
	payloads, err := filepath.Glob(filepath.Join(cache.Dir, payloadEntries, "*.json"))
	require.NoError(t, err)
	require.Len(t, payloads, 1)
	require.NoError(t, os.Remove(payloads[0]))
	warm, err := (&Client{Insecure: true, Cache: cache, Transport: noNetwork{t}}).FetchForSelection(context.Background(), ref, "img")
	require.NoError(t, err)
	assert.Equal(t, requestsOf(cold.Documents), requestsOf(warm.Documents))
	sameSelections(t, cold, warm)

	// release info's revalidation still asks the registry.
	reg.reset()
	_, err = (&Client{Insecure: true, Cache: cache, Revalidate: true}).FetchForSelection(context.Background(), ref, "img")
	require.NoError(t, err)
	assert.NotEmpty(t, reg.requests())
}

func TestFetchForSelectionByTagAsksTheRegistry(t *testing.T) {
	img, _ := payloadImage(t, "4.22")
	reg := newRegistry(t, nil)
	ref := reg.push(t, "ocp/release", "4.22.0", img)
	tag := ref[:strings.Index(ref, "@")] + ":4.22.0"
	cache := &Cache{Dir: t.TempDir()}
	_, err := (&Client{Insecure: true, Cache: cache}).FetchForSelection(context.Background(), tag, "img")
	require.NoError(t, err)
	reg.reset()
	_, err = (&Client{Insecure: true, Cache: cache}).FetchForSelection(context.Background(), tag, "img")
	require.NoError(t, err)
	assert.NotEmpty(t, reg.requests(), "a tag can move: only the registry resolves it")
}

// TestFetchForSelectionByManifestListDigest: a release pinned by the digest
// of a manifest list is answered from the filtered form too, although the
// payload is the platform image's.
func TestFetchForSelectionByManifestListDigest(t *testing.T) {
	amd, _ := payloadImage(t, "4.22")
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	reg := newRegistry(t, nil)
	tag, err := name.ParseReference(reg.host+"/ocp/release:multi", name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(tag, idx))
	d, err := idx.Digest()
	require.NoError(t, err)
	ref := reg.host + "/ocp/release@" + d.String()

	cache := &Cache{Dir: t.TempDir()}
	cold, err := (&Client{Insecure: true, Cache: cache}).FetchForSelection(context.Background(), ref, "img")
	require.NoError(t, err)
	payloads, err := filepath.Glob(filepath.Join(cache.Dir, payloadEntries, "*.json"))
	require.NoError(t, err)
	for _, p := range payloads {
		require.NoError(t, os.Remove(p))
	}
	warm, err := (&Client{Insecure: true, Cache: cache, Transport: noNetwork{t}}).FetchForSelection(context.Background(), ref, "img")
	require.NoError(t, err)
	sameSelections(t, cold, warm)

	arm := &Client{Insecure: true, Cache: cache, Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}
	_, err = arm.FetchForSelection(context.Background(), ref, "img")
	assert.ErrorContains(t, err, "no child with platform linux/arm64", "another platform is another key: never answered with amd64's form")
}
