package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// containerOperatorFlags are the README's: the operator, not the
// annotation, mounts the pull secret and names it.
var containerOperatorFlags = []string{
	"--mount", "type=bind,src=./pull-secret.json,dst=/var/run/secrets/pull-secret.json",
	"-e", "REGISTRY_AUTH_FILE=/var/run/secrets/pull-secret.json",
}

// TestContainerExampleInvocation checks what kustomize asks the container
// runtime to do for examples/container. This machine has no container
// engine, so a recording `docker` stands in for it; the image itself is the
// binary the other tests run.
func TestContainerExampleInvocation(t *testing.T) {
	dir := copyExample(t, "container")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pull-secret.json"), []byte(`{"auths":{}}`), 0o600))
	shimDir := t.TempDir()
	argv := filepath.Join(shimDir, "argv")
	require.NoError(t, os.WriteFile(filepath.Join(shimDir, "docker"),
		[]byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+argv+"\necho 'recording docker: not running containers' >&2\nexit 3\n"), 0o755))
	path := "PATH=" + shimDir + string(os.PathListSeparator) + os.Getenv("PATH")

	res := runIn(t, dir, []string{path}, e2e.kustomize, "build", "--enable-alpha-plugins", ".")
	assert.NotEqual(t, 0, res.code)
	assert.Contains(t, res.stderr, "network required but not enabled with --network", "network: true needs --network")

	res = runIn(t, dir, []string{path}, e2e.kustomize, append([]string{"build", "--enable-alpha-plugins", "--network"}, append(containerOperatorFlags, ".")...)...)
	assert.NotEqual(t, 0, res.code, "the recording docker fails on purpose")
	data, err := os.ReadFile(argv)
	require.NoError(t, err, res.stderr)
	args := strings.Split(strings.TrimSpace(string(data)), "\n")
	joined := strings.Join(args, " ")
	assert.Equal(t, "run", args[0])
	assert.Contains(t, joined, "--network host")
	assert.Contains(t, joined, "--security-opt=no-new-privileges")
	assert.Contains(t, joined, "type=bind,source="+filepath.Join(dir, "pull-secret.json")+",target=/var/run/secrets/pull-secret.json,readonly")
	assert.Contains(t, joined, "-e REGISTRY_AUTH_FILE=/var/run/secrets/pull-secret.json")
	assert.Equal(t, "ghcr.io/stsrender/stsrender:v0.1.0", args[len(args)-1], "nothing follows the image: the entrypoint runs with no arguments")

	// The config itself (inline public key, inline cluster settings) renders:
	// checked with the requests of the shipped release instead of a pull.
	requests := filepath.Join(t.TempDir(), "requests")
	res = runIn(t, dir, nil, e2e.stsrender, "extract", "--from", "oci:../quickstart/release-image", "--to", requests)
	require.Equal(t, 0, res.code, res.stderr)
	res = runIn(t, dir, nil, e2e.stsrender, "render", "-f", "sts-credentials.yaml", "--credentials-requests-dir", requests, "-o", filepath.Join(t.TempDir(), "out"))
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "for 6 CredentialsRequests", "vCurrent and Default: all AWS requests but the gated ClusterAPI one")
}
