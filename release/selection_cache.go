package release

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/stsrender/stsrender/render"
)

// FetchForSelection returns what Select needs of a release image's
// manifests. For a reference pinned by digest whose filtered form is
// cached it reads nothing else: not the payload, not the registry.
func (c *Client) FetchForSelection(ctx context.Context, ref, label string) (*Manifests, error) {
	pinned, isPinned := pinnedDigest(ref, c.Insecure)
	if isPinned && c.Cache != nil && !c.Revalidate && notALocalPath(ref) == nil {
		if m, _, ok := c.storedSelection(pinned, label); ok {
			return m, nil
		}
	}
	p, err := c.Fetch(ctx, ref)
	if err != nil {
		return nil, err
	}
	// A manifest list's digest is not the image's: the filtered form is
	// kept under both, so the next render by the list's digest finds it
	// (the platform is part of every key).
	var also []string
	if isPinned && pinned != p.Digest {
		also = append(also, pinned)
	}
	return c.manifestsForSelection(p, label, also)
}

// pinnedDigest is the digest of a registry reference pinned by digest.
func pinnedDigest(ref string, insecure bool) (string, bool) {
	if strings.HasPrefix(ref, OCILayoutPrefix) || strings.HasPrefix(ref, DockerArchivePrefix) {
		return "", false
	}
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	d, err := name.NewDigest(ref, opts...)
	if err != nil {
		return "", false
	}
	return d.DigestStr(), true
}

func (c *Client) selectionKey(digest string) string {
	return c.keyOf("selection/v1", digest)
}

// storedSelection reads the filtered form of the image with this digest;
// false when it is not cached (or unusable).
func (c *Client) storedSelection(digest, label string) (*Manifests, storedManifests, bool) {
	var stored storedManifests
	if !c.Cache.get(selectionEntries, c.selectionKey(digest), &stored) {
		return nil, storedManifests{}, false
	}
	m, err := stored.manifests(label)
	if err != nil {
		return nil, storedManifests{}, false
	}
	return m, stored, true
}

// manifestsForSelection returns what Select needs of a payload's
// manifests. With a cache, that is kept beside the payload under the same
// digest (and under the digests in also, none of which has it yet) in an
// already-filtered form: the CredentialsRequests whole, of each
// FeatureGate only its annotations and enabled gate names, nothing else.
// A warm render then decodes a little JSON instead of parsing every
// manifest's YAML, the largest share of a warm render on a real release
// (BenchmarkManifests).
//
// Documents read back this way have no YAML node (render.EncodeDocument
// cannot write them) and the Manifests have no Files: extract and release
// info read the payload with Payload.Manifests instead.
func (c *Client) manifestsForSelection(p *Payload, label string, also []string) (*Manifests, error) {
	if c.Cache != nil {
		if m, stored, ok := c.storedSelection(p.Digest, label); ok {
			c.storeSelection(also, stored)
			return m, nil
		}
	}
	// Parsed without the label so that the stored form serves any label;
	// on an error, parsed again for a message that names the image.
	m, err := p.Manifests("")
	if err != nil {
		return p.Manifests(label)
	}
	if c.Cache != nil {
		if stored, ok := storeManifests(m); ok {
			c.storeSelection(append([]string{p.Digest}, also...), stored)
		}
	}
	relabel(m, label)
	return m, nil
}

// storeSelection stores the filtered form under each digest.
func (c *Client) storeSelection(digests []string, stored storedManifests) {
	for _, digest := range digests {
		if err := c.Cache.put(selectionEntries, c.selectionKey(digest), stored); err != nil {
			c.warn("filtered release manifests not cached: %v", err)
			return
		}
	}
}

// relabel prefixes the documents' file names with label, as parsing with
// that label would have.
func relabel(m *Manifests, label string) {
	for i := range m.Documents {
		m.Documents[i].Source.File = filepath.Join(label, m.Documents[i].Source.File)
	}
}

type storedManifests struct {
	// Version is the release-metadata version; empty when there is none.
	Version   string           `json:"version,omitempty"`
	Documents []storedDocument `json:"documents"`
}

type storedDocument struct {
	File        string            `json:"file"`
	Index       int               `json:"index"`
	Item        int               `json:"item"`
	APIVersion  string            `json:"apiVersion"`
	Kind        string            `json:"kind"`
	Name        string            `json:"name,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Object      map[string]any    `json:"object"`
}

// storeManifests returns the stored form of m, or false when JSON cannot
// carry it exactly. A document's values are strings, bools, nil, int64 and
// json.Number literals that are not int64 (see render's nodeValue): read
// back, a number is int64 when it parses as one and a json.Number
// otherwise, so only a float64 (a YAML float such as .5, which no release
// writes) or an int64-shaped json.Number (an explicit !!float tag) would
// come back as another type. Such a release is parsed every time instead.
func storeManifests(m *Manifests) (storedManifests, bool) {
	var s storedManifests
	if m.Version != nil {
		s.Version = m.Version.Raw
	}
	for _, d := range m.Documents {
		object := d.Object
		switch {
		case render.IsCredentialsRequest(d):
		case IsFeatureGate(d):
			object = featureGateForSelection(d.Object)
		default:
			continue // Select reads nothing else
		}
		if !exactInJSON(object) {
			return storedManifests{}, false
		}
		s.Documents = append(s.Documents, storedDocument{
			File: d.Source.File, Index: d.Source.Index, Item: d.Source.Item,
			APIVersion: d.APIVersion, Kind: d.Kind, Name: d.Name, Namespace: d.Namespace,
			Annotations: d.Annotations, Object: object,
		})
	}
	return s, true
}

// featureGateForSelection keeps of a FeatureGate what enabledFeatureGates
// reads: the enabled gate names (disabled ones are half of its size).
func featureGateForSelection(obj map[string]any) map[string]any {
	var enabled []any
	for _, name := range gateNames(obj) {
		enabled = append(enabled, map[string]any{"name": name})
	}
	return map[string]any{
		"apiVersion": obj["apiVersion"],
		"kind":       obj["kind"],
		"metadata":   obj["metadata"],
		"status":     map[string]any{"featureGates": []any{map[string]any{"enabled": enabled}}},
	}
}

func exactInJSON(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for _, child := range v {
			if !exactInJSON(child) {
				return false
			}
		}
	case []any:
		for _, child := range v {
			if !exactInJSON(child) {
				return false
			}
		}
	case float64:
		return false
	case json.Number:
		_, err := strconv.ParseInt(string(v), 10, 64)
		return err != nil
	}
	return true
}

func (s storedManifests) manifests(label string) (*Manifests, error) {
	m := &Manifests{}
	if s.Version != "" {
		v, err := ParseVersion(s.Version)
		if err != nil {
			return nil, err
		}
		m.Version = v
	}
	for _, d := range s.Documents {
		if d.Object == nil {
			return nil, fmt.Errorf("stored document %s has no object", d.File)
		}
		m.Documents = append(m.Documents, render.Document{
			Source:     render.Source{File: d.File, Index: d.Index, Item: d.Item},
			APIVersion: d.APIVersion, Kind: d.Kind, Name: d.Name, Namespace: d.Namespace,
			Annotations: d.Annotations,
			Object:      restoreNumbers(d.Object).(map[string]any),
		})
	}
	relabel(m, label)
	return m, nil
}

// restoreNumbers turns the json.Number values decoded from the cache back
// into what the YAML parse produced: int64 when the literal is one.
func restoreNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			v[k] = restoreNumbers(child)
		}
	case []any:
		for i, child := range v {
			v[i] = restoreNumbers(child)
		}
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i
		}
	}
	return v
}
