package render

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// HostedControlPlane describes a ROSA cluster with hosted control planes
// (HCP). Its operator roles do not come from the release image: OCM serves
// them, and each has an AWS-managed policy attached instead of an inline
// one, which AWS versions, so an upgrade changes nothing in IAM. The hosted
// control plane reads the role ARNs from OCM, so no Secret and no
// Authentication is rendered.
type HostedControlPlane struct {
	// OperatorRolePrefix prefixes the role names, as rosa create
	// operator-roles --prefix does; empty means Params.Name.
	OperatorRolePrefix string
	// ManagedIssuerURL is the issuer of a Red Hat managed OIDC config: Red
	// Hat serves its documents, so there is no bucket and no key. Empty
	// means an unmanaged OIDC config, whose bucket and keys.json are this
	// cluster's own, rendered from Params as for a self-managed cluster.
	ManagedIssuerURL string
	// AdditionalRoles extend the built-in table: a role of a Secret the
	// table has gains the service accounts and policies; another is added.
	AdditionalRoles []OperatorRole
}

// OperatorRole is one operator role of a ROSA HCP cluster.
type OperatorRole struct {
	// Secret is the operator's credentials reference, which names the role.
	Secret          NamespacedName
	ServiceAccounts []string
	// PolicyARNs are the managed policies attached to the role.
	PolicyARNs []string
}

// ManagedOIDCHost serves Red Hat managed OIDC configs in production
// (https://oidc.op1.openshiftapps.com/<config ID>); staging and integration
// use other hosts, given as an issuer URL.
const ManagedOIDCHost = "oidc.op1.openshiftapps.com"

// ManagedOIDCIssuer is the issuer URL of a managed OIDC config.
func ManagedOIDCIssuer(configID string) string { return "https://" + ManagedOIDCHost + "/" + configID }

// Tags rosa puts on HCP operator roles (rosa cmd/create/operatorroles
// by_prefix.go), so that rosa and OCM recognise the roles stsrender creates.
const (
	rosaRedHatManagedTag  = "red-hat-managed"
	rosaNamespaceTag      = "operator_namespace"
	rosaNameTag           = "operator_name"
	rosaManagedPoliciesTg = "rosa_managed_policies"
	rosaHCPPoliciesTag    = "rosa_hcp_policies"
)

// AttachedPoliciesTag records, on each role with managed policies, the
// policy ARNs stsrender attached (space-separated). An apply detaches only
// those when the render drops them: policies someone else attached are
// reported and left.
const AttachedPoliciesTag = "stsrender.dev/attached-policies"

// hcpOperator is one row of the table: the operator's Secret, its
// AWS-managed policy's name and its service accounts.
type hcpOperator struct {
	namespace, name, policy string
	serviceAccounts         []string
}

// hcpOperatorTable lists the operator roles of ROSA HCP, a fresh copy
// each call. Source: Red Hat's
// terraform-redhat/terraform-rhcs-rosa-hcp modules/operator-roles/main.tf,
// which matches the ROSA documentation's table "Operator roles and AWS
// managed policies required for ROSA with HCP". rosa itself reads the list
// from OCM (/api/clusters_mgmt/v1/aws_inquiries/sts_credential_requests?is_hypershift=true).
// The policies are AWS-managed, under arn:<partition>:iam::aws:policy/service-role/.
func hcpOperatorTable() []hcpOperator {
	return []hcpOperator{
		{"kube-system", "capa-controller-manager", "ROSANodePoolManagementPolicy", []string{"capa-controller-manager"}},
		{"kube-system", "control-plane-operator", "ROSAControlPlaneOperatorPolicy", []string{"control-plane-operator"}},
		{"kube-system", "kms-provider", "ROSAKMSProviderPolicy", []string{"kms-provider"}},
		{"kube-system", "kube-controller-manager", "ROSAKubeControllerPolicy", []string{"kube-controller-manager"}},
		{"openshift-cloud-network-config-controller", "cloud-credentials", "ROSACloudNetworkConfigOperatorPolicy", []string{"cloud-network-config-controller"}},
		{"openshift-cluster-csi-drivers", "ebs-cloud-credentials", "ROSAAmazonEBSCSIDriverOperatorPolicy", []string{"aws-ebs-csi-driver-operator", "aws-ebs-csi-driver-controller-sa"}},
		{"openshift-image-registry", "installer-cloud-credentials", "ROSAImageRegistryOperatorPolicy", []string{"cluster-image-registry-operator", "registry"}},
		{"openshift-ingress-operator", "cloud-credentials", "ROSAIngressOperatorPolicy", []string{"ingress-operator"}},
	}
}

// HostedControlPlaneRoles returns the built-in operator roles of ROSA HCP
// with the policy ARNs of the partition (aws, aws-us-gov, …).
func HostedControlPlaneRoles(partition string) []OperatorRole {
	table := hcpOperatorTable()
	out := make([]OperatorRole, len(table))
	for i, r := range table {
		out[i] = OperatorRole{
			Secret:          NamespacedName{Namespace: r.namespace, Name: r.name},
			ServiceAccounts: r.serviceAccounts,
			PolicyARNs:      []string{AWSManagedPolicyARN(partition, "service-role/"+r.policy)},
		}
	}
	return out
}

// AWSManagedPolicyARN is the ARN of an AWS-managed policy; pathName is the
// path without its leading slash and the name, such as
// service-role/ROSAKMSProviderPolicy.
func AWSManagedPolicyARN(partition, pathName string) string {
	return fmt.Sprintf("arn:%s:iam::aws:policy/%s", partition, pathName)
}

var (
	// The lengths are checked beside the patterns: a bounded repetition
	// such as {1,512} is compiled into that many copies at every start of
	// the binary (0.19 ms and 355 KB for this one, measured).
	managedPolicyARNPattern   = lazyPattern(`^arn:(aws[a-z-]*):iam::([0-9]{12}|aws):policy/[\w+=,.@/-]+$`)
	managedOIDCConfigID       = lazyPattern(`^[a-z0-9]+$`)
	serviceAccountPattern     = dnsSubdomain
	operatorRolePrefixPattern = lazyPattern(`^[\w+=,.@-]+$`)
)

const (
	// maxOperatorRolePrefixLength is rosa's limit for --prefix.
	maxOperatorRolePrefixLength = 32
	maxOIDCConfigIDLength       = 64
	// maxPolicyARNLength is IAM's limit of a policy ARN.
	maxPolicyARNLength = 2048
)

// validOperatorRolePrefix is rosa's rule for --prefix.
func validOperatorRolePrefix(prefix string) bool {
	return len(prefix) <= maxOperatorRolePrefixLength && operatorRolePrefixPattern().MatchString(prefix)
}

// ValidOIDCConfigID reports whether id looks like an OIDC config ID of rosa
// (lower-case letters and digits).
func ValidOIDCConfigID(id string) bool {
	return len(id) <= maxOIDCConfigIDLength && managedOIDCConfigID().MatchString(id)
}

// operatorRoles merges the table with the additional roles and checks them.
func (h *HostedControlPlane) operatorRoles(partition string) ([]OperatorRole, error) {
	roles := HostedControlPlaneRoles(partition)
	index := map[NamespacedName]int{}
	// seen keeps the merge linear however many entries a config repeats.
	seen := make([]map[string]bool, len(roles))
	for i, r := range roles {
		index[r.Secret] = i
		seen[i] = setOf(r.ServiceAccounts, r.PolicyARNs)
	}
	var errs []error
	for i, extra := range h.AdditionalRoles {
		field := fmt.Sprintf("spec.rosa.additionalOperatorRoles[%d]", i)
		if err := validateOperatorRole(extra, partition); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
			continue
		}
		at, known := index[extra.Secret]
		if !known {
			index[extra.Secret] = len(roles)
			roles = append(roles, OperatorRole{Secret: extra.Secret})
			seen = append(seen, map[string]bool{})
			at = len(roles) - 1
		}
		r := &roles[at]
		r.ServiceAccounts = appendNew(seen[at], "sa:", r.ServiceAccounts, extra.ServiceAccounts)
		r.PolicyARNs = appendNew(seen[at], "arn:", r.PolicyARNs, extra.PolicyARNs)
	}
	return roles, errors.Join(errs...)
}

func validateOperatorRole(r OperatorRole, partition string) error {
	var errs []error
	for _, part := range []struct{ field, value string }{{"namespace", r.Secret.Namespace}, {"name", r.Secret.Name}} {
		if len(part.value) > 63 || !dnsLabel().MatchString(part.value) {
			errs = append(errs, fmt.Errorf("%s: %q is not a Kubernetes name (lower-case letters, digits and hyphens, at most 63)", part.field, part.value))
		}
	}
	if len(r.ServiceAccounts) == 0 {
		errs = append(errs, errors.New("serviceAccounts: list at least one service account that may assume the role"))
	}
	// One error per list: a list of a million bad names is one mistake.
	for _, sa := range r.ServiceAccounts {
		if len(sa) > 253 || !serviceAccountPattern().MatchString(sa) {
			errs = append(errs, fmt.Errorf("serviceAccounts: %q is not a service account name", safePrefix(sa)))
			break
		}
	}
	if len(r.PolicyARNs) == 0 {
		errs = append(errs, errors.New("policyARNs: list at least one managed policy, such as arn:aws:iam::aws:policy/service-role/<name>"))
	}
	for _, arn := range r.PolicyARNs {
		var m []string
		if len(arn) <= maxPolicyARNLength {
			m = managedPolicyARNPattern().FindStringSubmatch(arn)
		}
		switch {
		case m == nil:
			errs = append(errs, fmt.Errorf("policyARNs: %q is not a managed policy ARN (arn:<partition>:iam::<account or aws>:policy/<path><name>, at most %d characters)", safePrefix(arn), maxPolicyARNLength))
		case m[1] != partition:
			errs = append(errs, fmt.Errorf("policyARNs: %q is in partition %s, but the region is in %s", arn, m[1], partition))
		default:
			continue
		}
		break
	}
	return errors.Join(errs...)
}

// appendNew appends the values not yet in seen (keys prefixed by kind).
func appendNew(seen map[string]bool, kind string, list, values []string) []string {
	for _, v := range values {
		if !seen[kind+v] {
			seen[kind+v] = true
			list = append(list, v)
		}
	}
	return list
}

func setOf(serviceAccounts, policyARNs []string) map[string]bool {
	set := map[string]bool{}
	for _, sa := range serviceAccounts {
		set["sa:"+sa] = true
	}
	for _, arn := range policyARNs {
		set["arn:"+arn] = true
	}
	return set
}

// safePrefix keeps an error message short whatever a config holds.
func safePrefix(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// hostedControlPlaneRoles renders the operator roles: named
// "<prefix>-<namespace>-<name>" cut to 64 characters as rosa and OCM
// compute them, trusting the issuer for the service accounts' sub alone
// (rosa's trust policy has no aud condition), with rosa's tags.
func hostedControlPlaneRoles(p Params, prefix string, partition Partition, issuer Issuer, providerARN string, tags []Tag) ([]Role, error) {
	operators, err := p.HostedControlPlane.operatorRoles(partition.ID)
	if err != nil {
		return nil, err
	}
	var errs []error
	byName := map[string]NamespacedName{}
	out := make([]Role, 0, len(operators))
	for _, op := range operators {
		name := RoleName(prefix, op.Secret, RoleNamingTruncate)
		if first, dup := byName[strings.ToLower(name)]; dup {
			errs = append(errs, fmt.Errorf("operator role %s: its name %q, cut to %d characters, is also the name of %s's role; choose another namespace or name", op.Secret, name, MaxRoleNameLength, first))
			continue
		}
		byName[strings.ToLower(name)] = op.Secret
		request := CredentialsRequest{
			Source:              Source{File: "ROSA HCP operator roles", Item: -1},
			Name:                op.Secret.Namespace + "-" + op.Secret.Name,
			Namespace:           op.Secret.Namespace,
			SecretRef:           op.Secret,
			ServiceAccountNames: op.ServiceAccounts,
		}
		policies := slices.Clone(op.PolicyARNs)
		slices.Sort(policies)
		// The record's 256 characters also keep the count under IAM's
		// default quota of 10 attached policies per role.
		record := strings.Join(policies, " ")
		if len(record) > MaxTagValueLength {
			errs = append(errs, fmt.Errorf("operator role %s: %d managed policies: their ARNs take %d characters, more than the %d of the tag %s that records them; attach fewer", op.Secret, len(policies), len(record), MaxTagValueLength, AttachedPoliciesTag))
			continue
		}
		roleTags := append(slices.Clone(tags),
			Tag{Key: rosaRedHatManagedTag, Value: "true"},
			Tag{Key: rosaNamespaceTag, Value: op.Secret.Namespace},
			Tag{Key: rosaNameTag, Value: op.Secret.Name},
			Tag{Key: rosaManagedPoliciesTg, Value: "true"},
			Tag{Key: rosaHCPPoliciesTag, Value: "true"},
			Tag{Key: AttachedPoliciesTag, Value: record},
		)
		roleTags = sortedUniqueTags(roleTags)
		role := Role{
			Name:                   name,
			ARN:                    roleARN(partition.ID, p.AccountID, p.RolePath, name),
			Path:                   p.RolePath,
			Description:            fmt.Sprintf("ROSA HCP operator role for %s", op.Secret),
			TrustPolicy:            trustPolicy(providerARN, issuer, request),
			ManagedPolicyARNs:      policies,
			PermissionsBoundaryARN: p.PermissionsBoundaryARN,
			Tags:                   roleTags,
			Request:                request,
		}
		where := "operator role " + op.Secret.String()
		if err := validatePolicySize(role.TrustPolicy, MaxTrustPolicySize, "trust policy"); err != nil {
			errs = append(errs, fmt.Errorf("%s: serviceAccounts: %w; list fewer service accounts", where, err))
		}
		if err := validateTags(role.Tags); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
		out = append(out, role)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sortRoles(out)
	return out, nil
}

// sortedUniqueTags keeps the last value of each key (the role's own tags
// win over spec.aws.tags), sorted by key.
func sortedUniqueTags(tags []Tag) []Tag {
	byKey := map[string]string{}
	for _, t := range tags {
		byKey[t.Key] = t.Value
	}
	out := make([]Tag, 0, len(byKey))
	for k, v := range byKey {
		out = append(out, Tag{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}
