// Package tests runs stsrender end to end: the examples through the real,
// pinned kustomize binary, the Argo CD plugin contract and the CLI as users
// call it.
package tests

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stsrender/stsrender/internal/testsupport/mototest"
)

var update = flag.Bool("update", false, "rewrite the examples' expected output from the actual output")

// env is what every test needs: the built binaries and a clean cache.
type env struct {
	bin          string // directory holding stsrender (put first on PATH)
	stsrender    string
	stsrenderKRM string // the function alone, beside stsrender
	kustomize    string
	root         string // repository root
	moto         *mototest.Server
	path         string // PATH before the test binaries were put first
}

var e2e env

func TestMain(m *testing.M) {
	flag.Parse()
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return 0, err
	}
	bin, err := os.MkdirTemp("", "stsrender-e2e-bin-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(bin)
	e2e = env{bin: bin, root: root, stsrender: filepath.Join(bin, "stsrender"), stsrenderKRM: filepath.Join(bin, "stsrender-krm")}
	// The flags of `make build` and the Dockerfile: the binaries users run.
	for binary, pkg := range map[string]string{e2e.stsrender: ".", e2e.stsrenderKRM: "./cmd/stsrender-krm"} {
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", binary, pkg)
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return 0, fmt.Errorf("build %s: %w", filepath.Base(binary), err)
		}
	}
	if e2e.kustomize, err = findKustomize(root); err != nil {
		return 0, err
	}
	// Argo CD's plugin runs "kustomize" by name: put the pinned one on PATH.
	if err := os.Symlink(e2e.kustomize, filepath.Join(bin, "kustomize")); err != nil {
		return 0, err
	}
	cache, err := os.MkdirTemp("", "stsrender-e2e-cache-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(cache)
	os.Setenv("STSRENDER_CACHE_DIR", cache)
	// The ROSA HCP tests attach AWS-managed policies, which moto knows only
	// when told to load them.
	if e2e.moto, err = mototest.Start(mototest.ManagedPolicies); err != nil {
		if os.Getenv("CI") == "true" {
			return 0, fmt.Errorf("%w; CI=true requires moto_server for the AWS tests (pip install \"moto[server]\")", err)
		}
		fmt.Fprintf(os.Stderr, "tests: %v; the AWS tests are skipped (pip install \"moto[server]\" to run them)\n", err)
	} else {
		defer e2e.moto.Stop()
	}
	e2e.path = os.Getenv("PATH")
	os.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return m.Run(), nil
}

// findKustomize returns the pinned kustomize: $KUSTOMIZE (set by make test),
// else bin/kustomize, else it is built from hack/tools/go.mod.
func findKustomize(root string) (string, error) {
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		return k, nil
	}
	k := filepath.Join(root, "bin", "kustomize")
	if runtime.GOOS == "windows" {
		k += ".exe"
	}
	if _, err := os.Stat(k); err == nil {
		return k, nil
	}
	fmt.Fprintln(os.Stderr, "building the pinned kustomize (hack/tools/go.mod) into", k)
	build := exec.Command("go", "build", "-o", k, "sigs.k8s.io/kustomize/kustomize/v5")
	build.Dir, build.Stdout, build.Stderr = filepath.Join(root, "hack", "tools"), os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build kustomize: %w", err)
	}
	return k, nil
}
