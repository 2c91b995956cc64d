package tests

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Docs are tests. A fenced block whose info string is "sh test" runs, as
// printed, with bash -euo pipefail from the root of a fresh copy of the
// repository, in the order of its page (README.md, docs/*.md,
// examples/*/README.md); "sh test-aws" blocks run the same
// way with moto_server as the AWS endpoint. Tools that cannot run on a test
// machine (openshift-install, kubectl, flux) are stand-ins from
// tests/testdata/stubs that check the files they are given. A "yaml file=P"
// block must equal the file P, so that what a README shows is what the
// example uses.

type block struct {
	info, text string
	line       int
}

func readmeBlocks(t *testing.T, path string) []block {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var blocks []block
	var cur *block
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```") && len(line) > 3:
			cur = &block{info: strings.TrimPrefix(line, "```"), line: n}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	require.Nil(t, cur, "%s: a fenced block is not closed", path)
	return blocks
}

func readmes(t *testing.T) []string {
	t.Helper()
	files := []string{filepath.Join(e2e.root, "README.md")}
	for _, pattern := range []string{"docs/*.md", "examples/*/README.md"} {
		more, err := filepath.Glob(filepath.Join(e2e.root, pattern))
		require.NoError(t, err)
		require.NotEmpty(t, more, pattern)
		files = append(files, more...)
	}
	return files
}

func TestReadmeCommands(t *testing.T) {
	for _, readme := range readmes(t) {
		rel, _ := filepath.Rel(e2e.root, readme)
		t.Run(rel, func(t *testing.T) {
			blocks := readmeBlocks(t, readme)
			var runnable []block
			for _, b := range blocks {
				fields := strings.Fields(b.info)
				switch {
				case len(fields) == 2 && fields[0] == "yaml" && strings.HasPrefix(fields[1], "file="):
					want, err := os.ReadFile(filepath.Join(e2e.root, strings.TrimPrefix(fields[1], "file=")))
					require.NoError(t, err, "%s:%d", rel, b.line)
					assert.Equal(t, string(want), b.text, "%s:%d shows %s as it is", rel, b.line, fields[1])
				case len(fields) == 2 && fields[0] == "sh" && (fields[1] == "test" || fields[1] == "test-aws"):
					runnable = append(runnable, b)
				}
			}
			if len(runnable) == 0 {
				return
			}
			repo := repoCopy(t)
			for _, b := range runnable {
				env := docsEnv(t, repo)
				if strings.HasSuffix(b.info, "test-aws") {
					env = append(env, awsEnv(t)...)
				}
				runBlock(t, repo, env, fmt.Sprintf("%s:%d", rel, b.line), b.text)
			}
		})
	}
}

// Every README runs at least one of its commands, except the container
// example's, whose commands need a container engine and quay.io
// (tests/container_test.go checks its docker run arguments). Pages in
// docs/ are reference as much as walkthrough: their blocks run, but a page
// may have none.
func TestEveryExampleReadmeRunsSomething(t *testing.T) {
	for _, readme := range readmes(t) {
		if filepath.Base(filepath.Dir(readme)) == "container" || filepath.Base(filepath.Dir(readme)) == "docs" {
			continue
		}
		n := 0
		for _, b := range readmeBlocks(t, readme) {
			if strings.HasPrefix(b.info, "sh test") {
				n++
			}
		}
		assert.NotZero(t, n, "%s has no runnable (sh test) block", readme)
	}
}

func runBlock(t *testing.T, dir string, env []string, where, script string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	require.NoError(t, err, "%s failed:\n%s\n--- output ---\n%s", where, script, out.String())
	t.Logf("%s ran in %s", where, time.Since(start).Round(time.Millisecond))
}

// docsEnv is a user's shell: HOME and the cache in the test's own
// directories, the stand-ins for tools that cannot run here on PATH after
// everything, so that a real kubectl never reaches a real cluster.
func docsEnv(t *testing.T, repo string) []string {
	t.Helper()
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "PATH", k == "CI", strings.HasPrefix(k, "STSRENDER_"), strings.HasPrefix(k, "AWS_"), k == "KUSTOMIZE",
			k == "GOCACHE", k == "GOMODCACHE", k == "GOFLAGS", k == "GOBIN":
			continue
		}
		env = append(env, kv)
	}
	// HOME is the test's own, but Go's caches stay where they are: a user's
	// build cache and module cache are warm too.
	goenv, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE").Output()
	require.NoError(t, err)
	caches := strings.Fields(string(goenv))
	require.Len(t, caches, 2)
	env = append(env, "GOCACHE="+caches[0], "GOMODCACHE="+caches[1], "GOFLAGS=-mod=readonly")
	stubs := filepath.Join(e2e.root, "tests", "testdata", "stubs")
	// The user's OpenShift pull secret, which commands may name.
	require.NoError(t, os.WriteFile(filepath.Join(home, "pull-secret.json"), []byte(`{"auths":{}}`), 0o600))
	return append(env, "HOME="+home, "GOBIN="+filepath.Join(home, "go", "bin"),
		"STSRENDER_CACHE_DIR="+filepath.Join(home, "cache"),
		"PATH="+stubs+string(os.PathListSeparator)+e2e.path)
}

// repoCopy copies the files git knows (tracked, or new and not ignored)
// into a temporary directory with their modification times, and puts the
// binaries the tests built into its bin/, newer than every source, as a
// previous make build and make tools would have left them.
func repoCopy(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	list := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	list.Dir = e2e.root
	out, err := list.Output()
	require.NoError(t, err)
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(e2e.root, name)
		info, err := os.Lstat(src)
		if err != nil {
			continue // deleted in the work tree
		}
		target := filepath.Join(dst, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
		require.NoError(t, copyFile(src, target, info.Mode().Perm()))
		require.NoError(t, os.Chtimes(target, info.ModTime(), info.ModTime()))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dst, "bin"), 0o755))
	now := time.Now().Add(time.Second)
	for name, src := range map[string]string{"stsrender": e2e.stsrender, "stsrender-krm": e2e.stsrenderKRM, "kustomize": e2e.kustomize} {
		target := filepath.Join(dst, "bin", name)
		require.NoError(t, copyFile(src, target, 0o755))
		require.NoError(t, os.Chtimes(target, now, now))
	}
	return dst
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
