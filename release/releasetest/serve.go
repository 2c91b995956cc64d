package releasetest

import (
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ServeLayout serves the image of an OCI layout (such as the quickstart's
// release-image) from a registry on loopback, stopped when the test ends,
// as repo:tag. It returns the digest reference and the server.
func ServeLayout(tb testing.TB, dir, repo, tag string) (string, *httptest.Server) {
	tb.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	tb.Cleanup(srv.Close)
	fail := func(err error) {
		if err != nil {
			tb.Fatalf("serve %s: %v", dir, err)
		}
	}
	index, err := layout.ImageIndexFromPath(dir)
	fail(err)
	manifest, err := index.IndexManifest()
	fail(err)
	img, err := index.Image(manifest.Manifests[0].Digest)
	fail(err)
	digest, err := img.Digest()
	fail(err)
	ref, err := name.ParseReference(strings.TrimPrefix(srv.URL, "http://")+"/"+repo+":"+tag, name.Insecure)
	fail(err)
	fail(remote.Write(ref, img))
	return ref.Context().Digest(digest.String()).String(), srv
}
