package release

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Cache keeps payloads on disk, keyed by image digest, so that a render
// pinned by digest never downloads the same release twice and, warm, makes
// no network call at all.
type Cache struct {
	Dir string
}

// DefaultCacheDir is $STSRENDER_CACHE_DIR, else stsrender/ under the user's
// cache directory.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("STSRENDER_CACHE_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory: set STSRENDER_CACHE_DIR: %w", err)
	}
	return filepath.Join(base, "stsrender"), nil
}

// cacheEntry is the stored form: the payload and a checksum over it, so a
// truncated or edited entry is detected and fetched again.
type cacheEntry struct {
	Checksum string          `json:"checksum"`
	Payload  json.RawMessage `json:"payload"`
}

func cacheKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *Cache) path(key string) string { return filepath.Join(c.Dir, "payloads", key+".json") }

// Get returns the cached payload, or nil when absent or corrupt (a corrupt
// entry is removed).
func (c *Cache) Get(key string) *Payload {
	data, err := os.ReadFile(c.path(key))
	if err != nil {
		return nil
	}
	var entry cacheEntry
	sum := sha256.Sum256(nil)
	if err := json.Unmarshal(data, &entry); err == nil {
		sum = sha256.Sum256(entry.Payload)
	}
	var p Payload
	if entry.Checksum != hex.EncodeToString(sum[:]) || json.Unmarshal(entry.Payload, &p) != nil {
		_ = os.Remove(c.path(key))
		return nil
	}
	return &p
}

// Put stores a payload atomically: it is written to a temporary file in the
// same directory and renamed, so concurrent processes never see half an
// entry and the last identical write wins.
func (c *Cache) Put(key string, p *Payload) error {
	payload, err := json.Marshal(p)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(payload)
	data, err := json.Marshal(cacheEntry{Checksum: hex.EncodeToString(sum[:]), Payload: payload})
	if err != nil {
		return err
	}
	dir := filepath.Dir(c.path(key))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create cache: %w", err)
	}
	if err := os.Chmod(c.Dir, 0o700); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := os.CreateTemp(dir, ".entry-")
	if err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write cache: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	return os.Rename(f.Name(), c.path(key))
}
