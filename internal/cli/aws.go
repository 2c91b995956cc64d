package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/stsrender/stsrender/awsapply"
	"github.com/stsrender/stsrender/pipeline"
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
	prune          bool
	pruneMinted    bool
	only           string
	timeout        time.Duration
}

// planner renders the config and connects to AWS with the standard
// credential chain.
func (f *awsFlags) planner(ctx context.Context, s Streams) (*awsapply.Planner, error) {
	cfg, err := loadConfigFile(f.configFile)
	if err != nil {
		return nil, err
	}
	result, err := pipeline.Build(ctx, cfg, pipeline.Options{Fetch: fetcher(s)})
	if err != nil {
		return nil, err
	}
	printResultSummary(s, result)
	return newPlanner(ctx, s, result.Model, f)
}

func newPlanner(ctx context.Context, s Streams, m *render.Model, f *awsFlags) (*awsapply.Planner, error) {
	clients, err := awsapply.NewClients(ctx, m.Region, awsapply.ClientOptions{Log: s.Err})
	if err != nil {
		return nil, err
	}
	return &awsapply.Planner{Clients: clients, Model: m, Adopt: f.adopt, AllowLoosening: f.allowLoosening, Prune: f.prune, PruneMintedUsers: f.pruneMinted, BatchedReads: true, Log: s.Err}, nil
}

// withTimeout bounds a whole command: every call, retry and wait.
func (f *awsFlags) withTimeout(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	return context.WithTimeout(cmd.Context(), f.timeout)
}

// awsError names an unreachable endpoint and says when --timeout ran out.
func (f *awsFlags) awsError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("gave up after --timeout %s (run again to finish; apply and delete converge): %w", f.timeout, err)
	}
	return awsapply.ExplainError(err)
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

Orphans (owned roles under the role path that the render no longer has) are
planned as delete (orphan), with the reason when the release knows it; apply
deletes them only with --prune. Roles are read in a few batched calls when the
credentials allow iam:GetAccountAuthorizationDetails, else one by one.

Exit status: 0 no changes, 2 changes (or conflicts, or orphans), 1 error.
Credentials come from the standard AWS chain; AWS_ENDPOINT_URL is honoured.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(f.output, "text", "json"); err != nil {
				return err
			}
			ctx, cancel := f.withTimeout(cmd)
			defer cancel()
			p, err := f.planner(ctx, s)
			if err != nil {
				return err
			}
			plan, err := p.Plan(ctx)
			if err != nil {
				return f.awsError(ctx, err)
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
Orphans, owned roles under the role path that the render no longer has (a
release dropped their CredentialsRequest, a capability was disabled), are
deleted only with --prune; otherwise they are reported and left.

--only issuer-documents writes and verifies only .well-known/openid-configuration
and keys.json in the existing bucket, for clusters whose bucket, provider and
roles ACK manages (ACK cannot upload S3 objects). Nothing else is touched.
A trust-policy update that would loosen what an admin tightened in AWS (a Deny
or a condition removed, a value admitted, a principal widened; plan marks it
LOOSENS) is refused unless --allow-trust-loosening.

It ends by reading the issuer documents back anonymously and checking that every
role's trust policy names the provider.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.only != "" && f.only != onlyIssuerDocuments {
				return fmt.Errorf("--only %q: the one part apply can do alone is %s", f.only, onlyIssuerDocuments)
			}
			ctx, cancel := f.withTimeout(cmd)
			defer cancel()
			p, err := f.planner(ctx, s)
			if err != nil {
				return err
			}
			if f.only == onlyIssuerDocuments {
				return f.awsError(ctx, publishIssuerDocuments(ctx, s, p, f.yes))
			}
			plan, err := p.Plan(ctx)
			if err != nil {
				return f.awsError(ctx, err)
			}
			plan.WriteText(s.Out)
			if plan.HasChanges() {
				if err := confirm(s, f.yes, "Apply these changes?"); err != nil {
					return err
				}
			}
			return f.awsError(ctx, applyAndVerify(ctx, s, p, plan))
		},
	}
	f.register(cmd, true)
	cmd.Flags().BoolVar(&f.allowLoosening, "allow-trust-loosening", false, "replace trust policies even where plan says the update LOOSENS them")
	cmd.Flags().BoolVar(&f.prune, "prune", false, "delete orphans: owned roles the render no longer has (plan lists them as delete (orphan))")
	cmd.Flags().BoolVar(&f.pruneMinted, "prune-minted-users", false, "with spec.migration: delete the IAM users CCO minted for the cluster (tag kubernetes.io/cluster/<infraID>: owned; access keys and policies first), once it runs on STS")
	cmd.Flags().StringVar(&f.only, "only", "", "issuer-documents: only write and verify the two issuer documents in an existing bucket (for ACK, which cannot upload objects)")
	return cmd
}

// onlyIssuerDocuments is apply --only's one value.
const onlyIssuerDocuments = "issuer-documents"

// publishIssuerDocuments writes and verifies the two issuer documents in a
// bucket another controller manages (ACK cannot upload objects), touching
// nothing else.
func publishIssuerDocuments(ctx context.Context, s Streams, p *awsapply.Planner, yes bool) error {
	plan, err := p.PlanIssuerDocuments(ctx)
	if err != nil {
		return err
	}
	plan.WriteText(s.Out)
	if plan.HasChanges() {
		if err := confirm(s, yes, "Publish the issuer documents?"); err != nil {
			return err
		}
		if err := p.Apply(ctx, plan); err != nil {
			return fmt.Errorf("apply: %w", err)
		}
	}
	if err := p.VerifyDocuments(ctx); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	fmt.Fprintln(s.Err, "published and verified: both issuer documents are readable anonymously")
	return nil
}

// applyAndVerify applies a plan, then verifies what STS relies on, even when
// conflicts were left alone (those are reported after).
func applyAndVerify(ctx context.Context, s Streams, p *awsapply.Planner, plan *awsapply.Plan) error {
	applyErr := p.Apply(ctx, plan)
	if applyErr != nil && !errors.Is(applyErr, awsapply.ErrConflicts) {
		if awsapply.IsPermanent(applyErr) {
			return fmt.Errorf("apply: %w (%s)", applyErr, awsapply.Advice(applyErr))
		}
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
	if p.Model.Bucket == nil {
		fmt.Fprintln(s.Err, "applied and verified: every role trusts the provider (Red Hat serves the managed OIDC config's documents)")
		return nil
	}
	fmt.Fprintln(s.Err, "applied and verified: the issuer documents are readable and every role trusts the provider")
	return nil
}

// applyDuringRender is spec.apply: true in function mode: no prompt (the
// config is the confirmation), the plan on stderr, conflicts fail the render.
func applyDuringRender(s Streams) func(context.Context, *render.Model, bool) error {
	return func(ctx context.Context, m *render.Model, prune bool) error {
		clients, err := awsapply.NewClients(ctx, m.Region, awsapply.ClientOptions{Log: s.Err})
		if err != nil {
			return err
		}
		p := &awsapply.Planner{Clients: clients, Model: m, Prune: prune, BatchedReads: true, Log: s.Err}
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
	var name, region, account, rolePath string
	cmd := &cobra.Command{
		Use:   "delete (-f CONFIG | --name NAME --region REGION --account ID) --yes",
		Short: "Delete the AWS side, only what is tagged as owned",
		Long: `delete removes the roles (inline policies first), the OIDC provider, the issuer
documents and the bucket (and for a private bucket the CloudFront distribution
and origin access control): only resources tagged
openshift.io/cloud-credential-operator/<name>=owned, including roles whose
CredentialsRequest is gone. A bucket holding objects stsrender does not own is
kept. A resource already gone counts as deleted; any failure exits non-zero.
--yes is required.

Deleting needs neither the release image nor the keys, which may be gone by
then: -f reads only the config's names (account, region, issuer, role path),
and --name with --region and --account works without any config, like
ccoctl aws delete --name N --region R: the credentials must belong to
--account (it is required, so that another account's cluster of the same
name is never the one deleted), and the provider and a distribution are
found by the ownership tag.`,
		Example: `  stsrender delete -f cluster.yaml --yes
  stsrender delete --name prod-east --region us-east-1 --account 123456789012 --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (f.configFile == "") == (name == "") {
				return errors.New("delete needs either -f CONFIG or --name NAME with --region REGION")
			}
			if name != "" && region == "" {
				return errors.New("--name needs --region (the bucket and the STS endpoint are regional)")
			}
			if name != "" && account == "" {
				return errors.New("--name needs --account: the account to delete from, checked against the credentials' (aws sts get-caller-identity shows theirs), so that a shell holding another account's credentials never deletes that account's cluster of the same name")
			}
			if !f.yes {
				return errors.New("delete needs --yes: it removes the cluster's identity provider and roles")
			}
			ctx, cancel := f.withTimeout(cmd)
			defer cancel()
			var params render.Params
			if f.configFile != "" {
				cfg, err := loadConfigFile(f.configFile)
				if err != nil {
					return err
				}
				params = cfg.IdentityParams()
			} else {
				params = render.Params{Name: name, Region: region, AccountID: account, RolePath: rolePath}
			}
			model, err := render.Identity(params)
			if err != nil {
				return err
			}
			p, err := newPlanner(ctx, s, model, f)
			if err != nil {
				return err
			}
			p.FindByTag = f.configFile == ""
			plan, err := p.PlanDelete(ctx)
			if err != nil {
				return f.awsError(ctx, err)
			}
			plan.WriteText(s.Out)
			if err := p.Delete(ctx, plan); err != nil {
				return f.awsError(ctx, fmt.Errorf("delete: %w", err))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&f.configFile, "config", "f", "", "STSCredentials config file (only its names are read)")
	cmd.Flags().StringVar(&name, "name", "", "cluster name (spec.name, ccoctl --name), instead of -f")
	cmd.Flags().StringVar(&region, "region", "", "AWS region, with --name")
	cmd.Flags().StringVar(&account, "account", "", "with --name (required): the AWS account ID to delete from; the credentials must belong to it")
	cmd.Flags().StringVar(&rolePath, "role-path", "/", "with --name: the IAM path under which roles are looked for")
	cmd.Flags().BoolVar(&f.yes, "yes", false, "confirm the deletion")
	cmd.Flags().DurationVar(&f.timeout, "timeout", defaultAWSTimeout, "give up after this long (every call, retry and wait)")
	return cmd
}

// defaultAWSTimeout is generous: a private bucket's CloudFront distribution
// alone can take 15 minutes to disable.
const defaultAWSTimeout = 45 * time.Minute

func (f *awsFlags) register(cmd *cobra.Command, withYes bool) {
	cmd.Flags().StringVarP(&f.configFile, "config", "f", "", "STSCredentials config file (required)")
	cmd.Flags().BoolVar(&f.adopt, "adopt", false, "take over resources of our names that lack the ownership tag")
	cmd.Flags().DurationVar(&f.timeout, "timeout", defaultAWSTimeout, "give up after this long (every call, retry and wait)")
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
	var configFile string
	var forDoctor bool
	cmd := &cobra.Command{
		Use:   "permissions [-f CONFIG | --doctor]",
		Short: "Print the least IAM policy apply and delete need",
		Long: `permissions prints the IAM policy document that apply, verify and delete need.

Without -f it is the policy for any cluster name, every action on "*" (a
private bucket also needs the cloudfront: actions that -f lists). With -f it is
scoped to what that config touches: its bucket and the two issuer documents,
its OIDC provider, the roles named <name>-* under its role path, and, with
spec.oidc.privateBucket, the CloudFront distribution and origin access control
actions. Only the config's names are read, not the release or the keys.`,
		Example: `  stsrender permissions -f cluster.yaml > stsrender-policy.json`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if forDoctor {
				_, err := fmt.Fprintln(s.Out, awsapply.DoctorPolicy)
				return err
			}
			if configFile == "" {
				_, err := fmt.Fprintln(s.Out, awsapply.MinimumPolicy)
				return err
			}
			cfg, err := loadConfigFile(configFile)
			if err != nil {
				return err
			}
			model, err := render.Identity(cfg.IdentityParams())
			if err != nil {
				return err
			}
			doc, err := awsapply.ScopedPolicy(model)
			if err != nil {
				return err
			}
			_, err = s.Out.Write(doc)
			return err
		},
	}
	cmd.Flags().StringVarP(&configFile, "config", "f", "", "scope the policy to this STSCredentials config")
	cmd.Flags().BoolVar(&forDoctor, "doctor", false, "the read-only policy stsrender doctor needs")
	return cmd
}
