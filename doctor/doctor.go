package doctor

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stsrender/stsrender/render"
)

// Doctor runs the checks. Every field may be nil: the checks that need it
// are then skipped, with why.
type Doctor struct {
	// HTTP fetches the issuer documents anonymously.
	HTTP *http.Client
	IAM  *iam.Client
	STS  *sts.Client
	// Now is the clock for token expiry; nil means time.Now.
	Now func() time.Time
	// LatencyThreshold is what STS tolerates of an issuer (5 s).
	LatencyThreshold time.Duration
}

// Inputs are what the admin has at hand.
type Inputs struct {
	// Model is the render of the cluster's config (-f); nil without.
	Model *render.Model
	// Token is a service-account token (JWT); "" without.
	Token string
	// Secret is the credentials Secret; nil without.
	Secret *CredentialsSecret
	// Authentication is the cluster's spec.serviceAccountIssuer, from the
	// Authentication object or the rendered manifest; "" without.
	Authentication       string
	AuthenticationSource string
	// RoleARN names the role to check (else the Secret's, else every role
	// of the config).
	RoleARN string
	// Assume finally calls AssumeRoleWithWebIdentity with the token.
	Assume bool
}

func (d *Doctor) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Run checks everything the inputs allow, in the order a person would.
func (d *Doctor) Run(ctx context.Context, in Inputs) *Report {
	r := &Report{}
	var tok *token
	if in.Token != "" {
		t, err := parseToken(in.Token)
		if err != nil {
			r.fail("token.parse", breaksVerificationKey, "give the file a pod has at /var/run/secrets/openshift/serviceaccount/token (or .../eks.amazonaws.com/serviceaccount/token)", "%v", err)
		} else {
			tok = t
		}
	}
	issuer := in.Authentication
	switch {
	case in.Model != nil:
		issuer = in.Model.Issuer.URL
	case issuer == "" && tok != nil:
		issuer = tok.claims.Issuer
	}
	r.Issuer = issuer
	if issuer == "" {
		r.fail("issuer.url", "", "give -f CONFIG, --token or --authentication", "no issuer to check")
		return r
	}
	served, thumbprint := d.checkIssuer(ctx, r, issuer, in.Model)
	hostPath := strings.TrimPrefix(issuer, "https://")

	targets := d.roleTargets(r, in, tok)
	providerARN := ""
	switch {
	case in.Model != nil:
		providerARN = in.Model.OIDCProvider.ARN
	case len(targets) > 0:
		a := targets[0].arn
		providerARN = fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", a.partition, a.account, hostPath)
	}
	clientIDs := d.checkProvider(ctx, r, providerARN, thumbprint)
	if tok != nil {
		d.checkToken(r, tok, issuer, served, clientIDs)
	} else {
		r.skip("token", "no --token: the token checks (kid, signature, iss, aud, exp, sub) need one")
	}
	d.checkAuthentication(r, in, issuer)
	for _, t := range targets {
		d.checkRole(ctx, r, t, providerARN, hostPath, tok)
	}
	if len(targets) == 0 {
		r.skip("role", "no role to check: give --role-arn, --secret or -f")
	}
	d.checkSecret(r, in)
	switch {
	case !in.Assume:
	case tok == nil || len(targets) == 0:
		r.skip("sts.assume", "--assume needs --token and a role (--role-arn, --secret or -f)")
	default:
		d.assume(ctx, r, targets[0].arn, tok)
	}
	return r
}

// roleTargets picks the roles to check: --role-arn, else the Secret's,
// else (with a token, the role whose trust names its service account;
// without) every role of the config.
func (d *Doctor) roleTargets(r *Report, in Inputs, tok *token) []roleTarget {
	rendered := func(arn string) *render.Role {
		if in.Model == nil {
			return nil
		}
		for i := range in.Model.Roles {
			if in.Model.Roles[i].ARN == arn {
				return &in.Model.Roles[i]
			}
		}
		return nil
	}
	for _, candidate := range []struct{ arn, from string }{{in.RoleARN, "--role-arn"}} {
		if candidate.arn == "" {
			continue
		}
		a, ok := parseRoleARN(candidate.arn)
		if !ok {
			r.fail("role.arn", breaksNotAuthorized, "give arn:<partition>:iam::<account>:role[/path/]<name>", "%s %q is not a role ARN", candidate.from, candidate.arn)
			return nil
		}
		return []roleTarget{{arn: a, rendered: rendered(a.raw)}}
	}
	if in.Secret != nil {
		if a, ok := parseRoleARN(in.Secret.RoleARN); ok {
			return []roleTarget{{arn: a, rendered: rendered(a.raw)}}
		}
		return nil
	}
	if in.Model == nil {
		return nil
	}
	var out []roleTarget
	for i := range in.Model.Roles {
		role := &in.Model.Roles[i]
		a, _ := parseRoleARN(role.ARN)
		out = append(out, roleTarget{arn: a, rendered: role})
	}
	if tok == nil {
		return out
	}
	// A token is one service account's: only the roles that trust it can
	// be assumed with it, and judging the others by it would fail them all.
	ns, sa, ok := serviceAccount(tok.claims.Subject)
	if !ok {
		return nil
	}
	var trusting []roleTarget
	var names []string
	for _, t := range out {
		if t.rendered.Request.SecretRef.Namespace == ns && slices.Contains(t.rendered.Request.ServiceAccountNames, sa) {
			trusting = append(trusting, t)
			names = append(names, t.arn.name)
		}
	}
	if len(trusting) == 0 {
		r.fail("role.select", breaksNotAuthorized, "use the token of a service account a CredentialsRequest lists (its spec.serviceAccountNames, in its secretRef namespace), or add this one to the request",
			"no role of the config trusts %s", tok.claims.Subject)
		return nil
	}
	r.pass("role.select", "%s is trusted by %s; the other %d role(s) are not judged by this token", tok.claims.Subject, strings.Join(names, ", "), len(out)-len(trusting))
	return trusting
}

func (d *Doctor) checkAuthentication(r *Report, in Inputs, issuer string) {
	got, source := in.Authentication, in.AuthenticationSource
	if got == "" && in.Model != nil && in.Model.HostedControlPlane {
		r.skip("authentication", "a ROSA HCP cluster: the hosted control plane sets the issuer from the OIDC config")
		return
	}
	if got == "" && in.Model != nil {
		got, source = in.Model.Authentication.ServiceAccountIssuer, "the rendered Authentication"
	}
	switch {
	case got == "":
		r.skip("authentication", "no --authentication and no config")
	case got != issuer:
		r.fail("authentication", breaksIssuer, "set spec.serviceAccountIssuer of Authentication cluster to exactly "+issuer+" (for Hive, the manifest's key must be cluster-authentication-02-config.yaml)",
			"%s: spec.serviceAccountIssuer is %q, not %q: tokens carry that iss", source, got, issuer)
	default:
		r.pass("authentication", "%s: spec.serviceAccountIssuer is the issuer", source)
	}
}

func (d *Doctor) checkSecret(r *Report, in Inputs) {
	s := in.Secret
	if s == nil {
		r.skip("secret", "no --secret")
		return
	}
	a, ok := parseRoleARN(s.RoleARN)
	switch {
	case !ok:
		r.fail("secret.role-arn", breaksNotAuthorized, "role_arn must be the role's ARN (stsrender render writes it)", "%s: role_arn %q is not a role ARN", s.Source, s.RoleARN)
	case in.RoleARN != "" && in.RoleARN != s.RoleARN:
		r.fail("secret.role-arn", breaksNotAuthorized, "the operator assumes the Secret's role: render the Secret again (stsrender render) or check which role you meant", "%s names %s, not %s", s.Source, s.RoleARN, in.RoleARN)
	case in.Model != nil && !slices.ContainsFunc(in.Model.Roles, func(r render.Role) bool { return r.ARN == a.raw }):
		r.fail("secret.role-arn", breaksNotAuthorized, "render the Secret again from this config (stsrender render), or check that the Secret belongs to this cluster", "%s names %s, which the config does not render", s.Source, s.RoleARN)
	default:
		r.pass("secret.role-arn", "%s names %s", s.Source, s.RoleARN)
	}
	want := render.TokenPath
	if in.Model != nil {
		if i := slices.IndexFunc(in.Model.Roles, func(r render.Role) bool { return r.ARN == s.RoleARN }); i >= 0 {
			want = in.Model.Roles[i].Request.TokenFile()
		}
	}
	if s.WebIdentityTokenFile != want {
		r.fail("secret.token-file", "the SDK finds no token: WebIdentityErr / no such file", "web_identity_token_file must be "+want+", where the token is mounted (spec.cloudTokenPath of the request, else where OpenShift projects it)", "%s: web_identity_token_file is %q", s.Source, s.WebIdentityTokenFile)
	} else {
		r.pass("secret.token-file", "%s", s.WebIdentityTokenFile)
	}
	if s.STSRegionalEndpoints != "regional" {
		r.fail("secret.regional-endpoints", "calls go to the global STS endpoint (us-east-1), which fails in other partitions and opt-in regions", "set sts_regional_endpoints = regional", "%s: sts_regional_endpoints is %q", s.Source, s.STSRegionalEndpoints)
	} else {
		r.pass("secret.regional-endpoints", "regional")
	}
}
