package awsapply

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
)

// NoCredentialsError is what a command says when the AWS configuration
// chain found nothing to sign with: one sentence with the ways to give
// credentials, instead of the SDK's trace through instance metadata.
type NoCredentialsError struct {
	// Cause is the chain's own error when credentials were configured but
	// did not work (an expired SSO session); nil when none were found.
	Cause error
}

func (e *NoCredentialsError) Error() string {
	ways := "set AWS_PROFILE to a profile of ~/.aws/config, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws sso login for an SSO profile"
	if e.Cause == nil {
		return "no AWS credentials found: " + ways
	}
	return fmt.Sprintf("the AWS credentials could not be loaded (%v): %s", e.Cause, ways)
}

func (e *NoCredentialsError) Unwrap() error { return e.Cause }

// explainedCredentials turns a failure to get credentials into a
// NoCredentialsError. When the chain fell back to the instance role (no
// variable, file or profile named any), the instance-metadata error says
// nothing a person off EC2 can use, and is dropped.
type explainedCredentials struct {
	inner        aws.CredentialsProvider
	instanceOnly bool
}

func (c explainedCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := c.inner.Retrieve(ctx)
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return creds, err
	}
	if c.instanceOnly {
		return creds, &NoCredentialsError{}
	}
	return creds, &NoCredentialsError{Cause: err}
}

// explainCredentials wraps the configuration's credentials.
func explainCredentials(provider aws.CredentialsProvider) aws.CredentialsProvider {
	if provider == nil {
		return nil
	}
	instanceOnly := aws.IsCredentialsProvider(provider, &ec2rolecreds.Provider{})
	return aws.NewCredentialsCache(explainedCredentials{inner: provider, instanceOnly: instanceOnly})
}
