package render

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// TokenPath is where OpenShift projects the bound service-account token that
// the AWS SDK exchanges for role credentials.
const TokenPath = "/var/run/secrets/openshift/serviceaccount/token"

var accountIDPattern = lazyPattern(`^[0-9]{12}$`)

// Render validates the parameters and requests and builds the model. All
// problems found are returned together, each naming the field or the request
// document to fix; on error the model is nil. With p.HostedControlPlane the
// roles are ROSA HCP's operator roles and requests must be empty.
func Render(p Params, requests []CredentialsRequest) (*Model, error) {
	m, tags, err := identity(p)
	if err != nil {
		return nil, err
	}
	p.RolePath = m.RolePath
	if p.RoleNaming == "" {
		p.RoleNaming = RoleNamingTruncate
	}
	if m.Bucket != nil {
		m.Discovery = newDiscoveryDocument(m.Issuer.URL)
		if m.JWKS, err = buildJWKS(p.PublicKeys); err != nil {
			return nil, fmt.Errorf("keys.json: %w", err)
		}
		if m.Bucket, err = bucket(p, m.Partition, m.Bucket.Name, tags, m.Discovery, m.JWKS); err != nil {
			return nil, err
		}
	}
	if p.HostedControlPlane != nil {
		if len(requests) > 0 {
			return nil, fmt.Errorf("%s: a ROSA HCP cluster's operator roles come from stsrender's table (and spec.rosa.additionalOperatorRoles), not from CredentialsRequests", requests[0].Source)
		}
		if m.Roles, err = hostedControlPlaneRoles(p, m.RolePrefix, m.Partition, m.Issuer, m.OIDCProvider.ARN, tags); err != nil {
			return nil, err
		}
		return m, nil
	}
	if m.Roles, err = roles(p, m.Partition, m.Issuer, m.OIDCProvider.ARN, tags, requests); err != nil {
		return nil, err
	}
	if m.Operators, err = operatorRoles(p.Operators, m.Roles); err != nil {
		return nil, err
	}
	m.Warnings = trustQuotaWarnings(m.Roles)
	for i := range m.Roles {
		m.Roles[i].Secret.Replace = p.MigrationInfraID != "" && m.Roles[i].HasSecret()
	}
	m.UpgradeableTo = p.UpgradeableTo
	m.Namespaces = p.Namespaces
	if len(p.Dropped) > 0 {
		m.Dropped = map[string]string{}
		for _, d := range p.Dropped {
			m.Dropped[RoleName(p.Name, d.SecretRef, p.RoleNaming)] = d.Reason
		}
	}
	return m, nil
}

// identity validates the parameters and builds what names the cluster's
// AWS resources: the issuer, the provider, the bucket's name (nil for a
// managed ROSA OIDC config, whose documents Red Hat serves) and the tags
// of everything.
func identity(p Params) (*Model, []Tag, error) {
	partition, err := validateParams(p)
	if err != nil {
		return nil, nil, err
	}
	if p.RolePath == "" {
		p.RolePath = "/"
	}
	if err := validateUserTags(p.Name, p.Tags); err != nil {
		return nil, nil, err
	}
	tags := resourceTags(p.Name, p.Tags)
	if err := validateTags(tags); err != nil {
		return nil, nil, fmt.Errorf("spec.aws.tags: %w", err)
	}
	m := &Model{
		Name:               p.Name,
		AccountID:          p.AccountID,
		Region:             p.Region,
		Partition:          partition,
		OwnershipTagKey:    OwnershipTagKey(p.Name),
		RolePath:           p.RolePath,
		RolePrefix:         p.Name,
		HostedControlPlane: p.HostedControlPlane != nil,
		MigrationInfraID:   p.MigrationInfraID,
	}
	if h := p.HostedControlPlane; h != nil && h.OperatorRolePrefix != "" {
		m.RolePrefix = h.OperatorRolePrefix
	}
	if h := p.HostedControlPlane; h != nil && h.ManagedIssuerURL != "" {
		if err := ValidateIssuerURL(h.ManagedIssuerURL); err != nil {
			return nil, nil, fmt.Errorf("spec.rosa.oidcConfig.issuerURL: %w", err)
		}
		m.Issuer = Issuer{URL: h.ManagedIssuerURL, HostPath: strings.TrimPrefix(h.ManagedIssuerURL, "https://")}
	} else {
		bucketName := BucketName(p.Name)
		if m.Issuer, err = issuerFor(p, partition, bucketName); err != nil {
			return nil, nil, err
		}
		m.Bucket = &Bucket{Name: bucketName, Region: p.Region, Private: p.PrivateBucket, Tags: tags}
	}
	m.OIDCProvider = OIDCProvider{
		URL:       m.Issuer.URL,
		ARN:       oidcProviderARN(partition.ID, p.AccountID, m.Issuer),
		ClientIDs: append([]string(nil), providerClientIDs...),
		Tags:      tags,
	}
	if !m.HostedControlPlane {
		m.Authentication = Authentication{ServiceAccountIssuer: m.Issuer.URL}
	}
	return m, tags, nil
}

// OwnershipTagKey is the tag key ccoctl and stsrender put on everything they
// create for a cluster name, with the value "owned".
func OwnershipTagKey(name string) string { return "openshift.io/cloud-credential-operator/" + name }

// validateUserTags refuses spec.aws.tags that would speak for stsrender:
// an ownership tag (for this name or another: that cluster's delete and
// --prune would then take these resources), the Name tag, or a tag
// stsrender keeps its own records in.
func validateUserTags(name string, extra map[string]string) error {
	var bad []string
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		lower := strings.ToLower(k)
		switch {
		case strings.HasPrefix(lower, strings.ToLower(OwnershipTagKey(""))):
			bad = append(bad, fmt.Sprintf("%q is an ownership tag (stsrender sets %q itself; another name would hand these resources to that cluster's delete and --prune)", k, OwnershipTagKey(name)))
		case lower == "name":
			bad = append(bad, fmt.Sprintf("%q is set by stsrender to the cluster name %q", k, name))
		case strings.HasPrefix(lower, "stsrender.dev/"):
			bad = append(bad, fmt.Sprintf("%q is under stsrender.dev/, where stsrender keeps its own records", k))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("spec.aws.tags: %s: remove them", strings.Join(bad, "; "))
	}
	return nil
}

func resourceTags(name string, extra map[string]string) []Tag {
	tags := []Tag{{Key: OwnershipTagKey(name), Value: "owned"}, {Key: "Name", Value: name}}
	for k, v := range extra {
		tags = append(tags, Tag{Key: k, Value: v})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tags
}

func validateParams(p Params) (Partition, error) {
	var errs []error
	if p.Name == "" {
		errs = append(errs, errors.New("spec.name: required (prefix of role names and of the bucket \"<name>-oidc\")"))
	} else if err := validateBucketName(BucketName(p.Name)); err != nil {
		errs = append(errs, fmt.Errorf("spec.name: %w", err))
	}
	if !accountIDPattern().MatchString(p.AccountID) {
		errs = append(errs, fmt.Errorf("spec.aws.accountID: %q is not a 12-digit AWS account ID (quote it in YAML to keep leading zeros)", p.AccountID))
	}
	partition, err := PartitionForRegion(p.Region)
	if err != nil {
		errs = append(errs, fmt.Errorf("spec.aws.region: %w", err))
	}
	if p.RolePath != "" {
		if err := validateRolePath(p.RolePath); err != nil {
			errs = append(errs, fmt.Errorf("spec.aws.rolePath: %w", err))
		}
	}
	if p.PermissionsBoundaryARN != "" && !boundaryPattern().MatchString(p.PermissionsBoundaryARN) {
		errs = append(errs, fmt.Errorf("spec.aws.permissionsBoundaryARN: %q is not an IAM managed policy ARN (arn:<partition>:iam::<account>:policy/<name>)", p.PermissionsBoundaryARN))
	}
	switch p.RoleNaming {
	case "", RoleNamingTruncate, RoleNamingHashed:
	default:
		errs = append(errs, fmt.Errorf("spec.aws.roleNaming: %q is not one of %q, %q", p.RoleNaming, RoleNamingTruncate, RoleNamingHashed))
	}
	if h := p.HostedControlPlane; h != nil {
		if p.RoleNaming == RoleNamingHashed {
			errs = append(errs, errors.New("spec.aws.roleNaming: hashed names are not possible for ROSA HCP: OCM computes the operator role names by cutting them to 64 characters"))
		}
		if h.OperatorRolePrefix != "" && !validOperatorRolePrefix(h.OperatorRolePrefix) {
			errs = append(errs, fmt.Errorf("spec.rosa.operatorRolePrefix: %q must be 1 to %d letters, digits or +=,.@_- (rosa's rule)", h.OperatorRolePrefix, maxOperatorRolePrefixLength))
		}
	}
	return partition, errors.Join(errs...)
}

func bucket(p Params, partition Partition, name string, tags []Tag, discovery DiscoveryDocument, jwks JWKS) (*Bucket, error) {
	discoveryJSON, err := MarshalIndented(discovery)
	if err != nil {
		return nil, fmt.Errorf("discovery document: %w", err)
	}
	jwksJSON, err := MarshalIndented(jwks)
	if err != nil {
		return nil, fmt.Errorf("keys.json: %w", err)
	}
	b := &Bucket{
		Name:    name,
		Region:  p.Region,
		Private: p.PrivateBucket,
		Tags:    tags,
		Objects: []Object{
			{Key: DiscoveryKey, ContentType: "application/json", Body: discoveryJSON},
			{Key: JWKSKey, ContentType: "application/json", Body: jwksJSON},
		},
	}
	if p.PrivateBucket {
		b.PublicAccessBlock = PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}
	} else {
		b.PublicAccessBlock = PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true}
		b.Policy = publicBucketPolicy(partition.ID, name)
	}
	return b, nil
}

func roles(p Params, partition Partition, issuer Issuer, providerARN string, tags []Tag, requests []CredentialsRequest) ([]Role, error) {
	var errs []error
	bySecret := map[NamespacedName]CredentialsRequest{}
	byRoleName := map[string]CredentialsRequest{}
	out := make([]Role, 0, len(requests))
	for _, cr := range requests {
		where := fmt.Sprintf("%s (CredentialsRequest %s/%s)", cr.Source, cr.Namespace, cr.Name)
		if first, dup := bySecret[cr.SecretRef]; dup {
			errs = append(errs, fmt.Errorf("%s: spec.secretRef: %s is also requested by %s; each Secret can hold one role", where, cr.SecretRef, first.Source))
			continue
		}
		bySecret[cr.SecretRef] = cr
		// The name's parts are DNS names (checked when parsing and by the
		// bucket rules), all characters IAM accepts in role names.
		name := RoleName(p.Name, cr.SecretRef, p.RoleNaming)
		if cr.STSIAMRoleARN != "" {
			var err error
			if name, err = brokeredRoleName(p, partition, cr); err != nil {
				errs = append(errs, fmt.Errorf("%s: spec.providerSpec.stsIAMRoleARN: %w", where, err))
				continue
			}
		}
		folded := strings.ToLower(name)
		if first, dup := byRoleName[folded]; dup {
			errs = append(errs, fmt.Errorf("%s: role name %q collides with the one of %s (IAM names are cut to %d characters and compared case-insensitively); set spec.aws.roleNaming: hashed to keep names unique", where, name, first.Source, MaxRoleNameLength))
			continue
		}
		byRoleName[folded] = cr
		role := Role{
			Name:                   name,
			ARN:                    roleARN(partition.ID, p.AccountID, p.RolePath, name),
			Path:                   p.RolePath,
			Description:            fmt.Sprintf("OpenShift role for %s", cr.SecretRef),
			TrustPolicy:            trustPolicy(providerARN, issuer, cr),
			InlinePolicyName:       name,
			InlinePolicy:           permissionPolicy(cr),
			PermissionsBoundaryARN: p.PermissionsBoundaryARN,
			Tags:                   tags,
			Request:                cr,
		}
		if !cr.BrokeredByCCO() {
			role.Secret = Secret{
				Namespace:          cr.SecretRef.Namespace,
				Name:               cr.SecretRef.Name,
				CredentialsRequest: NamespacedName{Namespace: cr.Namespace, Name: cr.Name},
				Credentials: fmt.Sprintf("[default]\nsts_regional_endpoints = regional\nrole_arn = %s\nweb_identity_token_file = %s",
					role.ARN, cr.TokenFile()),
			}
		}
		if err := validatePolicySize(role.TrustPolicy, MaxTrustPolicySize, "trust policy"); err != nil {
			errs = append(errs, fmt.Errorf("%s: spec.serviceAccountNames: %w; list fewer service accounts", where, err))
		}
		if err := validatePolicySize(role.InlinePolicy, MaxInlinePolicySize, "inline permission policy"); err != nil {
			errs = append(errs, fmt.Errorf("%s: spec.providerSpec.statementEntries: %w", where, err))
		}
		out = append(out, role)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sortRoles(out)
	return out, nil
}

// trustQuotaWarnings names the roles whose trust policy exceeds IAM's
// default quota: they work only in an account that raised it
// (AssumeRolePolicySizeQuota, which plan and apply read).
func trustQuotaWarnings(roles []Role) []string {
	var out []string
	for _, r := range roles {
		if size, err := r.TrustPolicy.Size(); err == nil && size > DefaultTrustPolicyQuota {
			out = append(out, fmt.Sprintf("role %s: the trust policy is %d characters, over IAM's default quota of %d (AssumeRolePolicySizeQuota); it works only in an account that raised the quota, which plan and apply check", r.Name, size, DefaultTrustPolicyQuota))
		}
	}
	return out
}

// brokeredRoleName is the role an stsIAMRoleARN names, which must be one
// this config can own: in its account, partition and role path.
func brokeredRoleName(p Params, partition Partition, cr CredentialsRequest) (string, error) {
	arn := cr.STSIAMRoleARN
	prefix := fmt.Sprintf("arn:%s:iam::%s:role", partition.ID, p.AccountID)
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		return "", fmt.Errorf("%q is not a role in account %s (partition %s): the role CCO hands the operator must be one this config renders; fix the ARN or render that account's config", arn, p.AccountID, partition.ID)
	}
	path, name := rest[:strings.LastIndex(rest, "/")+1], rest[strings.LastIndex(rest, "/")+1:]
	switch {
	case path != p.RolePath:
		return "", fmt.Errorf("%q has role path %q, not spec.aws.rolePath %q", arn, path, p.RolePath)
	case name == "" || len(name) > MaxRoleNameLength || !operatorRolePrefixPattern().MatchString(name):
		return "", fmt.Errorf("%q does not end in a role name of 1 to %d characters of letters, digits and +=,.@_-", arn, MaxRoleNameLength)
	}
	return name, nil
}

// sortRoles orders roles by secret namespace and name.
func sortRoles(roles []Role) {
	sort.Slice(roles, func(i, j int) bool {
		a, b := roles[i].Request.SecretRef, roles[j].Request.SecretRef
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
}
