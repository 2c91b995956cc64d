package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/release"
	"github.com/stsrender/stsrender/render"
)

// An output tree records what stsrender wrote into it in a listing file, so
// that the next run can tell its own previous output from a user's files.
// Only a tree whose every file is on that listing is replaced: a matching
// name is not enough (a user's manifests/deployment.yaml looks like ours).
const (
	renderListing  = ".stsrender-render"
	extractListing = release.ContextDir + "/files"
	listingHeader  = "# files written by stsrender; a later run replaces this directory only while it holds nothing else\n"
	maxListingSize = 16 << 20
)

// writeTree writes files into a temporary directory beside out and then
// swaps it into place, so out is either the old tree or the new one, never a
// mix, and is untouched when anything fails. An existing out is replaced
// only when it is empty or holds exactly a previous output (listed in
// listing, a path relative to out).
func writeTree(out string, files []render.File, listing string) error {
	out = filepath.Clean(out)
	if err := checkReplaceable(out, listing); err != nil {
		return err
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create output parent: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return fmt.Errorf("create temporary output: %w", err)
	}
	defer os.RemoveAll(tmp)
	var names []string
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, f.Mode); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
		if err := os.Chmod(p, f.Mode); err != nil { // umask must not widen secrets
			return err
		}
		names = append(names, f.Path)
	}
	sort.Strings(names)
	list := listingHeader + strings.Join(names, "\n") + "\n"
	listPath := filepath.Join(tmp, filepath.FromSlash(listing))
	if err := os.MkdirAll(filepath.Dir(listPath), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(listPath, []byte(list), 0o644); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	var old string
	if _, err := os.Stat(out); err == nil {
		old = tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return fmt.Errorf("replace %s: %w", out, err)
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		if old != "" {
			_ = os.Rename(old, out)
		}
		return fmt.Errorf("replace %s: %w", out, err)
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// checkReplaceable walks out and refuses it unless every file is on the
// listing of a previous run (or out is missing or empty).
func checkReplaceable(out, listing string) error {
	entries, err := os.ReadDir(out)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(entries) == 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", out, err)
	}
	listed, err := readListing(filepath.Join(out, filepath.FromSlash(listing)))
	if err != nil {
		for other, what := range map[string]string{renderListing: "a render (stsrender render -o)", extractListing: "an extract (stsrender extract --to)"} {
			if other != listing {
				if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(other))); err == nil {
					return fmt.Errorf("output %s holds %s, not this command's output; choose another directory", out, what)
				}
			}
		}
		return fmt.Errorf("output %s is not empty and holds no previous stsrender output (%s is missing or unreadable); choose an empty or new directory", out, listing)
	}
	listed[listing] = true
	return filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			return nil
		}
		if !listed[rel] || !d.Type().IsRegular() {
			return fmt.Errorf("output %s holds %q, which the previous stsrender run did not write; move it away or choose another directory", out, rel)
		}
		return nil
	})
}

func readListing(path string) (map[string]bool, error) {
	data, err := fsguard.ReadRegular(path, maxListingSize)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(data, []byte(listingHeader)) {
		return nil, errors.New("not a listing")
	}
	listed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data[len(listingHeader):]))
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			listed[line] = true
		}
	}
	return listed, sc.Err()
}
