package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/stsrender/stsrender/render"
)

// isRenderEntry accepts the entries a render writes at the top of OUT. An
// existing OUT holding anything else is not replaced, so `-o .` can never
// wipe a working tree.
func isRenderEntry(e os.DirEntry) bool {
	switch e.Name() {
	case "manifests", "oidc", "iam", "s3":
		return e.IsDir()
	}
	return false
}

// writeTree writes files into a temporary directory beside out and then
// swaps it into place, so out is either the old tree or the new one, never a
// mix, and is untouched when anything fails. An existing out is replaced only
// when every entry in it is one replaceable accepts.
func writeTree(out string, files []render.File, replaceable func(os.DirEntry) bool) error {
	out = filepath.Clean(out)
	if err := checkReplaceable(out, replaceable); err != nil {
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
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, f.Mode); err != nil {
			return err
		}
		if err := os.Chmod(p, f.Mode); err != nil { // umask must not widen secrets
			return err
		}
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

func checkReplaceable(out string, replaceable func(os.DirEntry) bool) error {
	entries, err := os.ReadDir(out)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", out, err)
	}
	for _, e := range entries {
		if !replaceable(e) {
			return fmt.Errorf("output %s already holds %q, which stsrender does not write; choose an empty or new directory", out, e.Name())
		}
	}
	return nil
}
