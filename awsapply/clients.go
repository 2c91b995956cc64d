package awsapply

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
)

// Clients are the AWS API clients the applier uses.
type Clients struct {
	S3         *s3.Client
	IAM        *iam.Client
	STS        *sts.Client
	CloudFront *cloudfront.Client
	// AnonymousS3 reads the issuer documents back without credentials, as
	// STS and everyone else will.
	AnonymousS3 *s3.Client
}

// ClientOptions tune the SDK clients.
type ClientOptions struct {
	// MaxAttempts of the SDK's standard retryer (default 10).
	MaxAttempts int
	// MaxBackoff of the SDK's standard retryer (default 20 s).
	MaxBackoff time.Duration
	// Log receives one line per retry.
	Log io.Writer
}

// NewClients loads the standard AWS configuration chain (environment,
// shared config and credentials files, profiles, web identity, instance
// roles) for region. AWS_ENDPOINT_URL and the per-service variants
// (AWS_ENDPOINT_URL_S3, _IAM, _STS, _CLOUDFRONT) are honoured for every call;
// with an S3 endpoint override, path-style addressing is used, as
// S3-compatible endpoints expect.
func NewClients(ctx context.Context, region string, opts ClientOptions) (*Clients, error) {
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 10
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 20 * time.Second
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(region),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = opts.MaxAttempts
				o.MaxBackoff = opts.MaxBackoff
				// A retry quota would turn a burst of throttling into failures.
				o.RateLimiter = ratelimit.None
				o.Retryables = append([]retry.IsErrorRetryable{notRetryable}, o.Retryables...)
			})
		}),
		config.WithAPIOptions([]func(*middleware.Stack) error{retryReporter{log: opts.Log, maxAttempts: opts.MaxAttempts}.register}),
		// The SDK's own log lines (IMDS fall-backs) are noise beside
		// stsrender's errors, which say what to do.
		config.WithLogger(logging.Nop{}))
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	cfg.Credentials = explainCredentials(cfg.Credentials)
	pathStyle := os.Getenv("AWS_ENDPOINT_URL") != "" || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
	s3Options := func(o *s3.Options) {
		o.UsePathStyle = pathStyle
		// S3-compatible endpoints may not return checksums; that is no news
		// worth a log line on every read.
		o.DisableLogOutputChecksumValidationSkipped = true
	}
	anonymous := cfg.Copy()
	anonymous.Credentials = aws.AnonymousCredentials{}
	return &Clients{
		S3:          s3.NewFromConfig(cfg, s3Options),
		IAM:         iam.NewFromConfig(cfg),
		STS:         sts.NewFromConfig(cfg),
		CloudFront:  cloudfront.NewFromConfig(cfg),
		AnonymousS3: s3.NewFromConfig(anonymous, s3Options),
	}, nil
}
