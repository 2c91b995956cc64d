// Package podmantest runs a real container engine for tests: Podman from
// Debian's packages, with its configuration kept in the repository
// (tests/testdata/podman) instead of the machine's files, and podman's
// docker compatibility first on PATH, so that kustomize's `docker run`
// reaches it. Without podman the tests skip with a message on stderr,
// except under CI=true, where they fail.
package podmantest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Engine is podman with a private storage and configuration.
type Engine struct {
	// Env points podman at the repository's configuration and puts a
	// `docker` that is podman first on PATH.
	Env []string
	// Bin holds that `docker`.
	Bin string
}

// Start prepares podman with configDir's containers.conf and a storage
// under dir. It returns nil and a reason when podman is not installed.
func Start(configDir, dir string) (*Engine, error) {
	podman, err := exec.LookPath("podman")
	if err != nil {
		return nil, fmt.Errorf("podman not found on PATH")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		return nil, fmt.Errorf("runc not found on PATH (podman here needs runc: crun fails with cgroups in hybrid mode)")
	}
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return nil, err
	}
	// podman-docker's /usr/bin/docker execs podman; a link does the same
	// without its banner on stderr, and wins over any docker client earlier
	// on PATH that has no daemon to talk to.
	if err := os.Symlink(podman, filepath.Join(bin, "docker")); err != nil {
		return nil, err
	}
	storage := filepath.Join(dir, "storage.conf")
	conf := fmt.Sprintf("[storage]\ndriver = \"vfs\"\nrunroot = %q\ngraphroot = %q\n", filepath.Join(dir, "run"), filepath.Join(dir, "graph"))
	if err := os.WriteFile(storage, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	e := &Engine{Bin: bin, Env: []string{
		"CONTAINERS_CONF=" + filepath.Join(configDir, "containers.conf"),
		"CONTAINERS_STORAGE_CONF=" + storage,
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
	}}
	if out, err := e.Command("info").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("podman info: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return e, nil
}

// Command is podman with the engine's environment.
func (e *Engine) Command(args ...string) *exec.Cmd {
	cmd := exec.Command("podman", args...)
	cmd.Env = append(os.Environ(), e.Env...)
	return cmd
}

// Require skips the test without an engine (fails under CI=true).
func Require(t testing.TB, e *Engine, reason error) {
	t.Helper()
	if e != nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true requires a container engine for the container tests: %v (apt-get install podman runc podman-docker)", reason)
	}
	fmt.Fprintf(os.Stderr, "%s: SKIPPED: no container engine: %v (apt-get install podman runc podman-docker)\n", t.Name(), reason)
	t.Skipf("no container engine: %v", reason)
}
