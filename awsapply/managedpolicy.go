package awsapply

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stsrender/stsrender/render"
)

// planManagedPolicies compares a role's attached managed policies with the
// render as sets. It attaches the missing ones and detaches those that
// stsrender attached (recorded in render.AttachedPoliciesTag) and the
// render no longer has. Policies someone else attached are reported and
// stay, like inline policies stsrender did not write.
func (p *Planner) planManagedPolicies(c *Change, r render.Role, role *roleState) {
	attached := role.Attached
	recorded := strings.Fields(role.Tags[render.AttachedPoliciesTag])
	var attach, detach []string
	for _, arn := range r.ManagedPolicyARNs {
		if !slices.Contains(attached, arn) {
			attach = append(attach, arn)
		}
	}
	result := slices.Clone(attached)
	for _, arn := range attached {
		switch {
		case slices.Contains(r.ManagedPolicyARNs, arn):
		case slices.Contains(recorded, arn):
			detach = append(detach, arn)
			result = slices.DeleteFunc(result, func(a string) bool { return a == arn })
		default:
			c.Notes = append(c.Notes, fmt.Sprintf("managed policy %s was not attached by stsrender; left attached", arn))
		}
	}
	if len(attach) == 0 && len(detach) == 0 {
		return
	}
	result = append(result, attach...)
	c.diff("managed policies", joinSorted(attached), joinSorted(result), p.attachDetach(r.Name, attach, detach))
}

// attachDetach attaches, then detaches. A role created moments ago may not
// be visible to AttachRolePolicy yet, hence the propagation retry.
func (p *Planner) attachDetach(role string, attach, detach []string) step {
	return func(ctx context.Context) error {
		for _, arn := range attach {
			err := untilPropagated(ctx, p.Retry, p.Log, "attach "+arn+" to "+role, func() error {
				_, err := p.Clients.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(arn)})
				return err
			})
			if isMissingPolicy(err) {
				return &MissingPolicyError{Role: role, PolicyARN: arn, Err: err}
			}
			if err != nil {
				return fmt.Errorf("attach %s: %w", arn, err)
			}
		}
		for _, arn := range detach {
			_, err := p.Clients.IAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(arn)})
			if err != nil && !isNotFound(err) {
				return fmt.Errorf("detach %s: %w", arn, err)
			}
		}
		return nil
	}
}

// attachedPolicies lists the ARNs of a role's attached managed policies.
func attachedPolicies(ctx context.Context, client *iam.Client, role string) ([]string, error) {
	var out []string
	pager := iam.NewListAttachedRolePoliciesPaginator(client, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.AttachedPolicies {
			out = append(out, deref(a.PolicyArn))
		}
	}
	return out, nil
}

func joinSorted(list []string) string {
	s := slices.Clone(list)
	slices.Sort(s)
	return strings.Join(s, ", ")
}
