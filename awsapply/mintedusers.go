package awsapply

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// KindUser is an IAM user CCO minted in mint mode.
const KindUser = "iam-user"

// mintedUserTag is the tag CCO's AWS actuator puts on the users it mints.
func mintedUserTag(infraID string) string { return "kubernetes.io/cluster/" + infraID }

// planMintedUsers lists the IAM users CCO minted for the migrating cluster:
// named <infraID>-… by CCO and tagged kubernetes.io/cluster/<infraID>:
// owned. In Manual mode CCO no longer manages them and their access keys
// stay live; they are deleted only with PruneMintedUsers. A user without
// the tag, or another cluster's, is never listed.
func (p *Planner) planMintedUsers(ctx context.Context) ([]*Change, error) {
	infraID := p.Model.MigrationInfraID
	var out []*Change
	paginator := iam.NewListUsersPaginator(p.Clients.IAM, &iam.ListUsersInput{})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list IAM users: %w", err)
		}
		for _, u := range page.Users {
			name := aws.ToString(u.UserName)
			if !strings.HasPrefix(name, infraID+"-") {
				continue
			}
			tags, err := p.Clients.IAM.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String(name)})
			if err != nil {
				return nil, fmt.Errorf("user %s: list tags: %w", name, err)
			}
			owned := false
			for _, t := range tags.Tags {
				owned = owned || aws.ToString(t.Key) == mintedUserTag(infraID) && aws.ToString(t.Value) == "owned"
			}
			if !owned {
				continue
			}
			c, err := p.mintedUser(ctx, name)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// mintedUser is the deletion of one minted user, with what it holds.
func (p *Planner) mintedUser(ctx context.Context, name string) (*Change, error) {
	keys, err := p.Clients.IAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("user %s: list access keys: %w", name, err)
	}
	inline, err := p.Clients.IAM.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("user %s: list inline policies: %w", name, err)
	}
	attached, err := p.Clients.IAM.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("user %s: list attached policies: %w", name, err)
	}
	var keyIDs, attachedARNs []string
	for _, k := range keys.AccessKeyMetadata {
		keyIDs = append(keyIDs, aws.ToString(k.AccessKeyId))
	}
	for _, a := range attached.AttachedPolicies {
		attachedARNs = append(attachedARNs, aws.ToString(a.PolicyArn))
	}
	c := &Change{Kind: KindUser, Name: name, Action: Delete, MintedUser: true,
		Reason: fmt.Sprintf("minted by CCO for %s; to delete after the migration (apply --prune-minted-users): %d access key(s) %s, inline policies %s, attached policies %s",
			p.Model.MigrationInfraID, len(keyIDs), listOrNone(keyIDs), listOrNone(inline.PolicyNames), listOrNone(attachedARNs))}
	c.steps = []step{func(ctx context.Context) error {
		for _, id := range keyIDs {
			if _, err := p.Clients.IAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(name), AccessKeyId: aws.String(id)}); err != nil && !isNotFound(err) {
				return fmt.Errorf("delete access key %s: %w", id, err)
			}
		}
		for _, policy := range inline.PolicyNames {
			if _, err := p.Clients.IAM.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String(policy)}); err != nil && !isNotFound(err) {
				return fmt.Errorf("delete inline policy %s: %w", policy, err)
			}
		}
		for _, arn := range attachedARNs {
			if _, err := p.Clients.IAM.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(arn)}); err != nil && !isNotFound(err) {
				return fmt.Errorf("detach %s: %w", arn, err)
			}
		}
		if _, err := p.Clients.IAM.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)}); err != nil && !isNotFound(err) {
			return err
		}
		return nil
	}}
	return c, nil
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "(none)"
	}
	return "[" + strings.Join(items, ", ") + "]"
}
