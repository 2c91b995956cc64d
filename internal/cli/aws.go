package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/stsrender/stsrender/awsapply"
	"github.com/stsrender/stsrender/fn"
	"github.com/stsrender/stsrender/render"
	"golang.org/x/term"
)

// awsFlags are shared by plan, apply and delete.
type awsFlags struct {
	configFile     string
	adopt          bool
	yes            bool
	output         string
	allowLoosening bool
}

// planner renders the config and connects to AWS with the standard
// credential chain.
func (f *awsFlags) planner(ctx context.Context, s Streams) (*awsapply.Planner, error) {
	cfg, err := loadConfigFile(f.configFile)
	if err != nil {
		return nil, err
	}
	result, err := fn.Build(ctx, cfg, fn.Options{Fetch: fetcher(s)})
	if err != nil {
		return nil, err
	}
	clients, err := awsapply.NewClients(ctx, result.Model.Region, awsapply.ClientOptions{})
	if err != nil {
		return nil, err
	}
	return &awsapply.Planner{Clients: clients, Model: result.Model, Adopt: f.adopt, AllowLoosening: f.allowLoosening, Log: s.Err}, nil
}

func newPlanCommand(s Streams) *cobra.Command {
	f := &awsFlags{}
	cmd := &cobra.Command{
		Use:   "plan -f CONFIG",
		Short: "Show what apply would change on AWS (read-only)",
		Long: `plan compares the AWS side (issuer bucket and documents, OIDC provider, one IAM
role per CredentialsRequest) with the render and prints each resource as create,
update (with a field-level diff), no change, or conflict (a resource of our name
that is not tagged as owned by spec.name). It makes no mutating call.

Exit status: 0 no changes, 2 changes (or conflicts), 1 error.
Credentials come from the standard AWS chain; AWS_ENDPOINT_URL is honoured.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(f.output, "text", "json"); err != nil {
				return err
			}
			p, err := f.planner(cmd.Context(), s)
			if err != nil {
				return err
			}
			plan, err := p.Plan(cmd.Context())
			if err != nil {
				return err
			}
			if err := writePlan(s, plan, f.output); err != nil {
				return err
			}
			if plan.HasChanges() {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVarP(&f.output, "output", "o", "text", "text or json")
	return cmd
}

func newApplyCommand(s Streams) *cobra.Command {
	f := &awsFlags{}
	cmd := &cobra.Command{
		Use:   "apply -f CONFIG [--yes]",
		Short: "Create or repair the AWS side, then verify it",
		Long: `apply prints the plan, asks for confirmation (unless --yes; without a terminal
it refuses), and applies it: bucket, issuer documents, OIDC provider, roles. It
converges: drift is repaired and a second apply makes no mutating call. Resources
of our names that are not tagged as owned are left alone unless --adopt.
A trust-policy update that would loosen what an admin tightened in AWS (a Deny
or a condition removed, a value admitted, a principal widened; plan marks it
LOOSENS) is refused unless --allow-trust-loosening.

It ends by reading the issuer documents back anonymously and checking that every
role's trust policy names the provider.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			p, err := f.planner(ctx, s)
			if err != nil {
				return err
			}
			plan, err := p.Plan(ctx)
			if err != nil {
				return err
			}
			plan.WriteText(s.Out)
			if plan.HasChanges() {
				if err := confirm(s, f.yes, "Apply these changes?"); err != nil {
					return err
				}
			}
			return applyAndVerify(ctx, s, p, plan)
		},
	}
	f.register(cmd, true)
	cmd.Flags().BoolVar(&f.allowLoosening, "allow-trust-loosening", false, "replace trust policies even where plan says the update LOOSENS them")
	return cmd
}

// applyAndVerify applies a plan, then verifies what STS relies on, even when
// conflicts were left alone (those are reported after).
func applyAndVerify(ctx context.Context, s Streams, p *awsapply.Planner, plan *awsapply.Plan) error {
	applyErr := p.Apply(ctx, plan)
	if applyErr != nil && !errors.Is(applyErr, awsapply.ErrConflicts) {
		return fmt.Errorf("apply: %w (run apply again to finish; it converges)", applyErr)
	}
	skip := map[string]bool{}
	for _, c := range plan.Conflicts() {
		skip[c.Name] = true
	}
	if err := p.Verify(ctx, skip); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if applyErr != nil {
		return fmt.Errorf("apply: %w; use --adopt to take them over", applyErr)
	}
	fmt.Fprintln(s.Err, "applied and verified: the issuer documents are readable and every role trusts the provider")
	return nil
}

// applyDuringRender is spec.apply: true in function mode: no prompt (the
// config is the confirmation), the plan on stderr, conflicts fail the render.
func applyDuringRender(s Streams) func(context.Context, *render.Model) error {
	return func(ctx context.Context, m *render.Model) error {
		clients, err := awsapply.NewClients(ctx, m.Region, awsapply.ClientOptions{})
		if err != nil {
			return err
		}
		p := &awsapply.Planner{Clients: clients, Model: m, Log: s.Err}
		plan, err := p.Plan(ctx)
		if err != nil {
			return err
		}
		if plan.HasChanges() {
			plan.WriteText(s.Err)
		}
		return applyAndVerify(ctx, Streams{In: s.In, Out: io.Discard, Err: s.Err}, p, plan)
	}
}

func newDeleteCommand(s Streams) *cobra.Command {
	f := &awsFlags{}
	cmd := &cobra.Command{
		Use:   "delete -f CONFIG --yes",
		Short: "Delete the AWS side, only what is tagged as owned",
		Long: `delete removes the roles (inline policies first), the OIDC provider, the issuer
documents and the bucket: only resources tagged
openshift.io/cloud-credential-operator/<spec.name>=owned, including roles whose
CredentialsRequest is gone. A bucket holding objects stsrender does not own is
kept. A resource already gone counts as deleted; any failure exits non-zero.
--yes is required.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if !f.yes {
				return errors.New("delete needs --yes: it removes the cluster's identity provider and roles")
			}
			p, err := f.planner(ctx, s)
			if err != nil {
				return err
			}
			plan, err := p.PlanDelete(ctx)
			if err != nil {
				return err
			}
			plan.WriteText(s.Out)
			if err := p.Delete(ctx, plan); err != nil {
				return fmt.Errorf("delete: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&f.configFile, "config", "f", "", "STSCredentials config file (required)")
	cmd.Flags().BoolVar(&f.yes, "yes", false, "confirm the deletion")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

func (f *awsFlags) register(cmd *cobra.Command, withYes bool) {
	cmd.Flags().StringVarP(&f.configFile, "config", "f", "", "STSCredentials config file (required)")
	cmd.Flags().BoolVar(&f.adopt, "adopt", false, "take over resources of our names that lack the ownership tag")
	if withYes {
		cmd.Flags().BoolVar(&f.yes, "yes", false, "apply without asking")
	}
	_ = cmd.MarkFlagRequired("config")
}

func writePlan(s Streams, plan *awsapply.Plan, output string) error {
	if output == "json" {
		return plan.WriteJSON(s.Out)
	}
	plan.WriteText(s.Out)
	return nil
}

// confirm asks on a terminal; without one it refuses unless --yes.
func confirm(s Streams, yes bool, question string) error {
	if yes {
		return nil
	}
	f, ok := s.In.(*os.File)
	if !ok || !isTerminal(f) {
		return errors.New("refusing to apply without --yes: standard input is not a terminal")
	}
	fmt.Fprintf(s.Err, "%s [y/N] ", question)
	answer, _ := bufio.NewReader(f).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return errors.New("not applied")
	}
	return nil
}

// isTerminal is a real terminal check: /dev/null is a character device too.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func newPermissionsCommand(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "permissions",
		Short: "Print the least IAM policy apply and delete need",
		Long: `permissions prints the IAM policy document that apply, verify and delete need
for a public-bucket cluster. The tests run apply and delete as a user holding
exactly this policy. A private bucket also needs the cloudfront: actions on
distributions and origin access controls.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(s.Out, awsapply.MinimumPolicy)
			return err
		},
	}
}
