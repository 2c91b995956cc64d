package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/internal/testsupport/mototest"
)

// TestMissingManagedPolicyFailsAtOnce: the ROSA HCP example against a moto
// started as the README used to start it, without the AWS-managed
// policies. The attach is not retried as propagation (it took 105 silent
// seconds), the error names the policy and the fix, and apply does not
// claim a rerun would finish.
func TestMissingManagedPolicyFailsAtOnce(t *testing.T) {
	awsEnv(t)
	bare, err := mototest.Start()
	require.NoError(t, err)
	t.Cleanup(bare.Stop)
	env := []string{
		"AWS_ENDPOINT_URL=" + bare.Endpoint,
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing-secret-key",
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
	}
	dir := filepath.Join(e2e.root, "examples", "rosa-hcp")
	start := time.Now()
	res := runIn(t, dir, env, e2e.stsrender, "apply", "-f", "cluster.yaml", "--yes", "--timeout", "2m")
	elapsed := time.Since(start)
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "managed policy arn:aws:iam::aws:policy/service-role/ROSA")
	assert.Contains(t, res.stderr, "does not exist or cannot be attached")
	assert.Contains(t, res.stderr, "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	assert.NotContains(t, res.stderr, "run apply again to finish")
	assert.NotContains(t, res.stderr, "waiting for IAM to propagate (attach", "a missing policy is not waited for")
	t.Logf("failed after %s", elapsed.Round(time.Millisecond))
}

// TestNoCredentialsIsOneSentence: no variable, file or profile names any
// credentials (and instance metadata is off, as off EC2). The error is the
// sentence with the ways to give them, not the SDK's chain or its WARN
// lines.
func TestNoCredentialsIsOneSentence(t *testing.T) {
	env := awsEnv(t)
	for i, kv := range env {
		if strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") || strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=") {
			env[i] = strings.SplitN(kv, "=", 2)[0] + "="
		}
	}
	env = append(env, "AWS_EC2_METADATA_DISABLED=true", "AWS_PROFILE=", "AWS_SESSION_TOKEN=")
	dir := installerExample(t)
	res := runIn(t, dir, env, e2e.stsrender, "plan", "-f", "cluster.yaml")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "stsrender: no AWS credentials found: set AWS_PROFILE to a profile of ~/.aws/config, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws sso login for an SSO profile\n")
	assert.NotContains(t, res.stderr, "IMDS")
	assert.NotContains(t, res.stderr, "WARN")
	assert.NotContains(t, res.stderr, "operation error")
}
