package awsapply

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stsrender/stsrender/render"
)

// planProvider inspects the IAM OIDC provider. Its ARN is known offline:
// the partition, the account and the issuer's host and path.
func (p *Planner) planProvider(ctx context.Context) (*Change, error) {
	want := p.Model.OIDCProvider
	c := &Change{Kind: KindProvider, Name: want.ARN, Action: NoChange}
	out, err := p.Clients.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(want.ARN)})
	if isNotFound(err) {
		c.Action = Create
		c.steps = []step{p.createProvider}
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	tags := iamTagMap(out.Tags)
	if !p.ownership(c, tags) {
		return c, nil
	}
	have := map[string]bool{}
	for _, id := range out.ClientIDList {
		have[id] = true
	}
	for _, id := range want.ClientIDs {
		if !have[id] {
			id := id
			c.diff("client IDs", strings.Join(out.ClientIDList, ", "), strings.Join(want.ClientIDs, ", "), func(ctx context.Context) error {
				_, err := p.Clients.IAM.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(want.ARN), ClientID: aws.String(id)})
				return err
			})
		}
	}
	if missing := missingTags(tags, want.Tags); len(missing) > 0 {
		c.diff("tags", formatTagMap(tags), formatTags(want.Tags), func(ctx context.Context) error {
			_, err := p.Clients.IAM.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(want.ARN), Tags: iamTags(missing)})
			return err
		})
	}
	if len(c.Diffs) > 0 || c.Reason != "" {
		c.Action = Update
	}
	return c, nil
}

// createProvider sends no thumbprint: IAM validates S3 and CloudFront
// issuers against its own CA library, and no step of an apply connects to
// the issuer host.
func (p *Planner) createProvider(ctx context.Context) error {
	want := p.Model.OIDCProvider
	_, err := p.Clients.IAM.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url:          aws.String(want.URL),
		ClientIDList: want.ClientIDs,
		Tags:         iamTags(want.Tags),
	})
	if isCode(err, "EntityAlreadyExists") {
		return nil // an earlier, interrupted apply created it
	}
	return err
}

func iamTags(tags []render.Tag) []iamtypes.Tag {
	out := make([]iamtypes.Tag, len(tags))
	for i, t := range tags {
		out[i] = iamtypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)}
	}
	return out
}

func iamTagMap(tags []iamtypes.Tag) map[string]string {
	return tagMap(tags, func(t iamtypes.Tag) (*string, *string) { return t.Key, t.Value })
}

// tagMap turns any of the SDK's tag lists (each service has its own Tag
// type) into a map.
func tagMap[T any](tags []T, keyValue func(T) (*string, *string)) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		k, v := keyValue(t)
		out[deref(k)] = deref(v)
	}
	return out
}
