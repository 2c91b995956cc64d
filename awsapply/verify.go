package awsapply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Verify checks what STS will rely on: the issuer documents are readable
// without credentials (through the S3 API, so any S3-compatible endpoint
// works; a private bucket is checked through its owner instead, since only
// CloudFront may read it), the provider exists, and every role's trust
// policy names it. Roles listed in skip (conflicts) are not checked.
func (p *Planner) Verify(ctx context.Context, skip map[string]bool) error {
	return errors.Join(p.verifyDocuments(ctx), p.verifyTrust(ctx, skip))
}

func (p *Planner) verifyDocuments(ctx context.Context) error {
	if p.Model.Bucket == nil {
		return nil // Red Hat serves a managed ROSA OIDC config's documents
	}
	var errs []error
	reader := p.Clients.AnonymousS3
	if p.Model.Bucket.Private {
		reader = p.Clients.S3
	}
	for _, obj := range p.Model.Bucket.Objects {
		out, err := reader.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(p.Model.Bucket.Name), Key: aws.String(obj.Key)})
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s/%s anonymously: %s", p.Model.Bucket.Name, obj.Key, readHint(err, p.Model.Bucket.Private)))
			continue
		}
		body, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(body, obj.Body) {
			errs = append(errs, fmt.Errorf("%s/%s does not hold the rendered document", p.Model.Bucket.Name, obj.Key))
		}
	}
	return errors.Join(errs...)
}

// verifyTrust checks the provider exists and every role's trust policy
// names it.
func (p *Planner) verifyTrust(ctx context.Context, skip map[string]bool) error {
	var errs []error
	provider := p.Model.OIDCProvider
	got, err := p.Clients.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(provider.ARN)})
	if err != nil {
		errs = append(errs, fmt.Errorf("OIDC provider %s: %w", provider.ARN, err))
	} else if u := deref(got.Url); u != provider.URL && "https://"+u != provider.URL {
		errs = append(errs, fmt.Errorf("OIDC provider %s has URL %s, not %s", provider.ARN, u, provider.URL))
	}
	for _, r := range p.Model.Roles {
		if skip[r.Name] {
			continue
		}
		out, err := p.Clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Name)})
		if err != nil {
			errs = append(errs, fmt.Errorf("role %s: %w", r.Name, err))
			continue
		}
		var trust struct {
			Statement []struct {
				Principal struct {
					Federated any `json:"Federated"`
				} `json:"Principal"`
			} `json:"Statement"`
		}
		if err := json.Unmarshal([]byte(decodePolicy(deref(out.Role.AssumeRolePolicyDocument))), &trust); err != nil {
			errs = append(errs, fmt.Errorf("role %s: trust policy: %w", r.Name, err))
			continue
		}
		names := false
		for _, s := range trust.Statement {
			names = names || s.Principal.Federated == provider.ARN
		}
		if !names {
			errs = append(errs, fmt.Errorf("role %s: trust policy does not name the provider %s", r.Name, provider.ARN))
		}
	}
	return errors.Join(errs...)
}

// PlanIssuerDocuments plans only the two issuer documents in an existing
// bucket, for clusters whose bucket, provider and roles another controller
// owns (ACK cannot upload S3 objects). Nothing else is read or changed.
func (p *Planner) PlanIssuerDocuments(ctx context.Context) (*Plan, error) {
	if err := p.checkAccount(ctx); err != nil {
		return nil, err
	}
	b := p.Model.Bucket
	if b == nil {
		return nil, fmt.Errorf("this cluster has no issuer bucket: Red Hat serves the documents of a managed ROSA OIDC config")
	}
	_, err := p.Clients.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b.Name)})
	switch {
	case isNotFound(err):
		return nil, fmt.Errorf("bucket %s does not exist yet: create it first (the ACK Bucket, or stsrender apply), then publish the documents", b.Name)
	case err != nil:
		return nil, fmt.Errorf("bucket %s: %w", b.Name, explainUnreachable(err))
	}
	plan := &Plan{Name: p.Model.Name, Account: p.Model.AccountID, Region: p.Model.Region}
	for _, obj := range b.Objects {
		c, err := p.planObject(ctx, obj, true)
		if err != nil {
			return nil, fmt.Errorf("plan object %s: %w", obj.Key, err)
		}
		plan.Changes = append(plan.Changes, c)
	}
	return plan, nil
}

// VerifyDocuments reads both issuer documents back as STS will: anonymously
// for a public bucket.
func (p *Planner) VerifyDocuments(ctx context.Context) error { return p.verifyDocuments(ctx) }

// readHint says why an anonymous read of a document failed, in terms of
// what to fix, instead of the SDK's "403 Forbidden".
func readHint(err error, private bool) string {
	switch {
	case isCode(err, "AccessDenied", "Forbidden", "403") && !private:
		return "access denied: the bucket's policy does not allow anonymous s3:GetObject on the document yet. It is the rendered bucket policy (stsrender apply writes it; with ACK or Crossplane owning the bucket, check that its Bucket object carries the policy and has synced, and that Block Public Access allows public policies), then run again"
	case isNotFound(err):
		return "not found: the document is not in the bucket; stsrender apply (or --only issuer-documents) uploads it"
	}
	return err.Error()
}
