package awsapply

import (
	"bytes"
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnreachableEndpointFailsFast points the SDK at a closed port: the
// connection is refused at once, and with ten attempts and back-off it used
// to take two silent minutes. Now it is one attempt and a message naming
// the service and endpoint.
func TestUnreachableEndpointFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_PROFILE": ""} {
		t.Setenv(k, v)
	}
	var log bytes.Buffer
	clients, err := NewClients(context.Background(), "us-east-2", ClientOptions{Log: &log})
	require.NoError(t, err)
	p := &Planner{Clients: clients, Model: testModel(t, 1, nil)}
	start := time.Now()
	_, err = p.Plan(context.Background())
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second, "a refused connection is not retried with back-off")
	assert.Contains(t, err.Error(), "cannot reach the AWS STS endpoint "+endpoint)
	assert.Contains(t, err.Error(), "connection refused")
	assert.Empty(t, log.String(), "no retries happened")
}

// TestEveryRetryIsReported: each retry is a line with service, action,
// attempt and the reason of the attempt before.
func TestEveryRetryIsReported(t *testing.T) {
	requireMoto(t)
	px := newProxy(t)
	px.clients(t)
	var log bytes.Buffer
	clients, err := NewClients(context.Background(), "us-east-2", ClientOptions{MaxAttempts: 6, MaxBackoff: 10 * time.Millisecond, Log: &log})
	require.NoError(t, err)
	throttle := func(n int) {
		px.inject(&fault{match: func(c call) bool { return c.action == "ListRoles" }, status: 400, share: 1, remaining: n,
			body: iamError("Throttling", "Rate exceeded")})
	}
	_, err = clients.IAM.ListRoles(context.Background(), &iam.ListRolesInput{MaxItems: aws.Int32(1)})
	require.NoError(t, err)
	assert.Empty(t, log.String(), "no retry, no line")

	px.reset()
	throttle(2)
	_, err = clients.IAM.ListRoles(context.Background(), &iam.ListRolesInput{MaxItems: aws.Int32(1)})
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	assert.Equal(t, []string{
		"stsrender: retrying IAM ListRoles (attempt 2 of 6): Throttling",
		"stsrender: retrying IAM ListRoles (attempt 3 of 6): Throttling",
	}, lines)
}
