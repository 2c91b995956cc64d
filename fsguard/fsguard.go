// Package fsguard reads the files a config names without trusting the
// config: only regular files, never more than a stated size, and, when a
// root is set, only inside it after symlinks are resolved.
//
// The threat it answers: a config committed to Git is rendered by Argo CD's
// repo-server or a CI runner. Without these checks such a config could name
// /dev/zero (exhausting memory), or ../../other-app/secret.yaml (copying
// another tenant's file into the output or an error message).
package fsguard

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Size limits for each kind of file a config names. Real files are a few
// KiB; the limits leave a wide margin and still bound memory.
const (
	MaxConfigBytes        = 1 << 20 // STSCredentials, install-config
	MaxKeyBytes           = 64 << 10
	MaxPullSecretBytes    = 1 << 20
	MaxManifestFileBytes  = 8 << 20 // one CredentialsRequest or FeatureGate file
	MaxLayoutIndexBytes   = 4 << 20 // OCI index.json and manifests
	DefaultRootEnv        = "STSRENDER_ROOT"
	outsideRootSuggestion = "files a config names must be inside the kustomization directory; the operator of the rendering environment may widen it with " + DefaultRootEnv
)

// TooLargeError reports a file over its limit.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s, the limit for this kind of file", e.Path, humanBytes(e.Limit))
}

// ReadRegular reads a regular file of at most limit bytes. Devices, pipes,
// sockets and directories are refused before any byte is read, and a file
// that grows past the limit while being read is refused too.
func ReadRegular(path string, limit int64) ([]byte, error) {
	// Stat before opening: opening a named pipe for reading blocks until a
	// writer comes, and a device may do anything on open.
	if info, err := os.Stat(path); err != nil {
		return nil, err
	} else if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, describeMode(info.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, describeMode(info.Mode()))
	}
	if info.Size() > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	return data, nil
}

func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeDevice != 0 || m&os.ModeCharDevice != 0:
		return "a device"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	default:
		return m.Type().String()
	}
}

// Root confines file access to one directory tree. The zero Root is
// unconfined: the CLI, whose user typed every path, uses it.
type Root struct {
	dir string // symlink-free, absolute; empty means unconfined
}

// NewRoot confines access to dir (symlinks in dir itself are resolved).
func NewRoot(dir string) (Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Root{}, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return Root{}, fmt.Errorf("confinement root: %w", err)
	}
	return Root{dir: real}, nil
}

// Confined reports whether the root restricts anything.
func (r Root) Confined() bool { return r.dir != "" }

// Dir is the root directory ("" when unconfined).
func (r Root) Dir() string { return r.dir }

// Resolve returns path with every symlink resolved, and fails when the
// result lies outside the root. Unconfined, it returns path unchanged.
func (r Root) Resolve(path string) (string, error) {
	if !r.Confined() {
		return path, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	if !within(r.dir, real) {
		return "", &OutsideRootError{Path: path, Root: r.dir}
	}
	return real, nil
}

// ReadFile resolves path inside the root and reads it as ReadRegular does.
func (r Root) ReadFile(path string, limit int64) ([]byte, error) {
	real, err := r.Resolve(path)
	if err != nil {
		return nil, err
	}
	data, err := ReadRegular(real, limit)
	var tooLarge *TooLargeError
	if errors.As(err, &tooLarge) {
		tooLarge.Path = path // the name the user wrote
	}
	return data, err
}

// CheckTree refuses a directory tree (an OCI layout, a manifests
// directory) holding a symlink that leads outside the root or to anything
// but a regular file or directory, so that nothing read through the tree
// escapes the root.
func (r Root) CheckTree(dir string) error {
	if !r.Confined() {
		return nil
	}
	real, err := r.Resolve(dir)
	if err != nil {
		return err
	}
	return filepath.WalkDir(real, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&os.ModeSymlink == 0 {
			if !d.Type().IsRegular() && !d.IsDir() {
				return fmt.Errorf("%s is not a regular file (%s)", p, describeMode(d.Type()))
			}
			return nil
		}
		target, err := r.Resolve(p)
		if err != nil {
			return err
		}
		info, err := os.Stat(target)
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s leads to %s, which is not a regular file", p, describeMode(info.Mode()))
		}
		return nil
	})
}

// OutsideRootError reports a path that resolves outside the root.
type OutsideRootError struct {
	Path, Root string
}

func (e *OutsideRootError) Error() string {
	return fmt.Sprintf("%s is outside %s: %s", e.Path, e.Root, outsideRootSuggestion)
}

func within(root, path string) bool {
	if path == root {
		return true
	}
	return strings.HasPrefix(path, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
