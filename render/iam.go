package render

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// IAM limits that IAM enforces but local stand-ins such as moto do not.
const (
	MaxRoleNameLength = 64
	// MaxTrustPolicySize is the most an account's AssumeRolePolicySizeQuota
	// can be raised to; DefaultTrustPolicyQuota is what it is until then.
	MaxTrustPolicySize      = 4096
	DefaultTrustPolicyQuota = 2048
	MaxInlinePolicySize     = 10240
	MaxTags                 = 50
	MaxTagKeyLength         = 128
	MaxTagValueLength       = 256
	maxRolePathLength       = 512
	hashedRoleSuffixChars   = 8
)

var (
	rolePathPattern = lazyPattern(`^/([\x21-\x7e]*/)?$`)
	boundaryPattern = lazyPattern(`^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$`)
)

// RoleName returns the IAM role name of a request: "<name>-<secret
// namespace>-<secret name>", shortened to 64 characters by the chosen naming.
func RoleName(clusterName string, secretRef NamespacedName, naming RoleNaming) string {
	full := fmt.Sprintf("%s-%s-%s", clusterName, secretRef.Namespace, secretRef.Name)
	if len(full) <= MaxRoleNameLength {
		return full
	}
	if naming == RoleNamingHashed {
		sum := sha256.Sum256([]byte(full))
		keep := MaxRoleNameLength - hashedRoleSuffixChars - 1
		return full[:keep] + "-" + hex.EncodeToString(sum[:])[:hashedRoleSuffixChars]
	}
	return full[:MaxRoleNameLength]
}

func roleARN(partition, account, path, name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role%s%s", partition, account, path, name)
}

func oidcProviderARN(partition, account string, issuer Issuer) string {
	return fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", partition, account, issuer.HostPath)
}

// trustPolicy lets exactly the request's service accounts assume the role
// with a web identity token from the cluster's issuer.
func trustPolicy(providerARN string, issuer Issuer, cr CredentialsRequest) PolicyDocument {
	subjects := make([]any, len(cr.ServiceAccountNames))
	for i, sa := range cr.ServiceAccountNames {
		subjects[i] = fmt.Sprintf("system:serviceaccount:%s:%s", cr.SecretRef.Namespace, sa)
	}
	return PolicyDocument{
		Version: PolicyVersion,
		Statement: []Statement{{
			Effect:    "Allow",
			Principal: map[string]string{"Federated": providerARN},
			Action:    "sts:AssumeRoleWithWebIdentity",
			Condition: map[string]map[string]any{
				"StringEquals": {issuer.HostPath + ":sub": subjects},
			},
		}},
	}
}

// permissionPolicy copies the request's statement entries: actions in
// request order, the resource as a string, the condition as written.
func permissionPolicy(cr CredentialsRequest) PolicyDocument {
	statements := make([]Statement, len(cr.StatementEntries))
	for i, e := range cr.StatementEntries {
		statements[i] = Statement{Effect: e.Effect, Action: e.Action, Resource: e.Resource}
		if len(e.PolicyCondition) > 0 {
			statements[i].Condition = e.PolicyCondition
		}
	}
	return PolicyDocument{Version: PolicyVersion, Statement: statements}
}

func validateRolePath(path string) error {
	if len(path) > maxRolePathLength || !rolePathPattern().MatchString(path) {
		return fmt.Errorf("%q is not an IAM path: it must be \"/\" or start and end with \"/\" (like /openshift/prod/), printable ASCII, at most %d characters", path, maxRolePathLength)
	}
	return nil
}

func validatePolicySize(doc PolicyDocument, limit int, what string) error {
	size, err := doc.Size()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if size > limit {
		return fmt.Errorf("%s is %d characters without whitespace; IAM allows at most %d", what, size, limit)
	}
	return nil
}

func validateTags(tags []Tag) error {
	if len(tags) > MaxTags {
		return fmt.Errorf("%d tags; AWS allows at most %d per resource", len(tags), MaxTags)
	}
	for _, t := range tags {
		switch {
		case t.Key == "":
			return fmt.Errorf("a tag key is empty")
		case len([]rune(t.Key)) > MaxTagKeyLength:
			return fmt.Errorf("tag key %q is longer than %d characters", t.Key, MaxTagKeyLength)
		case len([]rune(t.Value)) > MaxTagValueLength:
			return fmt.Errorf("value of tag %q is longer than %d characters", t.Key, MaxTagValueLength)
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return fmt.Errorf("tag key %q uses the reserved aws: prefix", t.Key)
		}
	}
	return nil
}
