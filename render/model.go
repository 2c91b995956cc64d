package render

// Model is everything a cluster and its AWS account need, as typed values.
// The AWS applier and the file and manifest writers all read it; none of them
// recomputes a name or a policy.
type Model struct {
	Name      string
	AccountID string
	Region    string
	Partition Partition
	Issuer    Issuer
	// Discovery is the OIDC discovery document served at
	// <issuer>/.well-known/openid-configuration.
	Discovery DiscoveryDocument
	// JWKS is keys.json, served at <issuer>/keys.json.
	JWKS JWKS
	// Bucket holds the issuer documents; nil when someone else serves them
	// (a Red Hat managed ROSA OIDC config), and then Discovery and JWKS are
	// empty.
	Bucket       *Bucket
	OIDCProvider OIDCProvider
	// Roles are sorted by secret namespace and name.
	Roles []Role
	// OwnershipTagKey is the tag key that marks resources as owned by Name.
	OwnershipTagKey string
	// RolePrefix starts every role name: Name, or a ROSA HCP cluster's
	// operator role prefix.
	RolePrefix string
	// RolePath is the IAM path of every role ("/" by default).
	RolePath       string
	Authentication Authentication
	// UpgradeableTo is the target release's version during an upgrade
	// window: the CloudCredential annotation is emitted with it.
	UpgradeableTo string
	// Namespaces are emitted as Namespace objects: the Secret namespaces
	// only the target release has, when asked for.
	Namespaces []string
	// Dropped maps the role names of requests the release has but this
	// cluster does not use to why (a disabled capability, a feature set):
	// an owned role of such a name is an orphan with a known reason.
	Dropped map[string]string
	// Warnings are what the render accepts but a reviewer should know: a
	// trust policy over IAM's default quota, which works only in accounts
	// that raised it.
	Warnings []string
	// MigrationInfraID is the infrastructure name of a cluster that moves
	// to STS from mint mode; empty otherwise.
	MigrationInfraID string
	// Operators are the OperatorHub operators (spec.operators) with their
	// roles' ARNs.
	Operators []OperatorRoles
	// HostedControlPlane marks a ROSA HCP cluster: the hosted control plane
	// consumes the roles itself, so there are no Secrets and no
	// Authentication, and roles carry managed policies.
	HostedControlPlane bool
}

// Issuer is the service-account token issuer.
type Issuer struct {
	// URL is what kube-apiserver writes into tokens' iss claim.
	URL string
	// HostPath is the URL without "https://": the IAM provider's identity and
	// the prefix of trust-policy condition keys.
	HostPath string
}

// Tag is an AWS resource tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Bucket is the S3 bucket holding the issuer documents.
type Bucket struct {
	Name    string
	Region  string
	Private bool
	// PublicAccessBlock is the bucket's Block Public Access configuration.
	PublicAccessBlock PublicAccessBlock
	// Policy grants read access to the two documents: to anyone for a public
	// bucket; for a private bucket see PrivateBucketPolicy, which needs the
	// distribution's ARN and is completed when it exists.
	Policy *PolicyDocument
	// Objects are the documents to upload, keyed by object key.
	Objects []Object
	Tags    []Tag
}

// PublicAccessBlock mirrors the S3 setting of the same name.
type PublicAccessBlock struct {
	BlockPublicAcls       bool `json:"BlockPublicAcls"`
	IgnorePublicAcls      bool `json:"IgnorePublicAcls"`
	BlockPublicPolicy     bool `json:"BlockPublicPolicy"`
	RestrictPublicBuckets bool `json:"RestrictPublicBuckets"`
}

// Object is one issuer document.
type Object struct {
	Key         string
	ContentType string
	Body        []byte
}

// OIDCProvider is the IAM OpenID Connect provider trusting the issuer.
type OIDCProvider struct {
	URL       string   `json:"Url"`
	ARN       string   `json:"Arn"`
	ClientIDs []string `json:"ClientIDList"`
	Tags      []Tag    `json:"Tags"`
}

// Role is the IAM role of one CredentialsRequest.
type Role struct {
	Name        string
	ARN         string
	Path        string
	Description string
	TrustPolicy PolicyDocument
	// InlinePolicyName is empty for a role without an inline policy (ROSA
	// HCP roles, which have managed policies).
	InlinePolicyName string
	InlinePolicy     PolicyDocument
	// ManagedPolicyARNs are attached to the role, sorted.
	ManagedPolicyARNs      []string
	PermissionsBoundaryARN string
	Tags                   []Tag
	// Request is the CredentialsRequest the role was rendered from.
	Request CredentialsRequest
	// Secret is the zero value for a ROSA HCP role: no Secret is rendered.
	Secret Secret
}

// HasSecret reports whether stsrender renders the role's Secret: not for
// a ROSA HCP role, nor for a request CCO brokers (stsIAMRoleARN).
func (r Role) HasSecret() bool { return r.Secret.Name != "" }

// Secret is the STS credentials Secret of one role.
type Secret struct {
	Namespace string
	Name      string
	// CredentialsRequest is the request the Secret serves, named in the
	// annotation CCO puts on the Secrets it writes.
	CredentialsRequest NamespacedName
	// Replace makes Argo CD and Flux replace the Secret instead of merging
	// it: a migrated cluster's Secret still holds the minted access keys,
	// which a merge would keep beside the new credentials.
	Replace bool
	// Credentials is the AWS shared-config profile the operator reads.
	Credentials string
}

// Authentication is the config.openshift.io/v1 Authentication "cluster".
type Authentication struct {
	ServiceAccountIssuer string
}
