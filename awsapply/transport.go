package awsapply

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// notRetryable makes a connection that cannot be made a final error:
// connection refused, a name that does not resolve, a certificate that does
// not verify. They are not throttling, and ten attempts with back-off would
// only turn a typo in AWS_ENDPOINT_URL into two silent minutes. Throttling,
// 5xx answers and IAM propagation keep their long retries.
var notRetryable = retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
	if isUnreachable(err) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
})

func isUnreachable(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &dnsErr), errors.As(err, &certErr), errors.As(err, &unknownAuthority),
		errors.As(err, &hostnameErr), errors.As(err, &recordErr):
		return true
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return true
	}
	return false
}

// UnreachableError names the endpoint and service that could not be
// reached.
type UnreachableError struct {
	Service, Endpoint string
	Err               error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the AWS %s endpoint %s: %v (check AWS_ENDPOINT_URL, the network, a proxy or the CA certificates; this is not retried)", e.Service, e.Endpoint, rootCause(e.Err))
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// ExplainError rewrites an error whose cause is an endpoint that could not
// be reached into an UnreachableError naming the service and endpoint.
// A missing credential is the sentence of NoCredentialsError alone.
func ExplainError(err error) error {
	var noCreds *NoCredentialsError
	if errors.As(err, &noCreds) {
		return noCreds
	}
	return explainUnreachable(err)
}

// explainUnreachable turns an SDK error whose cause is a connection that
// could not be made into an UnreachableError.
func explainUnreachable(err error) error {
	if err == nil || !isUnreachable(err) {
		return err
	}
	var unreachable *UnreachableError
	if errors.As(err, &unreachable) {
		return err
	}
	service := "API"
	var opErr *smithy.OperationError
	if errors.As(err, &opErr) {
		service = opErr.ServiceID
	}
	endpoint := "(unknown)"
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if u, perr := url.Parse(urlErr.URL); perr == nil {
			endpoint = u.Scheme + "://" + u.Host
		}
	}
	return &UnreachableError{Service: service, Endpoint: endpoint, Err: err}
}

func rootCause(err error) error {
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// retryReporter prints one line per retry, so that a slow apply says why
// it is slow at every step.
type retryReporter struct {
	log         io.Writer
	maxAttempts int
}

type attemptsKey struct{}

type attempts struct {
	n    int
	last error
}

func (r retryReporter) register(stack *middleware.Stack) error {
	if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("stsrenderRetryState", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		return next.HandleInitialize(context.WithValue(ctx, attemptsKey{}, &attempts{}), in)
	}), middleware.Before); err != nil {
		return err
	}
	// After the SDK's retry middleware: this runs once per attempt.
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("stsrenderRetryReport", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		state, _ := ctx.Value(attemptsKey{}).(*attempts)
		if state != nil {
			state.n++
			if state.n >= 2 && r.log != nil {
				fmt.Fprintf(r.log, "stsrender: retrying %s %s (attempt %d of %d): %v\n",
					awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), state.n, r.maxAttempts, reason(state.last))
			}
		}
		out, md, err := next.HandleFinalize(ctx, in)
		if state != nil {
			state.last = err
		}
		return out, md, err
	}), "Retry", middleware.After)
}

// reason is the short form of an attempt's error: its AWS code, else its
// root cause.
func reason(err error) string {
	if code := errorCode(err); code != "" {
		return code
	}
	if err == nil {
		return "no answer"
	}
	return rootCause(err).Error()
}
