package release

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/zstd"
)

// PayloadDir is the directory of a release image that holds its manifests.
const PayloadDir = "release-manifests/"

// LayerInfo describes one layer of the release image.
type LayerInfo struct {
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	MediaType string `json:"mediaType"`
}

// Payload is what stsrender keeps of a release image: its identity, its
// layers, and the payload files that matter for credentials.
type Payload struct {
	// Digest is the image manifest digest (for one platform).
	Digest string `json:"digest"`
	// Version comes from release-metadata; empty when it has none.
	Version string      `json:"version,omitempty"`
	Layers  []LayerInfo `json:"layers"`
	// PayloadLayer is the index in Layers of the layer holding
	// release-manifests/, or -1 when all layers were read (strict mode).
	PayloadLayer int `json:"payloadLayer"`
	// Files maps payload file names (without release-manifests/) to their
	// bytes: release-metadata and every manifest file that holds a
	// CredentialsRequest or FeatureGate.
	Files map[string][]byte `json:"files"`
}

// Manifests parses the payload files.
func (p *Payload) Manifests(label string) (*Manifests, error) {
	return parseManifestFiles(p.Files, label)
}

// keepPayloadFile decides which payload files are stored. A release holds
// hundreds of manifests; only these two kinds and the metadata matter here,
// and a byte search is far cheaper than parsing every file.
func keepPayloadFile(name string, data []byte) bool {
	if name == MetadataFile {
		return true
	}
	return IsManifestFile(name) && (bytes.Contains(data, []byte("CredentialsRequest")) || bytes.Contains(data, []byte("FeatureGate")))
}

// readPayload reads layers from the top down. In the default mode it stops
// after the first layer holding release-manifests/ entries, so the base
// layers below are never downloaded. strict reads every layer as oc does:
// higher layers win and whiteouts hide lower files.
func readPayload(img v1.Image, strict bool, progress progressFunc) (*Payload, error) {
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("read image digest: %w", err)
	}
	manifest, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("read image manifest: %w", err)
	}
	p := &Payload{Digest: digest.String(), PayloadLayer: -1, Files: map[string][]byte{}}
	for _, l := range manifest.Layers {
		p.Layers = append(p.Layers, LayerInfo{Digest: l.Digest.String(), Size: l.Size, MediaType: string(l.MediaType)})
	}
	hidden := map[string]bool{} // names whited out or already seen in higher layers
	opaque := false
	for i := len(manifest.Layers) - 1; i >= 0 && !opaque; i-- {
		desc := manifest.Layers[i]
		layer, err := img.LayerByDigest(desc.Digest)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", desc.Digest, err)
		}
		found, layerOpaque, err := readLayer(layer, desc, hidden, p.Files, progress)
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, desc.Digest, err)
		}
		opaque = strict && layerOpaque
		if found && !strict {
			p.PayloadLayer = i
			break
		}
	}
	if len(p.Files) == 0 && p.PayloadLayer < 0 && !strict {
		return nil, fmt.Errorf("image %s has no %s entries: it is not an OpenShift release image", p.Digest, PayloadDir)
	}
	if meta, ok := p.Files[MetadataFile]; ok {
		if v, err := parseReleaseMetadata(meta); err == nil {
			p.Version = v.Raw
		}
	}
	return p, nil
}

// readLayer verifies one layer blob against its digest and only then reads
// its tar entries, keeping the payload files not hidden by higher layers.
func readLayer(layer v1.Layer, desc v1.Descriptor, hidden map[string]bool, files map[string][]byte, progress progressFunc) (found, opaque bool, err error) {
	blob, err := verifiedBlob(layer, desc, progress)
	if err != nil {
		return false, false, err
	}
	defer func() {
		blob.Close()
		os.Remove(blob.Name())
	}()
	content, err := decompress(bufio.NewReader(blob))
	if err != nil {
		return false, false, err
	}
	defer content.Close()
	tr := tar.NewReader(content)
	layerSeen := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, false, fmt.Errorf("read layer tar: %w", err)
		}
		if !strings.HasPrefix(hdr.Name, PayloadDir) {
			continue
		}
		found = true
		name := strings.TrimPrefix(hdr.Name, PayloadDir)
		if name == "" || strings.Contains(strings.TrimSuffix(name, "/"), "/") {
			continue // only the top level of release-manifests/ is the payload
		}
		base := path.Base(name)
		if base == ".wh..wh..opq" {
			opaque = true
			continue
		}
		if strings.HasPrefix(base, ".wh.") {
			hidden[strings.TrimPrefix(base, ".wh.")] = true
			continue
		}
		if hdr.Typeflag != tar.TypeReg || hidden[name] {
			continue
		}
		layerSeen[name] = true
		data, err := io.ReadAll(tr)
		if err != nil {
			return false, false, fmt.Errorf("read %s: %w", hdr.Name, err)
		}
		if keepPayloadFile(name, data) {
			files[name] = data
		}
	}
	for name := range layerSeen {
		hidden[name] = true // a lower layer's copy is shadowed
	}
	return found, opaque, nil
}

// verifiedBlob downloads a layer's compressed blob to a temporary file,
// hashing every byte, and fails unless the whole blob matches its digest.
// Nothing in the blob is looked at before that.
func verifiedBlob(layer v1.Layer, desc v1.Descriptor, progress progressFunc) (*os.File, error) {
	if desc.Digest.Algorithm != "sha256" {
		return nil, fmt.Errorf("unsupported digest algorithm %q", desc.Digest.Algorithm)
	}
	rc, err := layer.Compressed()
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	defer rc.Close()
	tmp, err := os.CreateTemp("", "stsrender-layer-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	h := sha256.New()
	var src io.Reader = rc
	if progress != nil {
		src = &progressReader{r: rc, total: desc.Size, report: progress, label: desc.Digest.String()}
	}
	n, copyErr := io.Copy(io.MultiWriter(tmp, h), src)
	got := "sha256:" + hex.EncodeToString(h.Sum(nil))
	switch {
	case got == desc.Digest.String() && n == desc.Size:
	case copyErr != nil && n < desc.Size:
		// Cut short: a transport problem, not evidence of tampering.
		return fail(fmt.Errorf("download: %w", copyErr))
	default:
		// Every byte arrived (go-containerregistry's own end-of-stream check
		// may have said so too): the content is not what the digest names.
		return fail(&IntegrityError{Digest: desc.Digest.String(), Got: got, Size: desc.Size, GotSize: n})
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	return tmp, nil
}

// IntegrityError reports a blob whose bytes do not match its digest.
type IntegrityError struct {
	Digest, Got   string
	Size, GotSize int64
}

func (e *IntegrityError) Error() string {
	return fmt.Sprintf("integrity check failed: blob %s has digest %s (%d bytes, expected %d); the registry, a mirror or a proxy served altered content, so nothing from it is used",
		e.Digest, e.Got, e.GotSize, e.Size)
}

func decompress(r *bufio.Reader) (io.ReadCloser, error) {
	magic, err := r.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		return gzip.NewReader(r)
	case len(magic) == 4 && bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		d, err := zstd.NewReader(r)
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	default:
		return io.NopCloser(r), nil
	}
}
