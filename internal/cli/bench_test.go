package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/release/releasetest"
)

// BenchmarkDiffVersusRender diffs two real-sized releases (payload layers
// of about 900 manifests, like a real one) from a warm cache, beside a
// render of one of them: the diff should cost about two renders.
func BenchmarkDiffVersusRender(b *testing.B) {
	b.Setenv("STSRENDER_CACHE_DIR", b.TempDir())
	dir := b.TempDir()
	images := map[string]string{}
	for _, v := range []string{"4.18", "4.22"} {
		entries, err := releasetest.PayloadEntries(filepath.Join("..", "..", "release", "testdata", "payloads", v))
		require.NoError(b, err)
		payload, err := releasetest.Layer(append(entries, releasetest.FillerEntries(900)...))
		require.NoError(b, err)
		base, err := releasetest.BaseLayer()
		require.NoError(b, err)
		img, err := releasetest.Image(base, payload)
		require.NoError(b, err)
		lp, err := layout.Write(filepath.Join(dir, v), empty.Index)
		require.NoError(b, err)
		require.NoError(b, lp.AppendImage(img))
		images[v] = "oci:" + filepath.Join(dir, v)
	}
	cfg := writeConfigWith(b, strings.Replace(baseConfig, "    manifestsDir: @REQUESTS@\n", "    image: "+images["4.22"]+"\n", 1), "")
	out := b.TempDir()
	main := func(args ...string) int {
		var o, e bytes.Buffer
		return Main(context.Background(), args, Streams{In: strings.NewReader(""), Out: &o, Err: &e})
	}
	// Warm the cache with both releases.
	require.Equal(b, 2, main("diff", "--from", images["4.18"], "--to", images["4.22"], "-f", cfg))
	b.Run("render", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			require.Equal(b, 0, main("render", "-f", cfg, "-o", filepath.Join(out, "render")))
		}
	})
	b.Run("diff", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			require.Equal(b, 2, main("diff", "--from", images["4.18"], "--to", images["4.22"], "-f", cfg))
		}
	})
}
