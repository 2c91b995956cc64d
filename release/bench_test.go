package release

import (
	"context"
	"testing"

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
