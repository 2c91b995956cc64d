package awsapply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/stsrender/stsrender/render"
)

// cachingDisabledPolicy is AWS's managed "CachingDisabled" cache policy:
// a rotated keys.json must be served at once.
const cachingDisabledPolicy = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

// distribution is the CloudFront distribution of a private bucket, found or
// created during an apply.
type distribution struct {
	id, arn     string
	domain, oac string
}

func (p *Planner) distributionComment() string { return p.Model.OwnershipTagKey }

// callerReference is deterministic, so a retried create can never make a
// second distribution.
func (p *Planner) callerReference() string {
	sum := sha256.Sum256([]byte("stsrender/" + p.Model.Name + "/" + p.Model.Bucket.Name))
	return "stsrender-" + hex.EncodeToString(sum[:8])
}

func (p *Planner) servesBucket(origins *cftypes.Origins) bool {
	if origins == nil {
		return false
	}
	for _, o := range origins.Items {
		if deref(o.DomainName) == p.originDomain() {
			return true
		}
	}
	return false
}

func (p *Planner) originDomain() string {
	return fmt.Sprintf("%s.s3.%s.%s", p.Model.Bucket.Name, p.Model.Region, p.Model.Partition.DNSSuffix)
}

// findDistribution returns the distribution tagged as ours, else one that
// looks like ours (our comment, the ownership key, or our bucket as origin)
// but is not tagged, reported as not owned. Tags are read per distribution,
// as ccoctl does: some implementations leave comments and origins out of
// listings.
func (p *Planner) findDistribution(ctx context.Context) (*cftypes.DistributionSummary, bool, error) {
	var lookalike *cftypes.DistributionSummary
	pager := cloudfront.NewListDistributionsPaginator(p.Clients.CloudFront, &cloudfront.ListDistributionsInput{})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, false, err
		}
		if page.DistributionList == nil {
			continue
		}
		for i, d := range page.DistributionList.Items {
			tags, err := p.Clients.CloudFront.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: d.ARN})
			if err != nil {
				return nil, false, err
			}
			var items []cftypes.Tag
			if tags.Tags != nil {
				items = tags.Tags.Items
			}
			if p.owned(tagMap(items, func(t cftypes.Tag) (*string, *string) { return t.Key, t.Value })) {
				return &page.DistributionList.Items[i], true, nil
			}
			if lookalike == nil && (deref(d.Comment) == p.distributionComment() || p.servesBucket(d.Origins)) {
				lookalike = &page.DistributionList.Items[i]
			}
		}
	}
	return lookalike, false, nil
}

// planDistribution plans the CloudFront side of a private bucket: an origin
// access control, a distribution serving the bucket, and the bucket policy
// that lets only that distribution read the two documents.
func (p *Planner) planDistribution(ctx context.Context, bucketExists bool) (*Change, error) {
	c := &Change{Kind: KindDistribution, Name: p.distributionComment(), Action: NoChange}
	found, owned, err := p.findDistribution(ctx)
	if err != nil {
		return nil, err
	}
	state := &distribution{}
	if found == nil {
		c.Action = Create
		c.steps = []step{p.ensureOAC(state), p.createDistribution(state), p.putPrivatePolicy(state), p.checkIssuerDomain(state)}
		return c, nil
	}
	if !owned && !p.Adopt {
		c.Action = Conflict
		c.Reason = fmt.Sprintf("distribution %s has our comment but is not tagged %s=owned; left alone", deref(found.Id), p.Model.OwnershipTagKey)
		return c, nil
	}
	c.Name = deref(found.Id)
	state.id, state.arn, state.domain = deref(found.Id), deref(found.ARN), deref(found.DomainName)
	if err := p.issuerMatches(state.domain); err != nil {
		c.Action = Conflict
		c.Reason = err.Error()
		return c, nil
	}
	if bucketExists {
		if err := p.planBucketPolicy(ctx, c, render.PrivateBucketPolicy(p.Model.Partition.ID, p.Model.Bucket.Name, state.arn)); err != nil {
			return nil, err
		}
	}
	if len(c.Diffs) > 0 {
		c.Action = Update
	}
	return c, nil
}

// issuerMatches checks the issuer is served by the distribution: its
// domain or, with a custom domain, one of its aliases pointing at it.
func (p *Planner) issuerMatches(domain string) error {
	host := strings.SplitN(p.Model.Issuer.HostPath, "/", 2)[0]
	if host == domain || !strings.HasSuffix(host, ".cloudfront.net") {
		return nil
	}
	return fmt.Errorf("the issuer host %s is not the distribution's domain %s: set spec.oidc.issuerURL: https://%s and render again", host, domain, domain)
}

func (p *Planner) oacName() string { return p.Model.Bucket.Name + "-oac" }

// findOAC returns the id of our origin access control, or "" when there is
// none. Origin access controls carry no tags: the name identifies it.
func (p *Planner) findOAC(ctx context.Context) (string, error) {
	pager := cloudfront.NewListOriginAccessControlsPaginator(p.Clients.CloudFront, &cloudfront.ListOriginAccessControlsInput{})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list origin access controls: %w", err)
		}
		if page.OriginAccessControlList == nil {
			continue
		}
		for _, o := range page.OriginAccessControlList.Items {
			if deref(o.Name) == p.oacName() {
				return deref(o.Id), nil
			}
		}
	}
	return "", nil
}

func (p *Planner) ensureOAC(state *distribution) step {
	return func(ctx context.Context) error {
		id, err := p.findOAC(ctx)
		if err != nil || id != "" {
			state.oac = id
			return err
		}
		out, err := p.Clients.CloudFront.CreateOriginAccessControl(ctx, &cloudfront.CreateOriginAccessControlInput{
			OriginAccessControlConfig: &cftypes.OriginAccessControlConfig{
				Name:                          aws.String(p.oacName()),
				Description:                   aws.String(p.distributionComment()),
				OriginAccessControlOriginType: cftypes.OriginAccessControlOriginTypesS3,
				SigningBehavior:               cftypes.OriginAccessControlSigningBehaviorsAlways,
				SigningProtocol:               cftypes.OriginAccessControlSigningProtocolsSigv4,
			},
		})
		if err != nil {
			return fmt.Errorf("create origin access control: %w", err)
		}
		state.oac = deref(out.OriginAccessControl.Id)
		return nil
	}
}

func (p *Planner) createDistribution(state *distribution) step {
	return func(ctx context.Context) error {
		origin := p.originDomain()
		tags := make([]cftypes.Tag, len(p.Model.Bucket.Tags))
		for i, t := range p.Model.Bucket.Tags {
			tags[i] = cftypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)}
		}
		out, err := p.Clients.CloudFront.CreateDistributionWithTags(ctx, &cloudfront.CreateDistributionWithTagsInput{
			DistributionConfigWithTags: &cftypes.DistributionConfigWithTags{
				DistributionConfig: &cftypes.DistributionConfig{
					CallerReference: aws.String(p.callerReference()),
					Comment:         aws.String(p.distributionComment()),
					Enabled:         aws.Bool(true),
					Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{
						Id:                    aws.String(origin),
						DomainName:            aws.String(origin),
						OriginAccessControlId: aws.String(state.oac),
						S3OriginConfig:        &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")},
					}}},
					DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{
						TargetOriginId:       aws.String(origin),
						ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyHttpsOnly,
						CachePolicyId:        aws.String(cachingDisabledPolicy),
					},
					PriceClass: cftypes.PriceClassPriceClassAll,
				},
				Tags: &cftypes.Tags{Items: tags},
			},
		})
		if isCode(err, "DistributionAlreadyExists") {
			found, _, ferr := p.findDistribution(ctx)
			if ferr != nil || found == nil {
				return fmt.Errorf("create distribution: %w", err)
			}
			state.id, state.arn, state.domain = deref(found.Id), deref(found.ARN), deref(found.DomainName)
			return nil
		}
		if err != nil {
			return fmt.Errorf("create distribution: %w", err)
		}
		state.id, state.arn, state.domain = deref(out.Distribution.Id), deref(out.Distribution.ARN), deref(out.Distribution.DomainName)
		return nil
	}
}

func (p *Planner) putPrivatePolicy(state *distribution) step {
	return func(ctx context.Context) error {
		return p.putBucketPolicy(render.PrivateBucketPolicy(p.Model.Partition.ID, p.Model.Bucket.Name, state.arn))(ctx)
	}
}

func (p *Planner) checkIssuerDomain(state *distribution) step {
	return func(context.Context) error { return p.issuerMatches(state.domain) }
}
