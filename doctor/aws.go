package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/stsrender/stsrender/render"
)

// defaultClientIDs are the audiences an OpenShift issuer's tokens carry.
var defaultClientIDs = []string{"openshift", "sts.amazonaws.com"}

// roleARN is a parsed IAM role ARN.
type roleARN struct {
	raw, partition, account, path, name string
}

var roleARNPattern = regexp.MustCompile(`^arn:(aws|aws-us-gov|aws-cn|aws-eusc|aws-iso[a-z-]*):iam::([0-9]{12}):role(/(?:[^/]+/)*)([^/]+)$`)

func parseRoleARN(s string) (roleARN, bool) {
	m := roleARNPattern.FindStringSubmatch(s)
	if m == nil {
		return roleARN{}, false
	}
	return roleARN{raw: s, partition: m[1], account: m[2], path: m[3], name: m[4]}, true
}

// checkProvider checks the IAM OIDC provider of the issuer and returns its
// client IDs (the defaults when it cannot be read).
func (d *Doctor) checkProvider(ctx context.Context, r *Report, providerARN, thumbprint string) []string {
	if d.IAM == nil {
		r.skip("provider.exists", "no AWS credentials given to read IAM (--aws=false)")
		return defaultClientIDs
	}
	if providerARN == "" {
		r.skip("provider.exists", "the account is unknown: give -f, --role-arn or --secret")
		return defaultClientIDs
	}
	out, err := d.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(providerARN)})
	if err != nil {
		if isCode(err, "NoSuchEntity") {
			r.fail("provider.exists", breaksNoProvider, "create the provider (stsrender apply, or the Crossplane/ACK resource)", "%s does not exist", providerARN)
		} else {
			r.fail("provider.exists", breaksNoProvider, "grant iam:GetOpenIDConnectProvider (stsrender permissions) or check the account", "%s: %v", providerARN, err)
		}
		return defaultClientIDs
	}
	r.pass("provider.exists", "%s", providerARN)
	var missing []string
	for _, id := range defaultClientIDs {
		if !slices.Contains(out.ClientIDList, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		r.fail("provider.client-ids", breaksAudience, "add the client IDs to the provider (stsrender apply does)", "client IDs %v lack %s", out.ClientIDList, strings.Join(missing, ", "))
	} else {
		r.pass("provider.client-ids", "client IDs %v include openshift and sts.amazonaws.com", out.ClientIDList)
	}
	switch {
	case len(out.ThumbprintList) == 0:
		r.pass("provider.thumbprint", "none set (IAM verifies S3 and CloudFront issuers against its trusted CAs)")
	case thumbprint == "":
		r.skip("provider.thumbprint", "the served certificate chain is unknown (the documents could not be read)")
	case slices.ContainsFunc(out.ThumbprintList, func(t string) bool { return strings.EqualFold(t, thumbprint) }):
		r.pass("provider.thumbprint", "matches the served chain (%s)", thumbprint)
	default:
		r.fail("provider.thumbprint", "InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint (only when the certificate does not chain to a CA IAM trusts; for S3 and CloudFront IAM ignores thumbprints)",
			"update the provider's thumbprint, or remove it for an issuer with a publicly trusted certificate", "thumbprints %v, served chain %s", out.ThumbprintList, thumbprint)
	}
	return out.ClientIDList
}

// roleTarget is a role to check, with what the config says of it.
type roleTarget struct {
	arn      roleARN
	rendered *render.Role
}

// checkRole checks one role's existence, trust and permissions.
func (d *Doctor) checkRole(ctx context.Context, r *Report, target roleTarget, providerARN, hostPath string, tok *token) {
	name := target.arn.name
	if d.IAM == nil {
		r.skip("role.exists", "%s: no AWS credentials given to read IAM", name)
		return
	}
	out, err := d.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		if isCode(err, "NoSuchEntity") {
			r.fail("role.exists", breaksNotAuthorized, "create the role (stsrender apply)", "%s does not exist", name)
		} else {
			r.fail("role.exists", breaksNotAuthorized, "grant iam:GetRole (stsrender permissions)", "%s: %v", name, err)
		}
		return
	}
	r.pass("role.exists", "%s", name)
	trust, err := url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if err != nil {
		trust = aws.ToString(out.Role.AssumeRolePolicyDocument)
	}
	statements, err := webIdentityStatements(trust, providerARN)
	switch {
	case err != nil:
		r.fail("role.trust-principal", breaksNotAuthorized, "restore the rendered trust policy (stsrender apply)", "%s: the trust policy does not parse: %v", name, err)
		return
	case len(statements) == 0:
		r.fail("role.trust-principal", breaksNotAuthorized, "restore the rendered trust policy (stsrender apply)", "%s: no Allow statement lets the federated principal %s perform sts:AssumeRoleWithWebIdentity", name, providerARN)
		return
	}
	r.pass("role.trust-principal", "%s trusts %s for sts:AssumeRoleWithWebIdentity", name, providerARN)

	var subjects []string
	switch {
	case tok != nil:
		subjects = []string{tok.claims.Subject}
	case target.rendered != nil:
		for _, sa := range target.rendered.Request.ServiceAccountNames {
			subjects = append(subjects, "system:serviceaccount:"+target.rendered.Request.SecretRef.Namespace+":"+sa)
		}
	}
	if len(subjects) == 0 {
		r.skip("role.trust-subject", "%s: no --token and no config: the service account is unknown", name)
	} else {
		var refused []string
		for _, sub := range subjects {
			if !admits(statements, hostPath+":sub", sub) {
				refused = append(refused, sub)
			}
		}
		if len(refused) > 0 {
			r.fail("role.trust-subject", breaksNotAuthorized, "the trust policy's "+hostPath+":sub condition must list the service account: add it to the CredentialsRequest's spec.serviceAccountNames and apply", "%s does not admit %s", name, strings.Join(refused, ", "))
		} else {
			r.pass("role.trust-subject", "%s admits %s", name, strings.Join(subjects, ", "))
		}
	}
	if tok != nil {
		ok := false
		for _, aud := range tok.claims.Audience {
			ok = ok || admits(statements, hostPath+":aud", aud)
		}
		if ok {
			r.pass("role.trust-audience", "%s: any aud condition admits %v", name, []string(tok.claims.Audience))
		} else {
			r.fail("role.trust-audience", breaksNotAuthorized, "the trust policy's "+hostPath+":aud condition must admit the token's audience", "%s: the aud condition admits none of %v", name, []string(tok.claims.Audience))
		}
	} else {
		r.skip("role.trust-audience", "no --token")
	}
	if target.rendered == nil {
		r.skip("role.permissions", "%s: no config: the CredentialsRequest's statements are unknown", name)
		return
	}
	if len(target.rendered.ManagedPolicyARNs) > 0 {
		d.checkManagedPolicies(ctx, r, name, target.rendered.ManagedPolicyARNs)
	}
	if target.rendered.InlinePolicyName == "" {
		return
	}
	policy, err := d.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(target.rendered.InlinePolicyName)})
	if err != nil {
		r.fail("role.permissions", "AccessDenied on the operator's own AWS calls", "restore the inline policy (stsrender apply)", "%s: inline policy %s: %v", name, target.rendered.InlinePolicyName, err)
		return
	}
	doc, err := url.QueryUnescape(aws.ToString(policy.PolicyDocument))
	if err != nil {
		doc = aws.ToString(policy.PolicyDocument)
	}
	if missing := missingGrants(doc, target.rendered.InlinePolicy); len(missing) > 0 {
		r.fail("role.permissions", "AccessDenied on the operator's own AWS calls", "restore the inline policy (stsrender apply)", "%s lacks %s", name, strings.Join(missing, ", "))
	} else {
		r.pass("role.permissions", "%s grants every statement of the CredentialsRequest", name)
	}
}

// checkManagedPolicies checks that the rendered managed policies are
// attached (ROSA HCP's AWS-managed operator policies).
func (d *Doctor) checkManagedPolicies(ctx context.Context, r *Report, name string, want []string) {
	attached := map[string]bool{}
	pager := iam.NewListAttachedRolePoliciesPaginator(d.IAM, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			r.fail("role.managed-policies", "AccessDenied on the operator's own AWS calls", "grant iam:ListAttachedRolePolicies (stsrender permissions)", "%s: %v", name, err)
			return
		}
		for _, p := range page.AttachedPolicies {
			attached[aws.ToString(p.PolicyArn)] = true
		}
	}
	var missing []string
	for _, arn := range want {
		if !attached[arn] {
			missing = append(missing, arn)
		}
	}
	if len(missing) > 0 {
		r.fail("role.managed-policies", "AccessDenied on the operator's own AWS calls", "attach them again (stsrender apply)", "%s lacks the managed policies %s", name, strings.Join(missing, ", "))
		return
	}
	r.pass("role.managed-policies", "%s has every rendered managed policy attached (%d)", name, len(want))
}

type trustStatement struct {
	conditions map[string]map[string][]string
}

// webIdentityStatements are the Allow statements that let principal
// perform sts:AssumeRoleWithWebIdentity.
func webIdentityStatements(doc, principal string) ([]trustStatement, error) {
	var policy struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		return nil, err
	}
	var list []map[string]any
	if err := json.Unmarshal(policy.Statement, &list); err != nil {
		var one map[string]any
		if err := json.Unmarshal(policy.Statement, &one); err != nil {
			return nil, err
		}
		list = []map[string]any{one}
	}
	var out []trustStatement
	for _, s := range list {
		if s["Effect"] != "Allow" {
			continue
		}
		fed := ""
		if p, ok := s["Principal"].(map[string]any); ok {
			fed = strings.Join(strs(p["Federated"]), " ")
		}
		actions := strs(s["Action"])
		if fed != principal || !(slices.Contains(actions, "sts:AssumeRoleWithWebIdentity") || slices.Contains(actions, "sts:*") || slices.Contains(actions, "*")) {
			continue
		}
		st := trustStatement{conditions: map[string]map[string][]string{}}
		if c, ok := s["Condition"].(map[string]any); ok {
			for op, keys := range c {
				km, _ := keys.(map[string]any)
				st.conditions[op] = map[string][]string{}
				for k, v := range km {
					st.conditions[op][k] = strs(v)
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// admits evaluates the StringEquals and StringLike conditions on key for
// value: a statement admits it when every condition on the key holds; a
// statement without one admits anything.
func admits(statements []trustStatement, key, value string) bool {
	for _, s := range statements {
		ok := true
		for op, keys := range s.conditions {
			values, has := keys[key]
			if !has {
				continue
			}
			switch op {
			case "StringEquals":
				ok = ok && slices.Contains(values, value)
			case "StringLike":
				ok = ok && slices.ContainsFunc(values, func(p string) bool { return globMatch(p, value) })
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func globMatch(pattern, value string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	m, _ := regexp.MatchString(re, value)
	return m
}

// missingGrants lists the rendered statements' actions that no statement
// of the served policy grants on the same terms.
func missingGrants(served string, want render.PolicyDocument) []string {
	var policy struct {
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(served), &policy); err != nil {
		return []string{"a parsable policy"}
	}
	var missing []string
	for _, w := range want.Statement {
		cond, _ := json.Marshal(w.Condition)
		for _, action := range strs(w.Action) {
			found := false
			for _, s := range policy.Statement {
				c, _ := json.Marshal(s["Condition"])
				if s["Effect"] == w.Effect && slices.Contains(strs(s["Resource"]), fmt.Sprint(w.Resource)) && slices.Contains(strs(s["Action"]), action) &&
					(len(w.Condition) == 0 && s["Condition"] == nil || string(c) == string(cond)) {
					found = true
					break
				}
			}
			if !found {
				missing = append(missing, fmt.Sprintf("%s %s on %v", w.Effect, action, w.Resource))
			}
		}
	}
	return missing
}

func strs(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []string:
		return t
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

// assume calls STS as a pod does: unsigned, with the token.
func (d *Doctor) assume(ctx context.Context, r *Report, role roleARN, tok *token) {
	if d.STS == nil {
		r.skip("sts.assume", "no STS endpoint")
		return
	}
	out, err := d.STS.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(role.raw), RoleSessionName: aws.String("stsrender-doctor"), WebIdentityToken: aws.String(tok.raw),
	}, func(o *sts.Options) { o.Credentials = aws.AnonymousCredentials{} })
	if err != nil {
		code, msg := "", err.Error()
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			code, msg = apiErr.ErrorCode(), apiErr.ErrorMessage()
		}
		r.fail("sts.assume", code+": "+msg, "see the failing check above that names this error", "AssumeRoleWithWebIdentity %s refused: %s: %s", role.raw, code, msg)
		return
	}
	r.pass("sts.assume", "assumed %s", aws.ToString(out.AssumedRoleUser.Arn))
}

func isCode(err error, code string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
}
