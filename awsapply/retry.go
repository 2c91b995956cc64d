package awsapply

import (
	"context"
	"errors"
	"fmt"
	"io"
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
// role created a moment ago is not yet visible to another IAM call. A
// managed policy that does not exist is not one: stsrender creates no
// policy, so waiting for it only hides a typo (or a moto without its
// AWS-managed policies) for minutes.
func isPropagationError(err error) bool {
	if isCode(err, "MalformedPolicyDocument", "InvalidParameterValue") && strings.Contains(err.Error(), "Invalid principal") {
		return true
	}
	return isCode(err, "NoSuchEntity") && !isMissingPolicy(err)
}

// isMissingPolicy is IAM's answer to attaching a policy that is not there.
func isMissingPolicy(err error) bool {
	return isCode(err, "NoSuchEntity") && strings.Contains(err.Error(), "does not exist or is not attachable")
}

// permanentCodes are answers a retry, or another apply, cannot change.
var permanentCodes = []string{
	"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "InvalidClientTokenId", "SignatureDoesNotMatch",
	"ExpiredToken", "ExpiredTokenException", "ValidationError", "MalformedPolicyDocument", "InvalidInput", "LimitExceeded",
}

// IsPermanent reports whether err is an answer that running apply again
// would only repeat: a permission, credential or validation error, or a
// managed policy that does not exist.
func IsPermanent(err error) bool {
	var missing *MissingPolicyError
	return errors.As(err, &missing) || isCode(err, permanentCodes...)
}

// Advice says what to change for a permanent error.
func Advice(err error) string {
	var missing *MissingPolicyError
	switch {
	case errors.As(err, &missing):
		return missing.fix()
	case isCode(err, "AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
		return "the credentials lack a permission: stsrender permissions -f CONFIG prints the policy apply needs"
	case isCode(err, "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException"):
		return "the credentials are not valid here: check AWS_PROFILE or the access key, or run aws sso login again"
	case isCode(err, "LimitExceeded"):
		return "an IAM quota of the account is reached: delete unused roles or ask AWS to raise the quota"
	}
	return "the request was refused as written: fix the config field it names; running apply again repeats it"
}

// MissingPolicyError is a managed policy ARN that IAM does not have.
type MissingPolicyError struct {
	Role, PolicyARN string
	Err             error
}

func (e *MissingPolicyError) Error() string {
	return fmt.Sprintf("role %s: managed policy %s does not exist or cannot be attached", e.Role, e.PolicyARN)
}

func (e *MissingPolicyError) Unwrap() error { return e.Err }

func (e *MissingPolicyError) fix() string {
	return "check the ARN (spec.rosa.additionalOperatorRoles[].policyARNs, or the region's partition) for a typo; AWS-managed policies exist in every account, but moto knows them only when started with MOTO_IAM_LOAD_MANAGED_POLICIES=true"
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
// propagation error, the deadline passes or ctx is cancelled. Each wait is
// one line on log: a minute of silence looks like a hang.
func untilPropagated(ctx context.Context, policy RetryPolicy, log io.Writer, what string, call func() error) error {
	policy = policy.withDefaults()
	deadline := time.Now().Add(policy.Deadline)
	wait := policy.Initial
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil || !isPropagationError(err) || time.Now().Add(wait).After(deadline) {
			return err
		}
		if log != nil {
			fmt.Fprintf(log, "stsrender: waiting for IAM to propagate (%s, attempt %d, next in %s): %s\n", what, attempt, wait, errorCode(err))
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
