package release

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stsrender/stsrender/release/releasetest"
)

// FuzzLayerReader feeds arbitrary bytes to the payload layer reader as a
// layer blob (gzip, zstd or plain tar, as a registry might serve): it may
// fail, but must never panic, and never keep more than its limits allow.
func FuzzLayerReader(f *testing.F) {
	seed := func(entries []releasetest.Entry) {
		l, err := releasetest.Layer(entries)
		if err != nil {
			f.Fatal(err)
		}
		rc, _ := l.Compressed()
		var buf bytes.Buffer
		buf.ReadFrom(rc)
		f.Add(buf.Bytes())
		// The same layer uncompressed: a plain tar.
		zr, _ := gzip.NewReader(bytes.NewReader(buf.Bytes()))
		var plain bytes.Buffer
		plain.ReadFrom(zr)
		f.Add(plain.Bytes())
	}
	seed([]releasetest.Entry{realRequest, {Name: "release-manifests/release-metadata", Data: []byte(`{"version":"4.22.0"}`)}})
	seed([]releasetest.Entry{{Name: "release-manifests/.wh..wh..opq"}, {Name: "release-manifests/.wh.x.yaml"}, {Name: "release-manifests/", Type: '5'}})
	f.Add([]byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0})
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0})
	limits := Limits{LayerBytes: 1 << 20, FileBytes: 64 << 10, KeptBytes: 256 << 10, ManifestBytes: 1 << 20, IndexDepth: 4}
	f.Fuzz(func(t *testing.T, blob []byte) {
		layer := static.NewLayer(blob, types.DockerLayer)
		digest, _ := layer.Digest()
		r := &layerReader{limits: limits, hidden: map[string]bool{}, files: map[string][]byte{}}
		open := func(v1.Descriptor) (io.ReadCloser, error) { return layer.Compressed() }
		_, _, _ = r.read(open, v1.Descriptor{Digest: digest, Size: int64(len(blob)), MediaType: types.DockerLayer})
		var kept int64
		for name, data := range r.files {
			if int64(len(data)) > limits.FileBytes {
				t.Fatalf("%s kept with %d bytes, over the file limit", name, len(data))
			}
			kept += int64(len(data))
		}
		if kept > limits.KeptBytes {
			t.Fatalf("kept %d bytes, over the limit", kept)
		}
	})
}
