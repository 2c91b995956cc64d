package release

import (
	"context"
	"fmt"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/release/releasetest"
)

// BenchmarkFetch pulls a ~130 MB release image whose payload layer is about
// 1 MB from a registry on loopback, and reports the bytes fetched against
// the minimum (payload layer + manifest + config), cold and warm times.
func BenchmarkFetch(b *testing.B) {
	base, err := releasetest.RandomLayer(130 << 20)
	require.NoError(b, err)
	entries, err := releasetest.PayloadEntries("testdata/payloads/4.22")
	require.NoError(b, err)
	payload, err := releasetest.Layer(append(entries, releasetest.FillerEntries(900)...))
	require.NoError(b, err)
	img, err := releasetest.Image(base, payload)
	require.NoError(b, err)
	reg := newRegistry(b, nil)
	ref := reg.push(b, "ocp/release", "4.22.0", img)

	payloadSize, _ := payload.Size()
	baseSize, _ := base.Size()
	manifest, _ := img.RawManifest()
	config, _ := img.RawConfigFile()
	minimum := payloadSize + int64(len(manifest)) + int64(len(config))
	b.Logf("image: base layer %d bytes, payload layer %d bytes; minimum to read %d bytes", baseSize, payloadSize, minimum)

	b.Run("cold", func(b *testing.B) {
		var served int64
		for i := 0; i < b.N; i++ {
			reg.reset()
			c := &Client{Insecure: true, Cache: &Cache{Dir: b.TempDir()}}
			p, err := c.Fetch(context.Background(), ref)
			require.NoError(b, err)
			require.Equal(b, "4.22.0", p.Version)
			served += reg.served.Load()
		}
		perOp := float64(served) / float64(b.N)
		b.ReportMetric(perOp, "bytes-fetched/op")
		b.ReportMetric(perOp/float64(minimum), "x-minimum")
		b.ReportMetric(float64(baseSize+payloadSize)/perOp, "x-less-than-oc")
	})
	b.Run("warm", func(b *testing.B) {
		cache := &Cache{Dir: b.TempDir()}
		_, err := (&Client{Insecure: true, Cache: cache}).Fetch(context.Background(), ref)
		require.NoError(b, err)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c := &Client{Insecure: true, Cache: cache, Transport: noNetwork{b}}
			_, err := c.Fetch(context.Background(), ref)
			require.NoError(b, err)
		}
	})
}

// realShapedPayload is a payload the size of a real 4.22 one: 28
// CredentialsRequests of several clouds with a dozen statements each, and
// four JSON FeatureGate manifests listing 200 gates (about 120 KB, like
// the 4.22 manifests).
func realShapedPayload() *Payload {
	p := &Payload{Digest: "sha256:real-shaped", Files: map[string][]byte{
		MetadataFile: []byte(`{"kind":"cincinnati-metadata-v0","version":"4.22.0"}`),
	}}
	providers := []string{"AWSProviderSpec", "AzureProviderSpec", "GCPProviderSpec", "OpenStackProviderSpec"}
	for i := range 28 {
		var cr strings.Builder
		fmt.Fprintf(&cr, "apiVersion: cloudcredential.openshift.io/v1\nkind: CredentialsRequest\nmetadata:\n  name: operator-%d\n  namespace: openshift-cloud-credential-operator\n  annotations:\n    capability.openshift.io/name: Storage\n    include.release.openshift.io/self-managed-high-availability: \"true\"\nspec:\n  secretRef:\n    namespace: openshift-operator-%d\n    name: cloud-credentials\n  serviceAccountNames:\n  - operator-%d\n  providerSpec:\n    apiVersion: cloudcredential.openshift.io/v1\n    kind: %s\n    statementEntries:\n", i, i, i, providers[i%len(providers)])
		for s := range 12 {
			fmt.Fprintf(&cr, "    - effect: Allow\n      action:\n      - ec2:DescribeInstances%d\n      - ec2:CreateTags%d\n      - elasticloadbalancing:DescribeLoadBalancers%d\n      resource: \"*\"\n", s, s, s)
		}
		p.Files[fmt.Sprintf("0000_50_operator-%02d_credentials-request.yaml", i)] = []byte(cr.String())
	}
	for _, set := range []string{"Default", "TechPreviewNoUpgrade", "DevPreviewNoUpgrade", "OKD"} {
		var gates []string
		for g := range 200 {
			gates = append(gates, fmt.Sprintf("{\n                        \"name\": \"FeatureGate%03d\"\n                    }", g))
		}
		fg := fmt.Sprintf(`{
    "apiVersion": "config.openshift.io/v1",
    "kind": "FeatureGate",
    "metadata": {
        "annotations": {
            "include.release.openshift.io/self-managed-high-availability": "false-except-for-the-config-operator",
            "release.openshift.io/feature-set": %q
        },
        "name": "cluster"
    },
    "spec": {},
    "status": {
        "featureGates": [
            {
                "disabled": [%s],
                "enabled": [%s],
                "version": ""
            }
        ]
    }
}
`, set, strings.Join(gates[:120], ", "), strings.Join(gates[120:], ", "))
		p.Files["0000_50_cluster-config-api_featureGate-"+set+".yaml"] = []byte(fg)
	}
	return p
}

// BenchmarkManifests reads the manifests of a real-shaped payload the way
// a warm render does: parsed from the payload's YAML, and decoded from the
// cached parsed form.
func BenchmarkManifests(b *testing.B) {
	p := realShapedPayload()
	size := 0
	for _, data := range p.Files {
		size += len(data)
	}
	b.Logf("payload manifests: %d files, %d bytes", len(p.Files), size)
	b.Run("parse", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, err := p.Manifests("img")
			require.NoError(b, err)
		}
	})
	b.Run("cached", func(b *testing.B) {
		c := &Client{Cache: &Cache{Dir: b.TempDir()}}
		_, err := c.manifestsForSelection(p, "img", nil)
		require.NoError(b, err)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			m, err := c.manifestsForSelection(p, "img", nil)
			require.NoError(b, err)
			require.Nil(b, m.Files, "read from the cached form")
		}
	})
}

// BenchmarkManyLayers reads an image whose payload sits under n tiny
// layers, from an OCI layout and from a loopback registry, with the layer
// cap raised. Time per layer is flat when reading is linear: 1,250 and
// 5,000 layers cost the same per layer (it was 9 ms against 36 ms).
func BenchmarkManyLayers(b *testing.B) {
	for _, n := range []int{1250, 5000} {
		layers := make([][]releasetest.Entry, n+1)
		layers[0] = []releasetest.Entry{realRequest}
		for i := 1; i <= n; i++ {
			layers[i] = []releasetest.Entry{{Name: fmt.Sprintf("usr/share/f%d", i), Data: []byte("x")}}
		}
		var ls []v1.Layer
		for _, entries := range layers {
			l, err := releasetest.Layer(entries)
			if err != nil {
				b.Fatal(err)
			}
			ls = append(ls, l)
		}
		img, err := releasetest.Image(ls...)
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		lp, err := layout.Write(dir, empty.Index)
		if err != nil {
			b.Fatal(err)
		}
		if err := lp.AppendImage(img); err != nil {
			b.Fatal(err)
		}
		reg := newRegistry(b, nil)
		remoteRef := reg.push(b, "ocp/release", "many", img)
		for source, ref := range map[string]string{"layout": "oci:" + dir, "registry": remoteRef} {
			b.Run(fmt.Sprintf("%s-%d-layers", source, n), func(b *testing.B) {
				c := &Client{Insecure: true, Limits: Limits{Layers: 10000}}
				for b.Loop() {
					if _, err := c.Fetch(context.Background(), ref); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n+1), "µs/layer")
			})
		}
	}
}
