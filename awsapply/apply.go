package awsapply

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrConflicts is returned by Apply when resources were left alone because
// they are not owned by this cluster name.
var ErrConflicts = errors.New("conflicting resources were left alone")

// ErrLoosening is returned when an apply would loosen a trust policy and
// Planner.AllowLoosening is not set.
var ErrLoosening = errors.New("the update would loosen trust policies")

// Apply executes a plan: the bucket, its distribution and objects, and the
// provider in order, then the roles a few at a time. Resources in conflict
// are left alone and reported with ErrConflicts after everything else is
// applied. Every step converges when re-run, so an interrupted apply
// finishes on the next one.
func (p *Planner) Apply(ctx context.Context, plan *Plan) error {
	if !p.AllowLoosening {
		var loosening []string
		for _, c := range plan.Changes {
			if len(c.Loosens) > 0 {
				loosening = append(loosening, fmt.Sprintf("%s (%s)", c.Name, strings.Join(c.Loosens, "; ")))
			}
		}
		if len(loosening) > 0 {
			return fmt.Errorf("%w: %s; nothing was changed. Someone tightened these trust policies in AWS: keep their restrictions by adding them to the config, or review and re-run with --allow-trust-loosening", ErrLoosening, strings.Join(loosening, ", "))
		}
	}
	var roles []*Change
	for _, c := range plan.Changes {
		if c.Kind == KindRole {
			roles = append(roles, c)
			continue
		}
		if err := p.run(ctx, c); err != nil {
			return err
		}
	}
	if err := forEachLimited(ctx, len(roles), p.concurrency(), func(ctx context.Context, i int) error {
		return p.run(ctx, roles[i])
	}); err != nil {
		return err
	}
	if conflicts := plan.Conflicts(); len(conflicts) > 0 {
		return fmt.Errorf("%w: %d (see the plan)", ErrConflicts, len(conflicts))
	}
	return nil
}

func (p *Planner) run(ctx context.Context, c *Change) error {
	if len(c.steps) == 0 {
		return nil
	}
	switch {
	case c.MintedUser && !p.PruneMintedUsers:
		if p.Log != nil {
			fmt.Fprintf(p.Log, "left minted user %s; apply --prune-minted-users deletes it once the cluster runs on STS\n", c.Name)
		}
		return nil
	case c.Orphan && c.Filtered:
		if p.Log != nil {
			fmt.Fprintf(p.Log, "left orphan %s %s (%s)\n", c.Kind, c.Name, c.Reason)
		}
		return nil
	case c.Orphan && !p.Prune:
		if p.Log != nil {
			fmt.Fprintf(p.Log, "left orphan %s %s (%s); apply --prune deletes it\n", c.Kind, c.Name, c.Reason)
		}
		return nil
	}
	if p.Log != nil {
		fmt.Fprintf(p.Log, "%s %s %s\n", progressVerb[c.Action], c.Kind, c.Name)
	}
	for _, s := range c.steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s(ctx); err != nil {
			return fmt.Errorf("%s %s %s: %w", c.Action, c.Kind, c.Name, err)
		}
	}
	return nil
}

var progressVerb = map[Action]string{Create: "creating", Update: "updating", Delete: "deleting"}
