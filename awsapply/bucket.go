package awsapply

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stsrender/stsrender/render"
)

// planBucket inspects the issuer bucket. It reports whether the bucket
// exists, so objects are not looked up in a bucket that is yet to be made.
func (p *Planner) planBucket(ctx context.Context) (*Change, bool, error) {
	b := p.Model.Bucket
	c := &Change{Kind: KindBucket, Name: b.Name, Action: NoChange}
	_, err := p.Clients.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b.Name)})
	switch {
	case isNotFound(err):
		c.Action = Create
		c.steps = []step{p.createBucket, p.putBucketTags(b.Tags), p.putPublicAccessBlock}
		if b.Policy != nil {
			c.steps = append(c.steps, p.putBucketPolicy(b.Policy))
		}
		return c, false, nil
	case isCode(err, "Forbidden", "403"):
		c.Action = Conflict
		c.Reason = "access to the bucket is refused: either another account owns this name (bucket names are global; choose another spec.name) or these credentials lack s3:ListBucket"
		return c, true, nil
	case err != nil:
		return nil, false, err
	}
	tags, err := p.bucketTags(ctx)
	if err != nil {
		return nil, false, err
	}
	if !p.ownership(c, tags) {
		return c, true, nil
	}
	if missing := missingTags(tags, b.Tags); len(missing) > 0 {
		merged := map[string]string{}
		for k, v := range tags {
			merged[k] = v
		}
		for _, t := range missing {
			merged[t.Key] = t.Value
		}
		var all []render.Tag
		for k, v := range merged {
			all = append(all, render.Tag{Key: k, Value: v})
		}
		// PutBucketTagging replaces the whole set: keep everyone else's tags.
		c.diff("tags", formatTagMap(tags), formatTagMap(merged), p.putBucketTags(all))
	}
	pab, err := p.Clients.S3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(b.Name)})
	current := render.PublicAccessBlock{}
	switch {
	case isCode(err, "NoSuchPublicAccessBlockConfiguration"):
	case err != nil:
		return nil, false, err
	default:
		cfg := pab.PublicAccessBlockConfiguration
		current = render.PublicAccessBlock{
			BlockPublicAcls: aws.ToBool(cfg.BlockPublicAcls), IgnorePublicAcls: aws.ToBool(cfg.IgnorePublicAcls),
			BlockPublicPolicy: aws.ToBool(cfg.BlockPublicPolicy), RestrictPublicBuckets: aws.ToBool(cfg.RestrictPublicBuckets),
		}
	}
	if current != b.PublicAccessBlock {
		c.diff("public access block", fmt.Sprintf("%+v", current), fmt.Sprintf("%+v", b.PublicAccessBlock), p.putPublicAccessBlock)
	}
	if b.Policy != nil {
		if err := p.planBucketPolicy(ctx, c, b.Policy); err != nil {
			return nil, false, err
		}
	}
	if c.Action == NoChange && (len(c.Diffs) > 0 || c.Reason != "") {
		c.Action = Update
	}
	return c, true, nil
}

// planBucketPolicy adds a policy diff when the bucket's policy does not mean
// the desired one.
func (p *Planner) planBucketPolicy(ctx context.Context, c *Change, desired *render.PolicyDocument) error {
	want := compactJSON(desired)
	out, err := p.Clients.S3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(p.Model.Bucket.Name)})
	current := ""
	switch {
	case isCode(err, "NoSuchBucketPolicy"):
	case err != nil:
		return err
	default:
		current = deref(out.Policy)
	}
	same := false
	if current != "" {
		if same, err = samePolicy(current, want); err != nil {
			return err
		}
	}
	if !same {
		c.diff("bucket policy", canonicalJSON(current), canonicalJSON(want), p.putBucketPolicy(desired))
	}
	return nil
}

func (p *Planner) bucketTags(ctx context.Context) (map[string]string, error) {
	out, err := p.Clients.S3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(p.Model.Bucket.Name)})
	if isCode(err, "NoSuchTagSet", "NoSuchTagSetError") {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return tagMap(out.TagSet, func(t s3types.Tag) (*string, *string) { return t.Key, t.Value }), nil
}

// objectTags reads the tags of one object in the issuer bucket.
func (p *Planner) objectTags(ctx context.Context, key string) (map[string]string, error) {
	out, err := p.Clients.S3.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(p.Model.Bucket.Name), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	return tagMap(out.TagSet, func(t s3types.Tag) (*string, *string) { return t.Key, t.Value }), nil
}

func (p *Planner) createBucket(ctx context.Context) error {
	b := p.Model.Bucket
	in := &s3.CreateBucketInput{Bucket: aws.String(b.Name), ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}
	if b.Region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(b.Region)}
	}
	_, err := p.Clients.S3.CreateBucket(ctx, in)
	if isCode(err, "BucketAlreadyOwnedByYou") {
		return nil // an earlier, interrupted apply created it
	}
	return err
}

func (p *Planner) putBucketTags(tags []render.Tag) step {
	return func(ctx context.Context) error {
		set := make([]s3types.Tag, len(tags))
		for i, t := range tags {
			set[i] = s3types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)}
		}
		_, err := p.Clients.S3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(p.Model.Bucket.Name), Tagging: &s3types.Tagging{TagSet: set}})
		return err
	}
}

func (p *Planner) putPublicAccessBlock(ctx context.Context) error {
	b := p.Model.Bucket.PublicAccessBlock
	_, err := p.Clients.S3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{
		Bucket: aws.String(p.Model.Bucket.Name),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(b.BlockPublicAcls), IgnorePublicAcls: aws.Bool(b.IgnorePublicAcls),
			BlockPublicPolicy: aws.Bool(b.BlockPublicPolicy), RestrictPublicBuckets: aws.Bool(b.RestrictPublicBuckets),
		},
	})
	return err
}

func (p *Planner) putBucketPolicy(doc *render.PolicyDocument) step {
	return func(ctx context.Context) error {
		body, err := doc.MarshalCompact()
		if err != nil {
			return err
		}
		_, err = p.Clients.S3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(p.Model.Bucket.Name), Policy: aws.String(string(body))})
		return err
	}
}

// objectTagging is the ownership tag of the issuer documents. Objects take
// at most 10 tags, so only the ownership tags are set.
func (p *Planner) objectTagging() string {
	v := url.Values{}
	v.Set(p.Model.OwnershipTagKey, "owned")
	v.Set("Name", p.Model.Name)
	return v.Encode()
}

func (p *Planner) planObject(ctx context.Context, obj render.Object, bucketExists bool) (*Change, error) {
	c := &Change{Kind: KindObject, Name: p.Model.Bucket.Name + "/" + obj.Key, Action: NoChange}
	put := p.putObject(obj)
	if !bucketExists {
		c.Action = Create
		c.steps = []step{put}
		return c, nil
	}
	out, err := p.Clients.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(p.Model.Bucket.Name), Key: aws.String(obj.Key)})
	if isNotFound(err) {
		c.Action = Create
		c.steps = []step{put}
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(body, obj.Body) {
		if diffs, ok := jwksDiffs(body, obj.Body); ok && obj.Key == render.JWKSKey {
			c.Diffs = append(c.Diffs, diffs...)
		} else {
			c.diff("content", canonicalJSON(string(body)), canonicalJSON(string(obj.Body)), put)
		}
	} else if ct := deref(out.ContentType); ct != obj.ContentType {
		c.diff("content type", ct, obj.ContentType, put)
	}
	tags, err := p.objectTags(ctx, obj.Key)
	if err != nil {
		return nil, err
	}
	if !p.owned(tags) && len(c.Diffs) == 0 {
		c.diff("tags", formatTagMap(tags), p.Model.OwnershipTagKey+"=owned", put)
	}
	if len(c.Diffs) > 0 {
		c.Action = Update
		c.steps = []step{put} // one PutObject rewrites content, type and tags
	}
	return c, nil
}

func (p *Planner) putObject(obj render.Object) step {
	return func(ctx context.Context) error {
		_, err := p.Clients.S3.PutObject(ctx, &s3.PutObjectInput{
			Bucket:      aws.String(p.Model.Bucket.Name),
			Key:         aws.String(obj.Key),
			Body:        bytes.NewReader(obj.Body),
			ContentType: aws.String(obj.ContentType),
			Tagging:     aws.String(p.objectTagging()),
		})
		return err
	}
}
