// Package releasetest builds OpenShift-shaped release images for tests,
// benchmarks and the examples: a base layer plus one payload layer holding
// release-manifests/, byte-for-byte reproducible.
package releasetest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// epoch is the modification time of every tar entry, for reproducible digests.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Entry is one file of a layer.
type Entry struct {
	Name string
	Data []byte
	// Type defaults to a regular file.
	Type byte
}

// Layer builds a gzip-compressed tar layer with entries in the given order.
func Layer(entries []Entry) (v1.Layer, error) {
	return layer(entries, gzip.BestCompression)
}

func layer(entries []Entry, level int) (v1.Layer, error) {
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	for _, e := range entries {
		typ := e.Type
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{Name: e.Name, Mode: 0o444, Size: int64(len(e.Data)), ModTime: epoch, Typeflag: typ}
		if typ == tar.TypeDir {
			hdr.Mode, hdr.Size = 0o777, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write(e.Data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, level)
	if _, err := io.Copy(zw, &tarBuf); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return static.NewLayer(gz.Bytes(), types.DockerLayer), nil
}

// PayloadEntries reads the files at the top of dir as release-manifests/
// entries, in name order, after a directory entry as `oc adm release new`
// writes it.
func PayloadEntries(dir string) ([]Entry, error) {
	files, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, f := range files {
		if !f.IsDir() {
			names = append(names, f.Name())
		}
	}
	sort.Strings(names)
	entries := []Entry{{Name: "release-manifests", Type: tar.TypeDir}}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		entries = append(entries, Entry{Name: "release-manifests/" + n, Data: data})
	}
	return entries, nil
}

// RandomLayer is an incompressible layer of about size bytes, standing in
// for the operating-system layers of the cluster-version-operator image.
func RandomLayer(size int64) (v1.Layer, error) {
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		return nil, err
	}
	// Random bytes do not compress; storing them keeps big test images fast.
	return layer([]Entry{{Name: "usr/lib/base.bin", Data: data}}, gzip.NoCompression)
}

// BaseLayer is a small reproducible stand-in for the cluster-version-operator
// image: its binary path and its own manifests, which oc does not read.
func BaseLayer() (v1.Layer, error) {
	return Layer([]Entry{
		{Name: "usr/bin/cluster-version-operator", Data: []byte("#!/bin/sh\necho stand-in for tests\n")},
		{Name: "manifests/0000_00_cluster-version-operator_00_namespace.yaml", Data: []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: openshift-cluster-version\n")},
	})
}

// Image stacks layers (lowest first) into a linux/amd64 image.
func Image(layers ...v1.Layer) (v1.Image, error) {
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Created = v1.Time{Time: epoch}
	cfg.Config.Labels = map[string]string{"io.openshift.release": "test"}
	return mutate.ConfigFile(img, cfg)
}

// ReleaseImage is BaseLayer (or the given base layers) plus the payload
// layer built from dir.
func ReleaseImage(dir string, base ...v1.Layer) (v1.Image, v1.Layer, error) {
	entries, err := PayloadEntries(dir)
	if err != nil {
		return nil, nil, err
	}
	payload, err := Layer(entries)
	if err != nil {
		return nil, nil, err
	}
	if len(base) == 0 {
		b, err := BaseLayer()
		if err != nil {
			return nil, nil, err
		}
		base = []v1.Layer{b}
	}
	img, err := Image(append(base, payload)...)
	if err != nil {
		return nil, nil, fmt.Errorf("build image from %s: %w", dir, err)
	}
	return img, payload, nil
}

// FillerEntries are n small unrelated manifests (ConfigMaps), padding a
// payload layer to the size of a real one (~900 files, about 1 MB).
func FillerEntries(n int) []Entry {
	entries := make([]Entry, n)
	for i := range entries {
		body := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler-%04d\n  namespace: openshift-config\ndata:\n", i)
		for j := 0; j < 30; j++ {
			// Digests, like the image references real manifests carry, keep
			// the layer about as incompressible as a real payload.
			body += fmt.Sprintf("  image-%02d: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:%x\n", j, sha256.Sum256([]byte(fmt.Sprint(i, "/", j))))
		}
		entries[i] = Entry{Name: fmt.Sprintf("release-manifests/0000_50_filler_%04d.yaml", i), Data: []byte(body)}
	}
	return entries
}

// WriteLayout builds the release image of a payload directory (the base
// layer plus its payload layer) as an OCI layout in dst.
func WriteLayout(payloadDir, dst string) error {
	img, _, err := ReleaseImage(payloadDir)
	if err != nil {
		return err
	}
	lp, err := layout.Write(dst, empty.Index)
	if err != nil {
		return err
	}
	return lp.AppendImage(img)
}
