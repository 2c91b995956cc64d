package tests

import (
	"archive/tar"
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/internal/testsupport/podmantest"
)

// The test image is the Dockerfile's final stage without its base image
// (no registry is reachable to pull it): the static binary the tests build
// on a minimal root filesystem laid out like distroless/static:nonroot.
const (
	testImage      = "ghcr.io/stsrender/stsrender:v0.1.0" // the name examples/container runs
	imageBinary    = "/usr/local/bin/stsrender"
	imageUser      = "65532" // distroless's nonroot
	imageCacheDir  = "/tmp/stsrender-cache"
	imageWorkdir   = ""
	imageEntryJSON = `["/usr/local/bin/stsrender"]`
)

var (
	engineOnce   sync.Once
	engine       *podmantest.Engine
	engineReason error
)

// podman returns the engine with the test image built (once per run).
func podman(t *testing.T) *podmantest.Engine {
	t.Helper()
	engineOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stsrender-podman-")
		if err != nil {
			engineReason = err
			return
		}
		e, err := podmantest.Start(filepath.Join(e2e.root, "tests", "testdata", "podman"), dir)
		if err != nil {
			engineReason = err
			return
		}
		if err := buildTestImage(e, dir); err != nil {
			engineReason = fmt.Errorf("build the test image: %w", err)
			return
		}
		engine = e
	})
	podmantest.Require(t, engine, engineReason)
	return engine
}

func buildTestImage(e *podmantest.Engine, dir string) error {
	binary := filepath.Join(dir, "stsrender-static")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", binary, ".")
	build.Dir, build.Env = e2e.root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("static build: %v: %s", err, out)
	}
	ctx := filepath.Join(dir, "context")
	if err := os.MkdirAll(ctx, 0o755); err != nil {
		return err
	}
	if err := writeRootFS(filepath.Join(ctx, "rootfs.tar"), binary); err != nil {
		return err
	}
	containerfile := "FROM scratch\nADD rootfs.tar /\nENV STSRENDER_CACHE_DIR=" + imageCacheDir + "\nUSER " + imageUser + "\nENTRYPOINT " + imageEntryJSON + "\n"
	if err := os.WriteFile(filepath.Join(ctx, "Containerfile"), []byte(containerfile), 0o644); err != nil {
		return err
	}
	if out, err := e.Command("build", "-q", "-t", testImage, ctx).CombinedOutput(); err != nil {
		return fmt.Errorf("podman build: %v: %s", err, out)
	}
	return nil
}

// writeRootFS lays out /etc/passwd and /etc/group (nonroot 65532, nobody
// 65534), Debian's CA bundle, /tmp with mode 1777 and the binary.
func writeRootFS(path, binary string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	now := time.Unix(0, 0)
	add := func(name string, mode int64, data []byte, typ byte) error {
		hdr := &tar.Header{Name: name, Mode: mode, Size: int64(len(data)), Typeflag: typ, ModTime: now}
		if typ == tar.TypeDir {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	bin, err := os.ReadFile(binary)
	if err != nil {
		return err
	}
	cas, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		return fmt.Errorf("Debian's ca-certificates: %w", err)
	}
	for _, e := range []struct {
		name string
		mode int64
		data []byte
		typ  byte
	}{
		{"etc/", 0o755, nil, tar.TypeDir},
		{"etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"), tar.TypeReg},
		{"etc/group", 0o644, []byte("root:x:0:\nnonroot:x:65532:\nnobody:x:65534:\n"), tar.TypeReg},
		{"etc/ssl/", 0o755, nil, tar.TypeDir},
		{"etc/ssl/certs/", 0o755, nil, tar.TypeDir},
		{"etc/ssl/certs/ca-certificates.crt", 0o644, cas, tar.TypeReg},
		{"tmp/", 0o1777, nil, tar.TypeDir},
		{"usr/", 0o755, nil, tar.TypeDir},
		{"usr/local/", 0o755, nil, tar.TypeDir},
		{"usr/local/bin/", 0o755, nil, tar.TypeDir},
		{strings.TrimPrefix(imageBinary, "/"), 0o755, bin, tar.TypeReg},
	} {
		if err := add(e.name, e.mode, e.data, e.typ); err != nil {
			return err
		}
	}
	return tw.Close()
}

// dockerfileFinalStage reads what the Dockerfile's last stage sets.
func dockerfileFinalStage(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2e.root, "Dockerfile"))
	require.NoError(t, err)
	stage := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "FROM":
			stage = map[string]string{"FROM": rest}
		case "ENTRYPOINT", "USER", "WORKDIR":
			stage[word] = rest
		case "ENV":
			stage["ENV"] += rest + "\n"
		case "COPY":
			if strings.HasPrefix(rest, "--from=build") {
				stage["BINARY"] = strings.Fields(rest)[2]
			}
		}
	}
	return stage
}

// TestTestImageAgreesWithDockerfile: the image the tests run and the
// release Dockerfile's final stage have the same entrypoint, user, working
// directory, environment and binary path.
func TestTestImageAgreesWithDockerfile(t *testing.T) {
	e := podman(t)
	stage := dockerfileFinalStage(t)
	assert.Equal(t, "gcr.io/distroless/static:nonroot", stage["FROM"])
	assert.Equal(t, imageEntryJSON, stage["ENTRYPOINT"])
	assert.Equal(t, imageBinary, stage["BINARY"])
	assert.Equal(t, imageWorkdir, stage["WORKDIR"])
	assert.Equal(t, "STSRENDER_CACHE_DIR="+imageCacheDir+"\n", stage["ENV"])
	assert.Equal(t, "nonroot:nonroot", stage["USER"], "distroless's nonroot is uid 65532, the test image's user")

	out, err := e.Command("image", "inspect", testImage).Output()
	require.NoError(t, err)
	var inspect []struct {
		Size   int64
		Config struct {
			Entrypoint []string
			User       string
			Env        []string
			WorkingDir string
		}
	}
	require.NoError(t, json.Unmarshal(out, &inspect))
	require.Len(t, inspect, 1)
	c := inspect[0].Config
	assert.Equal(t, []string{imageBinary}, c.Entrypoint)
	assert.Equal(t, imageUser, c.User)
	assert.Contains(t, c.Env, "STSRENDER_CACHE_DIR="+imageCacheDir)
	assert.Equal(t, imageWorkdir, strings.TrimSuffix(c.WorkingDir, "/"))
	fmt.Fprintf(os.Stderr, "tests: container image %s: %.1f MiB\n", testImage, float64(inspect[0].Size)/(1<<20))
}

// containerExample is examples/container with the release image as an OCI
// layout (no registry is reachable), a pull secret, and a writable cache
// directory; containerTestFlags mount them as the operator would.
func containerExample(t *testing.T) (dir, cache string) {
	t.Helper()
	dir = copyExample(t, "container")
	// kustomize mounts only paths inside the kustomization; the container
	// runs as nobody, so the cache directory is writable by all (stsrender
	// then keeps its entries in a private subdirectory).
	cache = filepath.Join(dir, "cache")
	require.NoError(t, os.Mkdir(cache, 0o777))
	require.NoError(t, os.Chmod(cache, 0o777))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pull-secret.json"), []byte(`{"auths":{}}`), 0o600))
	// copyExample brought the quickstart along, modes reset as Git gives them.
	require.NoError(t, os.Rename(filepath.Join(dir, "..", "quickstart", "release-image"), filepath.Join(dir, "release-image")))
	cfg := filepath.Join(dir, "sts-credentials.yaml")
	data, err := os.ReadFile(cfg)
	require.NoError(t, err)
	s := strings.Replace(string(data), "    image: quay.io/openshift-release-dev/ocp-release:4.18.3-x86_64\n", "    image: oci:/release\n", 1)
	require.NotEqual(t, string(data), s)
	require.NoError(t, os.WriteFile(cfg, []byte(s), 0o644))
	return dir, cache
}

// containerTestFlags are the README's operator flags plus the release
// layout and a writable cache named by STSRENDER_CACHE_DIR.
var containerTestFlags = append([]string{
	"--mount", "type=bind,src=./release-image,dst=/release",
	"--mount", "type=bind,src=./cache,dst=/cache,rw=true",
	"-e", "STSRENDER_CACHE_DIR=/cache",
}, containerOperatorFlags...)

// execVariant is the same config run as an exec function.
func execVariant(t *testing.T, containerDir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(containerDir, "sts-credentials.yaml"))
	require.NoError(t, err)
	s := string(data)
	start := strings.Index(s, "    config.kubernetes.io/function: |\n")
	end := strings.Index(s, "spec:\n")
	s = s[:start] + "    config.kubernetes.io/function: |\n      exec:\n        path: stsrender\n" + s[end:]
	s = strings.Replace(s, "image: oci:/release", "image: oci:release-image", 1)
	dir := t.TempDir()
	require.NoError(t, exec.Command("cp", "-r", filepath.Join(containerDir, "release-image"), filepath.Join(dir, "release-image")).Run())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sts-credentials.yaml"), []byte(s), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("generators:\n- sts-credentials.yaml\n"), 0o644))
	return dir
}

func TestContainerFunctionWithPodman(t *testing.T) {
	e := podman(t)
	dir, cache := containerExample(t)
	build := func(extra ...string) result {
		args := append(append([]string{"build", "--enable-alpha-plugins", "--network"}, containerTestFlags...), extra...)
		return runIn(t, dir, e.Env, e2e.kustomize, append(args, ".")...)
	}
	res := build()
	require.Equal(t, 0, res.code, res.stderr)
	want := kustomizeBuild(t, execVariant(t, dir))
	require.Equal(t, 0, want.code, want.stderr)
	assert.Equal(t, want.stdout, res.stdout, "the container renders the same objects as the exec function")
	assert.Len(t, parseStream(t, res.stdout), 7, "6 Secrets (vCurrent, Default) and the Authentication")

	entries, err := filepath.Glob(filepath.Join(cache, "*", "payloads", "*.json"))
	require.NoError(t, err)
	require.Len(t, entries, 1, "the mounted cache holds the release, in the private directory of the container's user")
	before, err := os.Stat(entries[0])
	require.NoError(t, err)
	res = build("--as-current-user")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, want.stdout, res.stdout, "--as-current-user renders the same")
	res = build()
	require.Equal(t, 0, res.code, res.stderr)
	after, err := os.Stat(entries[0])
	require.NoError(t, err)
	assert.Equal(t, before.ModTime(), after.ModTime(), "the second run as nobody reused the cache entry")

	cfg := filepath.Join(dir, "sts-credentials.yaml")
	data, err := os.ReadFile(cfg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(data), "region: us-east-2", "region: nowhere", 1)), 0o644))
	res = build()
	assert.NotEqual(t, 0, res.code, "a failing function fails the build: podman passes the exit status")
	assert.Empty(t, res.stdout)
	assert.Contains(t, res.stderr, `stsrender: render: spec.aws.region: "nowhere" is not an AWS region name`)
}

// TestContainerAnnotationCannotMountOrSetEnv: in container mode the
// annotation's mounts and envs are Git content too. A config that mounts a
// host directory into the container and names a file in it, or raises the
// root, is refused by the function inside the container.
func TestContainerAnnotationCannotMountOrSetEnv(t *testing.T) {
	e := podman(t)
	outside := t.TempDir()
	writeQuickstartKey(t, filepath.Join(outside, "tenant.pub"))
	for _, c := range []struct{ reason, annotation, want string }{
		// kustomize refuses an absolute src, not a symlink in Git that leads out.
		{"a host directory mounted through a symlink", "        mounts:\n        - {type: bind, src: ./tenant, dst: /host}\n", "container.mounts /host: a mount in the annotation"},
		{"the root widened by the annotation", "        envs: [STSRENDER_ROOT=/]\n", "container.envs sets STSRENDER_ROOT"},
	} {
		t.Run(c.reason, func(t *testing.T) {
			dir, _ := containerExample(t)
			require.NoError(t, os.Symlink(outside, filepath.Join(dir, "tenant")))
			cfg := filepath.Join(dir, "sts-credentials.yaml")
			data, err := os.ReadFile(cfg)
			require.NoError(t, err)
			s := strings.Replace(string(data), "        network: true\n", "        network: true\n"+c.annotation, 1)
			require.NoError(t, os.WriteFile(cfg, []byte(s), 0o644))
			args := append(append([]string{"build", "--enable-alpha-plugins", "--network"}, containerTestFlags...), ".")
			res := runIn(t, dir, e.Env, e2e.kustomize, args...)
			require.NotEqual(t, 0, res.code, res.stdout)
			assert.Empty(t, res.stdout)
			assert.Contains(t, res.stderr, c.want)
		})
	}
}
