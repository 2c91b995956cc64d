package release

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/render"
)

// Manifests is what a source yields: the parsed documents of every manifest
// file and the release version when the source knows it.
type Manifests struct {
	Documents []render.Document
	// Files maps each manifest file name to its bytes, for extract.
	Files map[string][]byte
	// Version is nil when the source has no release-metadata.
	Version *Version
	// GatesDecided is set for a directory its extractor wrote without the
	// release's FeatureGate manifests (oc adm release extract
	// --credentials-requests writes requests only, after applying the
	// cluster's feature set): the feature-gate annotations were decided
	// then and cannot be evaluated now. A directory stsrender extract wrote
	// carries the FeatureGates in ContextDir and is evaluated exactly.
	GatesDecided bool
}

// IsManifestFile reports whether a payload or directory entry is read as
// manifests: .yaml, .yml and .json files, as oc does.
func IsManifestFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// ContextDir is the subdirectory of an extracted directory that holds what
// a render needs beside the requests (FeatureGate manifests,
// release-metadata). ccoctl reads only the top level, so it never sees them.
const ContextDir = ".stsrender"

// ReadDirectory reads the manifest files at the top level of dir, in name
// order, plus release-metadata when present, plus the files extract keeps
// in ContextDir. Other subdirectories are ignored, like the payload's own
// layout. label names the directory in messages (the path as the user
// wrote it). Every file is read through root: a regular file of bounded
// size, inside the root when it confines.
func ReadDirectory(root fsguard.Root, dir, label string) (*Manifests, error) {
	files := map[string][]byte{}
	extractedByStsrender := false
	for _, sub := range []string{"", ContextDir} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			if sub != "" && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("read CredentialsRequests directory: %w", err)
		}
		extractedByStsrender = extractedByStsrender || sub == ContextDir
		for _, e := range entries {
			if e.IsDir() || !(IsManifestFile(e.Name()) || e.Name() == MetadataFile) || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			name := path.Join(sub, e.Name())
			data, err := root.ReadFile(filepath.Join(dir, filepath.FromSlash(name)), fsguard.MaxManifestFileBytes)
			if err != nil {
				return nil, fmt.Errorf("read CredentialsRequests directory: %w", err)
			}
			if _, dup := files[e.Name()]; dup {
				return nil, fmt.Errorf("read CredentialsRequests directory: %s is both at the top and in %s", e.Name(), ContextDir)
			}
			files[e.Name()] = data
		}
	}
	m, err := parseManifestFiles(files, label)
	if err != nil {
		return nil, err
	}
	m.GatesDecided = !extractedByStsrender && !slices.ContainsFunc(m.Documents, IsFeatureGate)
	return m, nil
}

// MetadataFile is the payload file holding the release's version.
const MetadataFile = "release-metadata"

// parseManifestFiles parses every manifest file in name order. label
// prefixes file names in error messages.
func parseManifestFiles(files map[string][]byte, label string) (*Manifests, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	m := &Manifests{Files: map[string][]byte{}}
	for _, name := range names {
		data := files[name]
		if name == MetadataFile {
			v, err := parseReleaseMetadata(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(label, name), err)
			}
			m.Version = v
			m.Files[name] = data
			continue
		}
		if !IsManifestFile(name) {
			continue
		}
		docs, err := render.ParseDocuments(filepath.Join(label, name), data)
		if err != nil {
			return nil, err
		}
		m.Documents = append(m.Documents, docs...)
		m.Files[name] = data
	}
	return m, nil
}

func parseReleaseMetadata(data []byte) (*Version, error) {
	var meta struct {
		Kind    string `json:"kind"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("release-metadata is not JSON: %w", err)
	}
	return ParseVersion(meta.Version)
}

// holdsAWSRequest reports whether the payload yields at least one AWS
// CredentialsRequest, which every real release does.
func (p *Payload) holdsAWSRequest() bool {
	m, err := p.Manifests("")
	if err != nil {
		return true // the parse error is reported where the manifests are used
	}
	sel, err := SelectAWS(m.Documents)
	return err != nil || len(sel.Requests) > 0
}
