package render

// RoleNaming chooses how role names longer than IAM's 64 characters are
// shortened.
type RoleNaming string

const (
	// RoleNamingTruncate keeps the first 64 characters, as ccoctl does, so
	// existing ccoctl roles are found again. Two requests that then share a
	// name are an error.
	RoleNamingTruncate RoleNaming = "truncate"
	// RoleNamingHashed keeps the first 55 characters and appends "-" and 8 hex
	// characters of the SHA-256 of the full name, so names stay unique.
	RoleNamingHashed RoleNaming = "hashed"
)

// Params are a cluster's STS parameters: everything besides the
// CredentialsRequests that determines the render.
type Params struct {
	// Name prefixes role names, names the bucket "<Name>-oidc" and keys the
	// ownership tag, like ccoctl --name.
	Name string
	// AccountID is the 12-digit AWS account, needed to write ARNs offline.
	AccountID string
	// Region decides the partition and the S3 DNS suffix.
	Region string
	// RolePath is the IAM path of every role; empty means "/".
	RolePath string
	// PermissionsBoundaryARN is set on every role when not empty.
	PermissionsBoundaryARN string
	// Tags are added to every taggable resource, beside the ownership tags.
	Tags map[string]string
	// IssuerURL overrides the default S3 issuer URL. Required with PrivateBucket.
	IssuerURL string
	// PrivateBucket serves the issuer from a private bucket behind CloudFront.
	PrivateBucket bool
	// PublicKeys are published in keys.json, the current signing key first,
	// then older keys kept during a rotation.
	PublicKeys []PublicKey
	// RoleNaming defaults to RoleNamingTruncate.
	RoleNaming RoleNaming
	// UpgradeableTo, Namespaces and Dropped are copied to the Model.
	UpgradeableTo string
	Namespaces    []string
	Dropped       []DroppedRequest
	// MigrationInfraID, when set, renders the STS enablement of a running
	// cluster of that infrastructure name: replaced Secrets, the Manual
	// CloudCredential, and the minted users to clean up.
	MigrationInfraID string
	// Operators are the OperatorHub operators among the requests, whose
	// role ARNs go to Subscriptions and ConfigMaps.
	Operators []Operator
	// HostedControlPlane, when set, renders a ROSA HCP cluster's operator
	// roles instead of CredentialsRequests.
	HostedControlPlane *HostedControlPlane
}

// DroppedRequest is a request of the release that the cluster does not
// use, and why.
type DroppedRequest struct {
	SecretRef NamespacedName
	Reason    string
}

// PublicKey is a PKIX ("PUBLIC KEY") PEM block and where it came from.
type PublicKey struct {
	Source string
	PEM    []byte
}
