package awsapply

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stsrender/stsrender/render"
)

// planRoles inspects every role, a few at a time.
func (p *Planner) planRoles(ctx context.Context) ([]*Change, error) {
	roles := p.Model.Roles
	changes := make([]*Change, len(roles))
	err := forEachLimited(ctx, len(roles), p.concurrency(), func(ctx context.Context, i int) error {
		c, err := p.planRole(ctx, roles[i])
		if err != nil {
			return fmt.Errorf("plan role %s: %w", roles[i].Name, err)
		}
		changes[i] = c
		return nil
	})
	return changes, err
}

func (p *Planner) concurrency() int {
	if p.Concurrency > 0 {
		return p.Concurrency
	}
	return 4
}

func (p *Planner) planRole(ctx context.Context, r render.Role) (*Change, error) {
	c := &Change{Kind: KindRole, Name: r.Name, Action: NoChange}
	trust := compactJSON(&r.TrustPolicy)
	inline := compactJSON(&r.InlinePolicy)
	out, err := p.Clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Name)})
	if isNotFound(err) {
		c.Action = Create
		c.steps = []step{p.createRole(r, trust), p.putRolePolicy(r, inline)}
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	role := out.Role
	tags := iamTagMap(role.Tags)
	if !p.ownership(c, tags) {
		return c, nil
	}
	if deref(role.Path) != r.Path {
		c.Action = Conflict
		c.Reason = fmt.Sprintf("exists with path %s, not %s; a role's path cannot change: delete the role or set spec.aws.rolePath: %s", deref(role.Path), r.Path, deref(role.Path))
		return c, nil
	}
	current := decodePolicy(deref(role.AssumeRolePolicyDocument))
	if same, err := samePolicy(current, trust); err != nil {
		return nil, err
	} else if !same {
		loosens, err := trustLoosening(current, trust)
		if err != nil {
			return nil, err
		}
		c.Loosens = loosens
		c.diff("trust policy", canonicalJSON(current), canonicalJSON(trust), func(ctx context.Context) error {
			return untilPropagated(ctx, p.Retry, func() error {
				_, err := p.Clients.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(r.Name), PolicyDocument: aws.String(trust)})
				return err
			})
		})
	}
	if d := deref(role.Description); d != r.Description {
		c.diff("description", d, r.Description, func(ctx context.Context) error {
			_, err := p.Clients.IAM.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String(r.Name), Description: aws.String(r.Description)})
			return err
		})
	}
	boundary := ""
	if role.PermissionsBoundary != nil {
		boundary = deref(role.PermissionsBoundary.PermissionsBoundaryArn)
	}
	if boundary != r.PermissionsBoundaryARN {
		c.diff("permissions boundary", boundary, r.PermissionsBoundaryARN, func(ctx context.Context) error {
			if r.PermissionsBoundaryARN == "" {
				_, err := p.Clients.IAM.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String(r.Name)})
				return err
			}
			_, err := p.Clients.IAM.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String(r.Name), PermissionsBoundary: aws.String(r.PermissionsBoundaryARN)})
			return err
		})
	}
	if missing := missingTags(tags, r.Tags); len(missing) > 0 {
		c.diff("tags", formatTagMap(tags), formatTags(r.Tags), func(ctx context.Context) error {
			_, err := p.Clients.IAM.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(r.Name), Tags: iamTags(missing)})
			return err
		})
	}
	if err := p.planInlinePolicy(ctx, c, r, inline); err != nil {
		return nil, err
	}
	if len(c.Diffs) > 0 || c.Reason != "" {
		c.Action = Update
	}
	return c, nil
}

// planInlinePolicy compares the role's inline policy with the render and
// reports the inline policies stsrender did not write, which it leaves alone.
func (p *Planner) planInlinePolicy(ctx context.Context, c *Change, r render.Role, inline string) error {
	var names []string
	pager := iam.NewListRolePoliciesPaginator(p.Clients.IAM, &iam.ListRolePoliciesInput{RoleName: aws.String(r.Name)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return err
		}
		names = append(names, page.PolicyNames...)
	}
	found := false
	for _, name := range names {
		if name != r.InlinePolicyName {
			c.Notes = append(c.Notes, fmt.Sprintf("inline policy %s was not written by stsrender; left alone", name))
			continue
		}
		found = true
		out, err := p.Clients.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(name)})
		if err != nil {
			return err
		}
		current := decodePolicy(deref(out.PolicyDocument))
		same, err := samePolicy(current, inline)
		if err != nil {
			return err
		}
		if !same {
			c.diff("inline policy "+name, canonicalJSON(current), canonicalJSON(inline), p.putRolePolicy(r, inline))
		}
	}
	if !found {
		c.diff("inline policy "+r.InlinePolicyName, "", canonicalJSON(inline), p.putRolePolicy(r, inline))
	}
	return nil
}

func (p *Planner) createRole(r render.Role, trust string) step {
	return func(ctx context.Context) error {
		in := &iam.CreateRoleInput{
			RoleName:                 aws.String(r.Name),
			Path:                     aws.String(r.Path),
			Description:              aws.String(r.Description),
			AssumeRolePolicyDocument: aws.String(trust),
			Tags:                     iamTags(r.Tags),
		}
		if r.PermissionsBoundaryARN != "" {
			in.PermissionsBoundary = aws.String(r.PermissionsBoundaryARN)
		}
		// A provider created moments ago may not be a valid principal yet.
		err := untilPropagated(ctx, p.Retry, func() error {
			_, err := p.Clients.IAM.CreateRole(ctx, in)
			return err
		})
		if isCode(err, "EntityAlreadyExists") {
			return nil // an earlier, interrupted apply created it
		}
		return err
	}
}

func (p *Planner) putRolePolicy(r render.Role, inline string) step {
	return func(ctx context.Context) error {
		return untilPropagated(ctx, p.Retry, func() error {
			_, err := p.Clients.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(r.InlinePolicyName), PolicyDocument: aws.String(inline)})
			return err
		})
	}
}

// forEachLimited runs fn for 0..n-1 with at most limit at once, stopping
// new work at the first error or when ctx is cancelled.
func forEachLimited(ctx context.Context, n, limit int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, limit)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, i); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
