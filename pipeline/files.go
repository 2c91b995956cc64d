package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/release"
)

// Files resolves and reads the files a config names. Relative names are
// resolved against the config's directory (the kustomization directory in
// function mode). In function mode every file must also lie inside the
// confinement root after symlinks are resolved, because the config comes
// from Git and Git content is not trusted; the CLI is unconfined, since the
// person typing the command owns it.
type Files struct {
	baseDir string
	root    fsguard.Root
}

// Path resolves a file name of the config against its base directory.
func (f Files) Path(name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(f.baseDir, name)
}

// Read reads the file a config field names, as a regular file of at most
// limit bytes inside the root. Errors name the field and the file, never
// its content.
func (f Files) Read(field, name string, limit int64) ([]byte, error) {
	data, err := f.root.ReadFile(f.Path(name), limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, f.asWritten(err, name))
	}
	return data, nil
}

// asWritten names the file in a confinement or size error as the config
// wrote it, which is what the user can find and fix. Errors about a file
// inside a named directory keep that file's path.
func (f Files) asWritten(err error, name string) error {
	var outside *fsguard.OutsideRootError
	var tooLarge *fsguard.TooLargeError
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &pathErr) && errors.Is(err, fs.ErrNotExist) && pathErr.Path == filepath.Clean(f.Path(name)):
		return fmt.Errorf("%s: no such file or directory", name)
	case errors.As(err, &outside) && outside.Path == f.Path(name):
		outside.Path = name
	case errors.As(err, &tooLarge) && tooLarge.Path == f.Path(name):
		tooLarge.Path = name
	}
	return err
}

// Dir checks a directory a config field names (the manifests directory, an
// OCI layout): inside the root, with no symlink leading out of it.
func (f Files) Dir(field, name string) (string, error) {
	p := f.Path(name)
	if err := f.root.CheckTree(p); err != nil {
		return "", fmt.Errorf("%s: %w", field, f.asWritten(err, name))
	}
	return p, nil
}

// Root is the confinement root the files are read under.
func (f Files) Root() fsguard.Root { return f.root }

// localImage resolves the path of an oci: or docker-archive: source
// relative to the config and checks it against the root; registry
// references are returned unchanged.
func (f Files) localImage(ref string) (string, error) {
	switch {
	case strings.HasPrefix(ref, release.OCILayoutPrefix):
		dir, err := f.Dir("spec.release.image", strings.TrimPrefix(ref, release.OCILayoutPrefix))
		return release.OCILayoutPrefix + dir, err
	case strings.HasPrefix(ref, release.DockerArchivePrefix):
		p := f.Path(strings.TrimPrefix(ref, release.DockerArchivePrefix))
		if _, err := f.root.Resolve(p); err != nil {
			return "", fmt.Errorf("spec.release.image: %w", f.asWritten(err, strings.TrimPrefix(ref, release.DockerArchivePrefix)))
		}
		return release.DockerArchivePrefix + p, nil
	}
	return ref, nil
}
