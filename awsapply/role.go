package awsapply

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stsrender/stsrender/render"
)

// planRoles inspects every role, a few at a time, then the owned roles the
// render no longer has (orphans).
func (p *Planner) planRoles(ctx context.Context) ([]*Change, error) {
	reader, err := p.reader(ctx)
	if err != nil {
		return nil, err
	}
	roles := p.Model.Roles
	changes := make([]*Change, len(roles))
	err = forEachLimited(ctx, len(roles), p.concurrency(), func(ctx context.Context, i int) error {
		state, err := reader.role(ctx, roles[i].Name, len(roles[i].ManagedPolicyARNs) > 0)
		if err != nil {
			return fmt.Errorf("plan role %s: %w", roles[i].Name, err)
		}
		if changes[i], err = p.planRole(roles[i], state); err != nil {
			return fmt.Errorf("plan role %s: %w", roles[i].Name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	orphans, err := p.planOrphans(ctx, reader)
	if err != nil {
		return nil, fmt.Errorf("plan orphaned roles: %w", err)
	}
	return append(changes, orphans...), nil
}

func (p *Planner) concurrency() int {
	if p.Concurrency > 0 {
		return p.Concurrency
	}
	return 4
}

// planOrphans lists the roles under the role path that carry this
// cluster's ownership tag (the exact key: a cluster named "prod" never
// owns "prod-east"'s roles) and that the render does not have. They are
// deleted only with Prune.
func (p *Planner) planOrphans(ctx context.Context, reader roleReader) ([]*Change, error) {
	desired := map[string]bool{}
	for _, r := range p.Model.Roles {
		desired[r.Name] = true
	}
	owned, err := reader.ownedUnder(ctx, p.rolePath(), p.Model.OwnershipTagKey, desired)
	if err != nil {
		return nil, err
	}
	var out []*Change
	for _, name := range owned {
		reason := p.Model.Dropped[name]
		filtered := reason != ""
		switch {
		case filtered:
			reason = "its CredentialsRequest is in the release, dropped for this cluster (" + reason + "); apply --prune leaves it: if the filter is right, delete the role by hand"
		case p.Model.HostedControlPlane:
			reason = "no longer rendered: not an operator role of this config (was spec.rosa.operatorRolePrefix changed?)"
		default:
			reason = "no longer rendered: its CredentialsRequest is not in this release"
		}
		out = append(out, &Change{Kind: KindRole, Name: name, Action: Delete, Orphan: true, Filtered: filtered,
			Reason: "orphan: " + reason, steps: []step{p.deleteRole(name)}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (p *Planner) planRole(r render.Role, role *roleState) (*Change, error) {
	c := &Change{Kind: KindRole, Name: r.Name, Action: NoChange}
	trust := compactJSON(&r.TrustPolicy)
	inline := compactJSON(&r.InlinePolicy)
	if role == nil {
		c.Action = Create
		c.steps = []step{p.createRole(r, trust)}
		if r.InlinePolicyName != "" {
			c.steps = append(c.steps, p.putRolePolicy(r, inline))
		}
		if len(r.ManagedPolicyARNs) > 0 {
			c.steps = append(c.steps, p.attachDetach(r.Name, r.ManagedPolicyARNs, nil))
		}
		return c, nil
	}
	if !p.ownership(c, role.Tags) {
		return c, nil
	}
	if role.Path != r.Path {
		c.Action = Conflict
		c.Reason = fmt.Sprintf("exists with path %s, not %s; a role's path cannot change: delete the role or set spec.aws.rolePath: %s", role.Path, r.Path, role.Path)
		return c, nil
	}
	if same, err := samePolicy(role.Trust, trust); err != nil {
		return nil, err
	} else if !same {
		loosens, err := trustLoosening(role.Trust, trust)
		if err != nil {
			return nil, err
		}
		c.Loosens = loosens
		c.diff("trust policy", canonicalJSON(role.Trust), canonicalJSON(trust), func(ctx context.Context) error {
			return untilPropagated(ctx, p.Retry, p.Log, "trust policy of "+r.Name, func() error {
				_, err := p.Clients.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(r.Name), PolicyDocument: aws.String(trust)})
				return err
			})
		})
	}
	if d := role.Description; d != r.Description {
		c.diff("description", d, r.Description, func(ctx context.Context) error {
			_, err := p.Clients.IAM.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String(r.Name), Description: aws.String(r.Description)})
			return err
		})
	}
	if role.Boundary != r.PermissionsBoundaryARN {
		c.diff("permissions boundary", role.Boundary, r.PermissionsBoundaryARN, func(ctx context.Context) error {
			if r.PermissionsBoundaryARN == "" {
				_, err := p.Clients.IAM.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String(r.Name)})
				return err
			}
			_, err := p.Clients.IAM.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String(r.Name), PermissionsBoundary: aws.String(r.PermissionsBoundaryARN)})
			return err
		})
	}
	// Before the tags: the record tag must not forget a policy that a
	// failed detach left attached.
	p.planManagedPolicies(c, r, role)
	if missing := missingTags(role.Tags, r.Tags); len(missing) > 0 {
		c.diff("tags", formatTagMap(role.Tags), formatTags(r.Tags), func(ctx context.Context) error {
			_, err := p.Clients.IAM.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(r.Name), Tags: iamTags(missing)})
			return err
		})
	}
	if err := p.planInlinePolicy(c, r, inline, role.Inline); err != nil {
		return nil, err
	}
	if len(c.Diffs) > 0 || c.Reason != "" {
		c.Action = Update
	}
	return c, nil
}

// planInlinePolicy compares the role's inline policy with the render and
// reports the inline policies stsrender did not write, which it leaves alone.
func (p *Planner) planInlinePolicy(c *Change, r render.Role, inline string, current map[string]string) error {
	names := make([]string, 0, len(current))
	for name := range current {
		names = append(names, name)
	}
	sort.Strings(names)
	found := false
	for _, name := range names {
		if name != r.InlinePolicyName {
			c.Notes = append(c.Notes, fmt.Sprintf("inline policy %s was not written by stsrender; left alone", name))
			continue
		}
		found = true
		same, err := samePolicy(current[name], inline)
		if err != nil {
			return err
		}
		if !same {
			c.diff("inline policy "+name, canonicalJSON(current[name]), canonicalJSON(inline), p.putRolePolicy(r, inline))
		}
	}
	if !found && r.InlinePolicyName != "" {
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
		err := untilPropagated(ctx, p.Retry, p.Log, "create "+r.Name+", trusting the new provider", func() error {
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
		return untilPropagated(ctx, p.Retry, p.Log, "inline policy of "+r.Name, func() error {
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
