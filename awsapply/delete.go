package awsapply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// PlanDelete lists what Delete would remove: every role under the model's
// role path tagged as owned (also roles whose CredentialsRequest is gone),
// the provider, the objects and the bucket, each only when tagged as owned.
// Resources of our names that are not ours are listed as conflicts and left
// alone; a bucket holding objects that are not ours is kept.
func (p *Planner) PlanDelete(ctx context.Context) (*Plan, error) {
	if err := p.checkAccount(ctx); err != nil {
		return nil, err
	}
	plan := &Plan{Name: p.Model.Name, Account: p.Model.AccountID, Region: p.Model.Region}
	roles, err := p.planDeleteRoles(ctx)
	if err != nil {
		return nil, fmt.Errorf("plan role deletion: %w", err)
	}
	plan.Changes = append(plan.Changes, roles...)
	provider, err := p.planDeleteProvider(ctx)
	if err != nil {
		return nil, fmt.Errorf("plan provider deletion: %w", err)
	}
	if provider != nil {
		plan.Changes = append(plan.Changes, provider)
	}
	if p.Model.Bucket == nil {
		return plan, nil // a managed ROSA OIDC config: Red Hat serves the documents
	}
	if p.Model.Bucket.Private || p.FindByTag {
		dist, err := p.planDeleteDistribution(ctx)
		if err != nil {
			return nil, fmt.Errorf("plan distribution deletion: %w", err)
		}
		if dist != nil {
			plan.Changes = append(plan.Changes, dist)
		}
	}
	bucket, err := p.planDeleteBucket(ctx)
	if err != nil {
		return nil, fmt.Errorf("plan bucket deletion: %w", err)
	}
	plan.Changes = append(plan.Changes, bucket...)
	return plan, nil
}

// Delete executes a deletion plan in its order (roles, provider,
// distribution, objects, bucket). A resource already gone counts as
// deleted; every failure is reported and the others are still attempted.
func (p *Planner) Delete(ctx context.Context, plan *Plan) error {
	var errs []error
	for _, c := range plan.Changes {
		if err := p.run(ctx, c); err != nil && !isNotFound(errors.Unwrap(err)) && !isNotFound(err) {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	for _, c := range plan.Changes {
		if c.Action == Conflict && c.Kind == KindBucket {
			errs = append(errs, fmt.Errorf("bucket %s kept: it %s", c.Name, c.Reason))
		}
	}
	return errors.Join(errs...)
}

func (p *Planner) notOwnedReason() string {
	return fmt.Sprintf("not tagged %s=owned; left alone", p.Model.OwnershipTagKey)
}

func (p *Planner) rolePath() string {
	if p.Model.RolePath != "" {
		return p.Model.RolePath
	}
	return "/"
}

func (p *Planner) planDeleteRoles(ctx context.Context) ([]*Change, error) {
	var names []string
	pager := iam.NewListRolesPaginator(p.Clients.IAM, &iam.ListRolesInput{PathPrefix: aws.String(p.rolePath())})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Roles {
			names = append(names, deref(r.RoleName))
		}
	}
	desired := map[string]bool{}
	for _, r := range p.Model.Roles {
		desired[r.Name] = true
	}
	changes := make([]*Change, len(names))
	// ListRoles returns no tags: read them per role, a few at a time.
	err := forEachLimited(ctx, len(names), p.concurrency(), func(ctx context.Context, i int) error {
		name := names[i]
		out, err := p.Clients.IAM.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String(name)})
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("role %s: %w", name, err)
		}
		c := &Change{Kind: KindRole, Name: name, Action: Delete}
		if !p.owned(iamTagMap(out.Tags)) {
			if desired[name] {
				c.Action = Conflict
				c.Reason = p.notOwnedReason()
				changes[i] = c
			}
			return nil
		}
		c.steps = []step{p.deleteRole(name)}
		changes[i] = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []*Change
	for _, c := range changes {
		if c != nil {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// deleteRole removes the role's inline policies and detaches its managed
// policies (all of them: the role is ours, and IAM deletes no role that
// has any), then deletes the role.
func (p *Planner) deleteRole(name string) step {
	return func(ctx context.Context) error {
		attached, err := attachedPolicies(ctx, p.Clients.IAM, name)
		if err != nil && !isNotFound(err) {
			return err
		}
		if err := p.attachDetach(name, nil, attached)(ctx); err != nil {
			return err
		}
		pager := iam.NewListRolePoliciesPaginator(p.Clients.IAM, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
		var policies []string
		for pager.HasMorePages() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				return err
			}
			policies = append(policies, page.PolicyNames...)
		}
		for _, pol := range policies {
			if _, err := p.Clients.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(pol)}); err != nil && !isNotFound(err) {
				return err
			}
		}
		_, err = p.Clients.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)})
		if isNotFound(err) {
			return nil
		}
		return err
	}
}

func (p *Planner) planDeleteProvider(ctx context.Context) (*Change, error) {
	if p.FindByTag {
		return p.planDeleteProviderByTag(ctx)
	}
	arn := p.Model.OIDCProvider.ARN
	out, err := p.Clients.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c := &Change{Kind: KindProvider, Name: arn, Action: Delete}
	if !p.owned(iamTagMap(out.Tags)) {
		c.Action, c.Reason = Conflict, p.notOwnedReason()
		return c, nil
	}
	c.steps = []step{func(ctx context.Context) error {
		_, err := p.Clients.IAM.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
		return err
	}}
	return c, nil
}

// planDeleteProviderByTag finds the provider as ccoctl does, by the
// ownership tag, for a deletion that does not know the issuer URL.
func (p *Planner) planDeleteProviderByTag(ctx context.Context) (*Change, error) {
	list, err := p.Clients.IAM.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		return nil, err
	}
	for _, entry := range list.OpenIDConnectProviderList {
		arn := deref(entry.Arn)
		out, err := p.Clients.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !p.owned(iamTagMap(out.Tags)) {
			continue
		}
		return &Change{Kind: KindProvider, Name: arn, Action: Delete, steps: []step{func(ctx context.Context) error {
			_, err := p.Clients.IAM.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
			return err
		}}}, nil
	}
	return nil, nil
}

func (p *Planner) planDeleteBucket(ctx context.Context) ([]*Change, error) {
	name := p.Model.Bucket.Name
	_, err := p.Clients.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	bucket := &Change{Kind: KindBucket, Name: name, Action: Delete}
	tags, err := p.bucketTags(ctx)
	if err != nil {
		return nil, err
	}
	if !p.owned(tags) {
		bucket.Action, bucket.Reason = Conflict, p.notOwnedReason()
		return []*Change{bucket}, nil
	}
	var changes, foreign []string
	pager := s3.NewListObjectsV2Paginator(p.Clients.S3, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, obj := range page.Contents {
			key := deref(obj.Key)
			objTags, err := p.objectTags(ctx, key)
			if err != nil {
				return nil, err
			}
			if p.owned(objTags) {
				changes = append(changes, key)
			} else {
				foreign = append(foreign, key)
			}
		}
	}
	var out []*Change
	for _, key := range changes {
		key := key
		out = append(out, &Change{Kind: KindObject, Name: name + "/" + key, Action: Delete, steps: []step{func(ctx context.Context) error {
			_, err := p.Clients.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: aws.String(key)})
			return err
		}}})
	}
	if len(foreign) > 0 {
		bucket.Action = Conflict
		bucket.Reason = fmt.Sprintf("holds objects stsrender does not own: %s", strings.Join(foreign, ", "))
		return append(out, bucket), nil
	}
	bucket.steps = []step{func(ctx context.Context) error {
		_, err := p.Clients.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
		return err
	}}
	return append(out, bucket), nil
}

func (p *Planner) planDeleteDistribution(ctx context.Context) (*Change, error) {
	found, owned, err := p.findDistribution(ctx)
	if err != nil || found == nil {
		return nil, err
	}
	id := deref(found.Id)
	c := &Change{Kind: KindDistribution, Name: id, Action: Delete}
	if !owned {
		c.Action, c.Reason = Conflict, p.notOwnedReason()
		return c, nil
	}
	c.steps = []step{p.disableAndDeleteDistribution(id), p.deleteOAC()}
	return c, nil
}

// disableAndDeleteDistribution disables the distribution, waits until the
// change is deployed (bounded), then deletes it.
func (p *Planner) disableAndDeleteDistribution(id string) step {
	return func(ctx context.Context) error {
		cfg, err := p.Clients.CloudFront.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
		if err != nil {
			return err
		}
		etag := cfg.ETag
		if aws.ToBool(cfg.DistributionConfig.Enabled) {
			cfg.DistributionConfig.Enabled = aws.Bool(false)
			up, err := p.Clients.CloudFront.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: etag, DistributionConfig: cfg.DistributionConfig})
			if err != nil {
				return fmt.Errorf("disable: %w", err)
			}
			etag = up.ETag
		}
		waiter := cloudfront.NewDistributionDeployedWaiter(p.Clients.CloudFront, func(o *cloudfront.DistributionDeployedWaiterOptions) {
			o.MinDelay, o.MaxDelay = time.Second, 30*time.Second
		})
		if err := waiter.Wait(ctx, &cloudfront.GetDistributionInput{Id: aws.String(id)}, 30*time.Minute); err != nil {
			return fmt.Errorf("wait for the disabled distribution to deploy: %w", err)
		}
		_, err = p.Clients.CloudFront.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(id), IfMatch: etag})
		return err
	}
}

func (p *Planner) deleteOAC() step {
	return func(ctx context.Context) error {
		id, err := p.findOAC(ctx)
		if err != nil || id == "" {
			return err
		}
		got, err := p.Clients.CloudFront.GetOriginAccessControl(ctx, &cloudfront.GetOriginAccessControlInput{Id: aws.String(id)})
		if err != nil {
			return err
		}
		_, err = p.Clients.CloudFront.DeleteOriginAccessControl(ctx, &cloudfront.DeleteOriginAccessControlInput{Id: aws.String(id), IfMatch: got.ETag})
		return err
	}
}
