package awsapply

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// errorCode returns the AWS error code of err, or "".
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func isCode(err error, codes ...string) bool {
	code := errorCode(err)
	for _, c := range codes {
		if code == c {
			return true
		}
	}
	return false
}

// isNotFound covers the codes S3, IAM and CloudFront use for "no such thing".
func isNotFound(err error) bool {
	return isCode(err, "NoSuchEntity", "NotFound", "NoSuchBucket", "NoSuchKey", "NoSuchDistribution", "NoSuchOriginAccessControl", "404")
}

// isPropagationError recognises IAM's eventual consistency: a provider or
// role created a moment ago is not yet visible to another IAM call.
func isPropagationError(err error) bool {
	if isCode(err, "MalformedPolicyDocument", "InvalidParameterValue") && strings.Contains(err.Error(), "Invalid principal") {
		return true
	}
	return isCode(err, "NoSuchEntity")
}

// RetryPolicy bounds the application-level retry of IAM eventual
// consistency. The SDK's own retryer handles throttling and 5xx below it.
type RetryPolicy struct {
	// Deadline is how long a propagation error is retried (default 2 min).
	Deadline time.Duration
	// Initial is the first back-off (default 1 s), doubled up to 15 s.
	Initial time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Deadline == 0 {
		p.Deadline = 2 * time.Minute
	}
	if p.Initial == 0 {
		p.Initial = time.Second
	}
	return p
}

// untilPropagated runs call until it succeeds, fails with anything but a
// propagation error, the deadline passes or ctx is cancelled.
func untilPropagated(ctx context.Context, policy RetryPolicy, call func() error) error {
	policy = policy.withDefaults()
	deadline := time.Now().Add(policy.Deadline)
	wait := policy.Initial
	for {
		err := call()
		if err == nil || !isPropagationError(err) || time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if wait *= 2; wait > 15*time.Second {
			wait = 15 * time.Second
		}
	}
}
