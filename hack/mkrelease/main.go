// Command mkrelease builds a small OpenShift-shaped release image as an OCI
// image layout: a stand-in base layer plus one layer holding
// release-manifests/ from a directory. The output is reproducible, so the
// layout shipped in examples/ can be checked against its source.
//
//	go run ./hack/mkrelease -from release/testdata/payloads/4.22 -to examples/quickstart/release-image
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/stsrender/stsrender/release/releasetest"
)

func main() {
	from := flag.String("from", "", "directory of release-manifests/ files")
	to := flag.String("to", "", "OCI layout directory to (re)create")
	flag.Parse()
	if *from == "" || *to == "" {
		fmt.Fprintln(os.Stderr, "usage: mkrelease -from DIR -to LAYOUT")
		os.Exit(2)
	}
	if err := build(*from, *to); err != nil {
		fmt.Fprintln(os.Stderr, "mkrelease:", err)
		os.Exit(1)
	}
}

func build(from, to string) error {
	img, _, err := releasetest.ReleaseImage(from)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(to); err != nil {
		return err
	}
	p, err := layout.Write(to, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendImage(img); err != nil {
		return err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	imgDigest, _ := img.Digest()
	fmt.Printf("wrote %s: image %s (index %s)\n", to, imgDigest, d)
	return nil
}
