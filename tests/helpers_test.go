package tests

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

type result struct {
	code           int
	stdout, stderr string
}

func runIn(t *testing.T, dir string, environ []string, name string, args ...string) result {
	t.Helper()
	return execIn(t, dir, environ, nil, name, args...)
}

// runInWithStdin runs name in dir with input on standard input.
func runInWithStdin(t *testing.T, dir, input, name string, args ...string) result {
	t.Helper()
	return execIn(t, dir, nil, strings.NewReader(input), name, args...)
}

func execIn(t *testing.T, dir string, environ []string, stdin io.Reader, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdin = dir, stdin
	cmd.Env = append(os.Environ(), environ...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func kustomizeBuild(t *testing.T, dir string, extraFlags ...string) result {
	t.Helper()
	args := append([]string{"build", "--enable-alpha-plugins", "--enable-exec"}, extraFlags...)
	return runIn(t, dir, nil, e2e.kustomize, append(args, ".")...)
}

// golden compares got with the file, or rewrites it under -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err, "run go test ./tests -update to create it")
	require.Equal(t, string(want), got, "%s differs (go test ./tests -update rewrites it)", file)
}

func parseStream(t *testing.T, stream string) []*yaml.RNode {
	t.Helper()
	nodes, err := kio.FromBytes([]byte(stream))
	require.NoError(t, err)
	return nodes
}

func find(nodes []*yaml.RNode, kind, namespace, name string) *yaml.RNode {
	for _, n := range nodes {
		if n.GetKind() == kind && n.GetNamespace() == namespace && n.GetName() == name {
			return n
		}
	}
	return nil
}

func field(t *testing.T, n *yaml.RNode, path ...string) string {
	t.Helper()
	require.NotNil(t, n)
	v, err := n.Pipe(yaml.Lookup(path...))
	require.NoError(t, err)
	require.NotNil(t, v, "no field %s", strings.Join(path, "."))
	return strings.TrimSpace(v.MustString())
}

// copyExample copies examples/<name> and the shared release image into a
// temporary tree, with file modes reset to 0644 as Argo CD delivers them.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	dst := t.TempDir()
	for _, d := range []string{name, "quickstart"} {
		src := filepath.Join(e2e.root, "examples", d)
		require.NoError(t, filepath.WalkDir(src, func(p string, entry fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(filepath.Join(e2e.root, "examples"), p)
			target := filepath.Join(dst, rel)
			if entry.IsDir() {
				return os.MkdirAll(target, 0o755)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		}))
	}
	return filepath.Join(dst, name)
}

// installerExample is examples/installer with the public key its cluster.yaml
// names in place: the quickstart's.
func installerExample(t *testing.T) string {
	t.Helper()
	dir := copyExample(t, "installer")
	writeQuickstartKey(t, filepath.Join(dir, "keys", "serviceaccount-signer.public"))
	return dir
}

// createBucket creates a bucket the way another controller would, through
// the AWS API on moto, untagged, with policy when it is not empty.
func createBucket(t *testing.T, env []string, name, policy string) {
	t.Helper()
	endpoint := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "AWS_ENDPOINT_URL="); ok {
			endpoint = v
		}
	}
	require.NotEmpty(t, endpoint)
	req, err := http.NewRequest(http.MethodPut, endpoint+"/"+name, strings.NewReader(`<CreateBucketConfiguration><LocationConstraint>us-east-2</LocationConstraint></CreateBucketConfiguration>`))
	require.NoError(t, err)
	// moto accepts unsigned requests when it does not enforce IAM.
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Contains(t, []int{http.StatusOK, http.StatusConflict}, resp.StatusCode, "created, or already ours")
	if policy == "" {
		return
	}
	req, err = http.NewRequest(http.MethodPut, endpoint+"/"+name+"?policy", strings.NewReader(policy))
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Less(t, resp.StatusCode, 300)
}

// writeQuickstartKey puts the quickstart's public key at path: a key whose
// renders the tests know (the documented flow makes a fresh one).
func writeQuickstartKey(t *testing.T, path string) {
	t.Helper()
	pub, err := os.ReadFile(filepath.Join(e2e.root, "examples", "quickstart", "sa-signer.pub"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, pub, 0o644))
}
