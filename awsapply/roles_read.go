package awsapply

import (
	"context"
	"fmt"

	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stsrender/stsrender/render"
)

// roleState is what IAM holds for one role, as the plan compares it.
type roleState struct {
	Name, Path, Description string
	// Trust is the trust policy, URL-decoded.
	Trust    string
	Boundary string
	Tags     map[string]string
	// Inline maps each inline policy's name to its document, URL-decoded.
	Inline map[string]string
	// Attached are the ARNs of the attached managed policies.
	Attached []string
}

// roleReader reads roles for a plan. Per role it costs three calls or more
// (GetRole, ListRolePolicies, GetRolePolicy, and ListAttachedRolePolicies
// for roles with managed policies); batched, a few paginated
// calls for the whole account.
type roleReader interface {
	// role returns a role's state, or nil when it does not exist. The
	// attached managed policies are read when managed says the render has
	// some or the role records some (render.AttachedPoliciesTag); a
	// per-role reader spends a call on them, which a self-managed
	// cluster's roles do not need.
	role(ctx context.Context, name string, managed bool) (*roleState, error)
	// ownedUnder lists the roles under path tagged with tagKey=owned,
	// leaving out (without reading their tags) the roles skip names.
	ownedUnder(ctx context.Context, path, tagKey string, skip map[string]bool) ([]string, error)
}

// perRoleReader asks IAM about each role on its own.
type perRoleReader struct{ iam *iam.Client }

func (r perRoleReader) role(ctx context.Context, name string, managed bool) (*roleState, error) {
	out, err := r.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s := &roleState{
		Name:        name,
		Path:        deref(out.Role.Path),
		Description: deref(out.Role.Description),
		Trust:       decodePolicy(deref(out.Role.AssumeRolePolicyDocument)),
		Tags:        iamTagMap(out.Role.Tags),
		Inline:      map[string]string{},
	}
	if out.Role.PermissionsBoundary != nil {
		s.Boundary = deref(out.Role.PermissionsBoundary.PermissionsBoundaryArn)
	}
	pager := iam.NewListRolePoliciesPaginator(r.iam, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, policy := range page.PolicyNames {
			got, err := r.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(policy)})
			if err != nil {
				return nil, err
			}
			s.Inline[policy] = decodePolicy(deref(got.PolicyDocument))
		}
	}
	if managed || s.Tags[render.AttachedPoliciesTag] != "" {
		if s.Attached, err = attachedPolicies(ctx, r.iam, name); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (r perRoleReader) ownedUnder(ctx context.Context, path, tagKey string, skip map[string]bool) ([]string, error) {
	var owned []string
	pager := iam.NewListRolesPaginator(r.iam, &iam.ListRolesInput{PathPrefix: aws.String(path)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, role := range page.Roles {
			if skip[deref(role.RoleName)] {
				continue
			}
			tags, err := r.iam.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: role.RoleName})
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if iamTagMap(tags.Tags)[tagKey] == "owned" {
				owned = append(owned, deref(role.RoleName))
			}
		}
	}
	return owned, nil
}

// batchReader answers from one snapshot of every role under the path:
// GetAccountAuthorizationDetails pages hold each role's trust policy,
// inline policies, tags and boundary, and ListRoles pages its description,
// which the former lacks. A fleet re-planning hundreds of clusters would
// otherwise spend three or more calls per role against IAM's throttled
// control plane.
type batchReader struct {
	roles map[string]*roleState
}

func readBatch(ctx context.Context, client *iam.Client, path string) (*batchReader, error) {
	b := &batchReader{roles: map[string]*roleState{}}
	details := iam.NewGetAccountAuthorizationDetailsPaginator(client, &iam.GetAccountAuthorizationDetailsInput{
		Filter: []iamtypes.EntityType{iamtypes.EntityTypeRole}, MaxItems: aws.Int32(1000)})
	for details.HasMorePages() {
		page, err := details.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range page.RoleDetailList {
			if !strings.HasPrefix(deref(d.Path), path) {
				continue
			}
			s := &roleState{
				Name:   deref(d.RoleName),
				Path:   deref(d.Path),
				Trust:  decodePolicy(deref(d.AssumeRolePolicyDocument)),
				Tags:   iamTagMap(d.Tags),
				Inline: map[string]string{},
			}
			if d.PermissionsBoundary != nil {
				s.Boundary = deref(d.PermissionsBoundary.PermissionsBoundaryArn)
			}
			for _, p := range d.RolePolicyList {
				s.Inline[deref(p.PolicyName)] = decodePolicy(deref(p.PolicyDocument))
			}
			for _, a := range d.AttachedManagedPolicies {
				s.Attached = append(s.Attached, deref(a.PolicyArn))
			}
			b.roles[s.Name] = s
		}
	}
	list := iam.NewListRolesPaginator(client, &iam.ListRolesInput{PathPrefix: aws.String(path), MaxItems: aws.Int32(1000)})
	for list.HasMorePages() {
		page, err := list.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Roles {
			if s := b.roles[deref(r.RoleName)]; s != nil {
				s.Description = deref(r.Description)
			}
		}
	}
	return b, nil
}

func (b *batchReader) role(_ context.Context, name string, _ bool) (*roleState, error) {
	return b.roles[name], nil
}

func (b *batchReader) ownedUnder(_ context.Context, _ string, tagKey string, skip map[string]bool) ([]string, error) {
	var owned []string
	for name, s := range b.roles {
		if !skip[name] && s.Tags[tagKey] == "owned" {
			owned = append(owned, name)
		}
	}
	return owned, nil
}

// reader picks the batched reader when the credentials allow
// iam:GetAccountAuthorizationDetails, and says once when they do not.
func (p *Planner) reader(ctx context.Context) (roleReader, error) {
	if !p.BatchedReads {
		return perRoleReader{p.Clients.IAM}, nil
	}
	b, err := readBatch(ctx, p.Clients.IAM, p.rolePath())
	if isCode(err, "AccessDenied", "AccessDeniedException") {
		p.batchDenied.Do(func() {
			if p.Log != nil {
				fmt.Fprintln(p.Log, "stsrender: note: iam:GetAccountAuthorizationDetails is denied; reading roles one by one (grant it to batch the reads: stsrender permissions)")
			}
		})
		return perRoleReader{p.Clients.IAM}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read roles in batches: %w", err)
	}
	return b, nil
}
