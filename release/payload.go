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
	// FromCache is set when the payload was read from the cache.
	FromCache bool `json:"-"`
}

// Manifests parses the payload files.
func (p *Payload) Manifests(label string) (*Manifests, error) {
	return parseManifestFiles(p.Files, label)
}

// Markers of the payload files worth keeping. A release holds hundreds of
// manifests; only these kinds and the metadata matter here, and a byte
// search is far cheaper than parsing every file.
var keepMarkers = [][]byte{[]byte("CredentialsRequest"), []byte("FeatureGate")}

// readPayload reads layers from the top down. In the default mode it stops
// after the first layer holding a regular file directly under
// release-manifests/, so the base layers below are never downloaded. strict
// reads every layer as oc does: higher layers win and whiteouts hide lower
// files.
func readPayload(img v1.Image, open blobOpener, strict bool, limits Limits, progress progressFunc) (*Payload, error) {
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("read image digest: %w", err)
	}
	manifest, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("read image manifest: %w", err)
	}
	if len(manifest.Layers) > limits.Layers {
		return nil, &CountLimitError{What: fmt.Sprintf("image %s: %d layers", digest, len(manifest.Layers)), Limit: limits.Layers, Env: EnvMaxLayers}
	}
	if open == nil {
		if open, err = layerOpener(img); err != nil {
			return nil, fmt.Errorf("read image layers: %w", err)
		}
	}
	p := &Payload{Digest: digest.String(), PayloadLayer: -1, Files: map[string][]byte{}}
	for _, l := range manifest.Layers {
		p.Layers = append(p.Layers, LayerInfo{Digest: l.Digest.String(), Size: l.Size, MediaType: string(l.MediaType)})
	}
	r := &layerReader{limits: limits, progress: progress, hidden: map[string]bool{}, files: p.Files}
	for i := len(manifest.Layers) - 1; i >= 0; i-- {
		desc := manifest.Layers[i]
		found, opaque, err := r.read(open, desc)
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, desc.Digest, err)
		}
		if found && !strict {
			p.PayloadLayer = i
			break
		}
		if strict && opaque {
			break
		}
	}
	if p.PayloadLayer < 0 && !strict {
		return nil, fmt.Errorf("image %s has no layer with files directly under %s: it is not an OpenShift release image", p.Digest, PayloadDir)
	}
	if meta, ok := p.Files[MetadataFile]; ok {
		if v, err := parseReleaseMetadata(meta); err == nil {
			p.Version = v.Raw
		}
	}
	return p, nil
}

// blobOpener opens a layer's compressed blob by its descriptor, without
// asking the image about the layer: go-containerregistry's OCI layout and
// remote images parse their whole manifest again for every layer they
// open (LayerByDigest, a remote layer's Compressed), which is quadratic in
// the layer count of a hostile image (5,000 tiny layers took minutes).
type blobOpener func(v1.Descriptor) (io.ReadCloser, error)

// layerOpener is the opener for images without a direct blob store (a
// docker archive): every layer looked up once, by digest in a map.
func layerOpener(img v1.Image) (blobOpener, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	byDigest := make(map[v1.Hash]v1.Layer, len(layers))
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, err
		}
		byDigest[d] = l
	}
	return func(desc v1.Descriptor) (io.ReadCloser, error) {
		l, ok := byDigest[desc.Digest]
		if !ok {
			return nil, fmt.Errorf("the image has no layer %s", desc.Digest)
		}
		return l.Compressed()
	}, nil
}

// layerReader keeps the payload files of the layers it reads, within the
// limits, tracking which names higher layers already decided.
type layerReader struct {
	limits   Limits
	progress progressFunc
	hidden   map[string]bool // names whited out or already seen in higher layers
	files    map[string][]byte
	kept     int64
}

// read verifies one layer blob against its digest and only then reads its
// tar entries, streaming: an entry that is not kept is skipped without being
// buffered, so memory stays near the kept bytes whatever the layer holds.
func (r *layerReader) read(open blobOpener, desc v1.Descriptor) (found, opaque bool, err error) {
	if desc.Size < 0 || desc.Size > r.limits.LayerBytes {
		return false, false, &LimitError{What: fmt.Sprintf("compressed layer size %d", desc.Size), Limit: r.limits.LayerBytes, Env: EnvMaxLayerSize}
	}
	blob, err := verifiedBlob(open, desc, r.progress)
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
	bounded := &boundedReader{r: content, left: r.limits.LayerBytes}
	tr := tar.NewReader(bounded)
	layerSeen := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if bounded.exceeded {
			return false, false, &LimitError{What: "uncompressed layer", Limit: r.limits.LayerBytes, Env: EnvMaxLayerSize}
		}
		if err != nil {
			return false, false, fmt.Errorf("read layer tar: %w", err)
		}
		name, ok := payloadEntry(hdr.Name)
		if !ok {
			continue
		}
		if name == ".wh..wh..opq" {
			opaque = true
			continue
		}
		if strings.HasPrefix(name, ".wh.") {
			r.hidden[strings.TrimPrefix(name, ".wh.")] = true
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		found = true
		if r.hidden[name] || strings.HasPrefix(name, ".") {
			continue // shadowed by a higher layer, or a hidden file no manifest reader would load
		}
		layerSeen[name] = true
		if err := r.keep(hdr, tr, name); err != nil {
			if bounded.exceeded {
				return false, false, &LimitError{What: "uncompressed layer", Limit: r.limits.LayerBytes, Env: EnvMaxLayerSize}
			}
			return false, false, err
		}
	}
	for name := range layerSeen {
		r.hidden[name] = true // a lower layer's copy is shadowed
	}
	return found, opaque, nil
}

// payloadEntry returns the file name of an entry directly under
// release-manifests/ (named exactly so, as oc reads it), and false for
// anything else, including the directory entry itself and files in its
// subdirectories.
func payloadEntry(tarName string) (string, bool) {
	name, ok := strings.CutPrefix(tarName, PayloadDir)
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	return name, true
}

// keep reads one payload file if it may matter, within the per-file and
// total limits. A large file is scanned for the markers in a bounded window
// rather than read whole: only a large file that would be kept is an error.
func (r *layerReader) keep(hdr *tar.Header, tr io.Reader, name string) error {
	if name != MetadataFile && !IsManifestFile(name) {
		return nil
	}
	entry := PayloadDir + name
	if hdr.Size > r.limits.FileBytes {
		if name == MetadataFile {
			return &LimitError{What: "entry " + entry, Limit: r.limits.FileBytes, Env: EnvMaxFileSize}
		}
		hit, err := containsAny(tr, keepMarkers)
		if err != nil {
			return fmt.Errorf("read %s: %w", entry, err)
		}
		if hit {
			return &LimitError{What: "entry " + entry, Limit: r.limits.FileBytes, Env: EnvMaxFileSize}
		}
		return nil
	}
	data, err := io.ReadAll(tr)
	if err != nil {
		return fmt.Errorf("read %s: %w", entry, err)
	}
	if name != MetadataFile && !bytes.Contains(data, keepMarkers[0]) && !bytes.Contains(data, keepMarkers[1]) {
		return nil
	}
	if r.kept+int64(len(data)) > r.limits.KeptBytes {
		return &LimitError{What: "the CredentialsRequest and FeatureGate files together (at " + entry + ")", Limit: r.limits.KeptBytes}
	}
	r.kept += int64(len(data))
	r.files[name] = data
	return nil
}

// containsAny scans r for any of the markers with a fixed-size window.
func containsAny(r io.Reader, markers [][]byte) (bool, error) {
	overlap := 0
	for _, m := range markers {
		overlap = max(overlap, len(m)-1)
	}
	buf := make([]byte, 64<<10)
	carry := 0
	for {
		n, err := r.Read(buf[carry:])
		window := buf[:carry+n]
		for _, m := range markers {
			if bytes.Contains(window, m) {
				return true, nil
			}
		}
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		carry = min(overlap, len(window))
		copy(buf, window[len(window)-carry:])
	}
}

// boundedReader fails once more than left bytes have been read.
type boundedReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var probe [1]byte
		if n, err := b.r.Read(probe[:]); n == 0 && errors.Is(err, io.EOF) {
			return 0, io.EOF // exactly at the limit is within it
		}
		b.exceeded = true
		return 0, errLayerTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

var errLayerTooLarge = errors.New("uncompressed layer too large")

// verifiedBlob downloads a layer's compressed blob to a temporary file,
// hashing every byte, and fails unless the whole blob matches its digest.
// Nothing in the blob is looked at before that, and no more than the
// declared size (plus one byte, to detect a longer blob) is ever written.
func verifiedBlob(open blobOpener, desc v1.Descriptor, progress progressFunc) (*os.File, error) {
	if desc.Digest.Algorithm != "sha256" {
		return nil, fmt.Errorf("unsupported digest algorithm %q", desc.Digest.Algorithm)
	}
	rc, err := open(desc)
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
	var src io.Reader = io.LimitReader(rc, desc.Size+1)
	if progress != nil {
		src = &progressReader{r: src, total: desc.Size, report: progress, label: desc.Digest.String()}
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
