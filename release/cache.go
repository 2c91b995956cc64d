package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/stsrender/stsrender/fsguard"
)

// Cache keeps payloads on disk, keyed by image digest, so that a render
// pinned by digest never downloads the same release twice and, warm, makes
// no network call at all.
//
// The directory is trusted only when nobody else can write to it: anyone who
// can plant an entry with a matching checksum decides what is rendered. A
// shared directory (such as /tmp, mode 1777) gets a private subdirectory,
// and stsrender never changes the mode of a directory it did not create.
type Cache struct {
	Dir string
	// Log receives the warning when the cache cannot be used safely.
	Log io.Writer
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

// An entry is the hex SHA-256 of its content, a newline, and the content
// (JSON), so a truncated or edited entry is detected and fetched again; the
// checksum comes first so that reading it costs no JSON scan.
const checksumLength = sha256.Size * 2

func cacheKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// entries returns the directory holding the entries of one kind
// ("payloads", "selection"), creating what is missing (0700) when create is
// set. It fails when the directory could be written by someone else.
func (c *Cache) entries(kind string, create bool) (string, error) {
	base, err := trustedDir(c.Dir, create)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(base, kind)
	if create {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	return dir, nil
}

// trustedDir returns dir when only this user can write to it, else a
// private subdirectory of it that this user owns with mode 0700.
func trustedDir(dir string, create bool) (string, error) {
	info, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		if !create {
			return "", err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", fmt.Errorf("create cache: %w", err)
		}
		return dir, nil
	}
	if err != nil {
		return "", err
	}
	if !info.IsDir() {
		return "", fmt.Errorf("cache %s is not a directory", dir)
	}
	if ownedByMe(info) && info.Mode().Perm()&0o022 == 0 {
		return dir, nil
	}
	private := filepath.Join(dir, fmt.Sprintf("stsrender-%d", os.Getuid()))
	if create {
		if err := os.Mkdir(private, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("create cache: %w", err)
		}
	}
	pinfo, err := os.Lstat(private)
	if err != nil {
		return "", err
	}
	if !pinfo.IsDir() || !ownedByMe(pinfo) || pinfo.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("cache %s can be written by others, and %s is not a private directory of this user; set STSRENDER_CACHE_DIR to a directory only this user can write", dir, private)
	}
	return private, nil
}

// Get returns the cached payload, or nil when absent, corrupt (a corrupt
// entry is removed) or in a directory others could have written.
func (c *Cache) Get(key string) *Payload {
	var p Payload
	if !c.get(payloadEntries, key, &p) {
		return nil
	}
	return &p
}

// Put stores a payload.
func (c *Cache) Put(key string, p *Payload) error {
	return c.put(payloadEntries, key, p)
}

// Kinds of entries, one directory each.
const (
	payloadEntries   = "payloads"
	selectionEntries = "selection"
)

// get decodes the entry of a kind into v; false when it is absent, corrupt
// (then removed) or in a directory others could have written.
func (c *Cache) get(kind, key string, v any) bool {
	dir, err := c.entries(kind, false)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			c.warn(err)
		}
		return false
	}
	path := filepath.Join(dir, key+".json")
	data, err := fsguard.ReadRegular(path, maxCacheEntryBytes)
	if err != nil {
		return false
	}
	if len(data) < checksumLength+1 || data[checksumLength] != '\n' {
		_ = os.Remove(path)
		return false
	}
	content := data[checksumLength+1:]
	sum := sha256.Sum256(content)
	if string(data[:checksumLength]) != hex.EncodeToString(sum[:]) || decodeEntry(content, v) != nil {
		_ = os.Remove(path)
		return false
	}
	return true
}

// decodeEntry keeps numbers as json.Number: the documents' values need
// their literal text (see restoreNumbers); a payload has no free-form
// numbers, so it is indifferent.
func decodeEntry(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

// maxCacheEntryBytes bounds an entry read back: the kept files of a payload
// are bounded by Limits.KeptBytes, and JSON encodes them in base64.
const maxCacheEntryBytes = 128 << 20

func (c *Cache) warn(err error) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "stsrender: warning: release cache not used: %v\n", err)
	}
}

// put stores an entry atomically: it is written to a temporary file in the
// same directory and renamed, so concurrent processes never see half an
// entry and the last identical write wins.
func (c *Cache) put(kind, key string, v any) error {
	content, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(content)
	data := append([]byte(hex.EncodeToString(sum[:])+"\n"), content...)
	dir, err := c.entries(kind, true)
	if err != nil {
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
	return os.Rename(f.Name(), filepath.Join(dir, key+".json"))
}
