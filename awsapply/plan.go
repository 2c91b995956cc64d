package awsapply

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stsrender/stsrender/render"
)

// Action is what a plan does to one resource.
type Action string

// The plan actions.
const (
	Create   Action = "create"
	Update   Action = "update"
	NoChange Action = "no change"
	Conflict Action = "conflict"
	Delete   Action = "delete"
)

// Resource kinds.
const (
	KindBucket       = "s3-bucket"
	KindObject       = "s3-object"
	KindProvider     = "iam-oidc-provider"
	KindRole         = "iam-role"
	KindDistribution = "cloudfront-distribution"
)

// FieldDiff is one field that differs between AWS and the render.
type FieldDiff struct {
	Field   string `json:"field"`
	Current string `json:"current"`
	Desired string `json:"desired"`
}

// Change is the plan for one resource.
type Change struct {
	Kind   string      `json:"kind"`
	Name   string      `json:"name"`
	Action Action      `json:"action"`
	Diffs  []FieldDiff `json:"diffs,omitempty"`
	// Reason explains a conflict or an adoption.
	Reason string `json:"reason,omitempty"`
	// Notes report what is left alone, such as inline policies stsrender
	// did not write.
	Notes []string `json:"notes,omitempty"`
	// Orphan marks an owned role the render no longer has; apply deletes
	// it only with Planner.Prune.
	Orphan bool `json:"orphan,omitempty"`
	// Filtered marks an orphan whose CredentialsRequest the release still
	// has and the cluster's filters dropped: a filter that is wrong would
	// otherwise cost the cluster a role, so Prune leaves it.
	Filtered bool `json:"filtered,omitempty"`
	// MintedUser marks an IAM user CCO minted before a migration to STS;
	// apply deletes it only with Planner.PruneMintedUsers.
	MintedUser bool `json:"mintedUser,omitempty"`
	// Loosens says how the trust-policy update would let more principals
	// assume the role than the policy in AWS does (see trustLoosening).
	// Apply refuses it unless Planner.AllowLoosening.
	Loosens []string `json:"loosens,omitempty"`

	steps []step
}

// step is one mutating call (or a short sequence) of an apply.
type step func(ctx context.Context) error

func (c *Change) diff(field, current, desired string, do step) {
	c.Diffs = append(c.Diffs, FieldDiff{Field: field, Current: current, Desired: desired})
	c.steps = append(c.steps, do)
}

// Plan is the read-only outcome of Planner.Plan.
type Plan struct {
	Name    string    `json:"name"`
	Account string    `json:"account"`
	Region  string    `json:"region"`
	Changes []*Change `json:"changes"`
}

// HasChanges reports whether anything would be created, updated, deleted
// or is in conflict.
func (p *Plan) HasChanges() bool {
	for _, c := range p.Changes {
		if c.Action != NoChange {
			return true
		}
	}
	return false
}

// Conflicts are the changes left alone because the resource is not ours.
func (p *Plan) Conflicts() []*Change {
	var out []*Change
	for _, c := range p.Changes {
		if c.Action == Conflict {
			out = append(out, c)
		}
	}
	return out
}

var actionSymbols = map[Action]string{Create: "+", Update: "~", NoChange: "=", Conflict: "!", Delete: "-"}

// WriteText prints the plan for people.
func (p *Plan) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Plan for %s in account %s (%s):\n", p.Name, p.Account, p.Region)
	counts := map[Action]int{}
	for _, c := range p.Changes {
		counts[c.Action]++
		fmt.Fprintf(w, "  %s %-24s %s: %s", actionSymbols[c.Action], c.Kind, c.Name, c.Action)
		if c.Reason != "" {
			fmt.Fprintf(w, " (%s)", c.Reason)
		}
		fmt.Fprintln(w)
		for _, d := range c.Diffs {
			fmt.Fprintf(w, "      %s:\n        - %s\n        + %s\n", d.Field, orNone(d.Current), orNone(d.Desired))
		}
		for _, n := range c.Notes {
			fmt.Fprintf(w, "      note: %s\n", n)
		}
		for _, l := range c.Loosens {
			fmt.Fprintf(w, "      LOOSENS the trust policy: %s\n", l)
		}
	}
	var parts []string
	for _, a := range []Action{Create, Update, Delete, NoChange, Conflict} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "nothing to do: no resource of this cluster exists")
	}
	fmt.Fprintf(w, "Summary: %s\n", strings.Join(parts, ", "))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// WriteJSON prints the plan for machines.
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// Planner plans, applies, verifies and deletes the AWS side of one model.
type Planner struct {
	Clients *Clients
	Model   *render.Model
	// Adopt takes over resources of the right name that lack the ownership
	// tag, instead of reporting them as conflicts.
	Adopt bool
	// Retry bounds the retry of IAM eventual consistency.
	Retry RetryPolicy
	// Concurrency is how many roles are applied at once (default 4).
	Concurrency int
	// Log receives progress of an apply or delete.
	Log io.Writer
	// AllowLoosening lets apply replace trust policies whose update would
	// loosen them (Change.Loosens).
	AllowLoosening bool
	// FindByTag makes a deletion find the OIDC provider and a CloudFront
	// distribution by the ownership tag, as ccoctl does, for a model from
	// render.Identity that knows the name but not the issuer.
	FindByTag bool
	// PruneMintedUsers makes apply delete the IAM users CCO minted for a
	// migrating cluster (Model.MigrationInfraID).
	PruneMintedUsers bool
	// Prune makes apply delete orphans: owned roles under the role path
	// that the render no longer has. Without it they are planned and left.
	Prune bool
	// BatchedReads reads every role of the account in a few paginated
	// calls (iam:GetAccountAuthorizationDetails and ListRoles) instead of
	// three or more calls per role; denied, the plan falls back.
	BatchedReads bool

	batchDenied sync.Once
}

// Plan reads the current state and compares it with the model. It makes
// no mutating call.
func (p *Planner) Plan(ctx context.Context) (*Plan, error) {
	if err := p.checkAccount(ctx); err != nil {
		return nil, err
	}
	if err := p.checkTrustQuota(ctx); err != nil {
		return nil, err
	}
	plan := &Plan{Name: p.Model.Name, Account: p.Model.AccountID, Region: p.Model.Region}
	if p.Model.Bucket != nil {
		changes, err := p.planIssuerHosting(ctx)
		if err != nil {
			return nil, err
		}
		plan.Changes = append(plan.Changes, changes...)
	}
	provider, err := p.planProvider(ctx)
	if err != nil {
		return nil, fmt.Errorf("plan OIDC provider: %w", err)
	}
	plan.Changes = append(plan.Changes, provider)
	roles, err := p.planRoles(ctx)
	if err != nil {
		return nil, err
	}
	plan.Changes = append(plan.Changes, roles...)
	if p.Model.MigrationInfraID != "" {
		users, err := p.planMintedUsers(ctx)
		if err != nil {
			return nil, fmt.Errorf("plan minted users: %w", err)
		}
		plan.Changes = append(plan.Changes, users...)
	}
	return plan, nil
}

// planIssuerHosting plans the bucket, its CloudFront distribution when
// private, and the two issuer documents.
func (p *Planner) planIssuerHosting(ctx context.Context) ([]*Change, error) {
	bucket, bucketExists, err := p.planBucket(ctx)
	if err != nil {
		return nil, fmt.Errorf("plan bucket %s: %w", p.Model.Bucket.Name, err)
	}
	changes := []*Change{bucket}
	if p.Model.Bucket.Private {
		dist, err := p.planDistribution(ctx, bucketExists)
		if err != nil {
			return nil, fmt.Errorf("plan CloudFront distribution: %w", err)
		}
		changes = append(changes, dist)
	}
	for _, obj := range p.Model.Bucket.Objects {
		c, err := p.planObject(ctx, obj, bucketExists && bucket.Action != Conflict)
		if err != nil {
			return nil, fmt.Errorf("plan object %s: %w", obj.Key, err)
		}
		if bucket.Action == Conflict {
			c.Action, c.Reason, c.steps = Conflict, "the bucket is not ours", nil
		}
		changes = append(changes, c)
	}
	return changes, nil
}

// checkAccount refuses to work with credentials of another account than
// the one the ARNs were rendered for.
func (p *Planner) checkAccount(ctx context.Context) error {
	out, err := p.Clients.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("check AWS credentials: %w", explainUnreachable(err))
	}
	if out.Account == nil || *out.Account != p.Model.AccountID {
		return fmt.Errorf("the AWS credentials are for account %s but the cluster's account (spec.aws.accountID, or --account) is %s; use credentials of that account", deref(out.Account), p.Model.AccountID)
	}
	return nil
}

func (p *Planner) owned(tags map[string]string) bool {
	return tags[p.Model.OwnershipTagKey] == "owned"
}

// ownership decides what an existing resource's tags allow: ok, or a
// conflict change explaining why it is left alone.
func (p *Planner) ownership(c *Change, tags map[string]string) bool {
	if p.owned(tags) {
		return true
	}
	if p.Adopt {
		c.Reason = "adopted: it lacked the ownership tag, which is added"
		return true
	}
	c.Action = Conflict
	c.Reason = fmt.Sprintf("exists but is not tagged %s=owned; left alone (--adopt takes it over)", p.Model.OwnershipTagKey)
	return false
}

// missingTags returns the desired tags that are absent or differ.
func missingTags(current map[string]string, desired []render.Tag) []render.Tag {
	var out []render.Tag
	for _, t := range desired {
		if v, ok := current[t.Key]; !ok || v != t.Value {
			out = append(out, t)
		}
	}
	return out
}

func formatTags(tags []render.Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = t.Key + "=" + t.Value
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func formatTagMap(tags map[string]string) string {
	var list []render.Tag
	for k, v := range tags {
		list = append(list, render.Tag{Key: k, Value: v})
	}
	return formatTags(list)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func compactJSON(doc *render.PolicyDocument) string {
	if doc == nil {
		return ""
	}
	b, err := doc.MarshalCompact()
	if err != nil {
		return fmt.Sprintf("(unprintable: %v)", err)
	}
	return string(b)
}

// CallerAccount is the AWS account of the clients' credentials.
func CallerAccount(ctx context.Context, c *Clients) (string, error) {
	out, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("check AWS credentials: %w", explainUnreachable(err))
	}
	return deref(out.Account), nil
}

// checkTrustQuota reads the account's AssumeRolePolicySizeQuota when a
// trust policy exceeds IAM's default (an adjustable quota, so the render
// only warns) and fails before any change when a policy exceeds it.
func (p *Planner) checkTrustQuota(ctx context.Context) error {
	largest, name := 0, ""
	for _, r := range p.Model.Roles {
		if size, err := r.TrustPolicy.Size(); err == nil && size > largest {
			largest, name = size, r.Name
		}
	}
	if largest <= render.DefaultTrustPolicyQuota {
		return nil
	}
	out, err := p.Clients.IAM.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		return fmt.Errorf("read the account's trust policy quota (iam:GetAccountSummary), as role %s's trust policy is %d characters: %w", name, largest, err)
	}
	quota, ok := out.SummaryMap["AssumeRolePolicySizeQuota"]
	if !ok {
		quota = render.DefaultTrustPolicyQuota
	}
	if int32(largest) > quota {
		return fmt.Errorf("role %s: the trust policy is %d characters, over this account's AssumeRolePolicySizeQuota of %d: list fewer service accounts, or ask AWS to raise the quota (up to %d)", name, largest, quota, render.MaxTrustPolicySize)
	}
	return nil
}
