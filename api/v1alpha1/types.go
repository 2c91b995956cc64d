package v1alpha1

import "encoding/json"

// API group, version and kind of the config.
const (
	APIVersion = "stsrender.dev/v1alpha1"
	Kind       = "STSCredentials"
)

// STSCredentials is the STS configuration of one OpenShift cluster on AWS: the
// KRM functionConfig of stsrender and the file of stsrender render -f.
type STSCredentials struct {
	// APIVersion is stsrender.dev/v1alpha1.
	APIVersion string `json:"apiVersion"`
	// Kind is STSCredentials.
	Kind string `json:"kind"`
	// Metadata is the object's metadata; config.kubernetes.io/function names
	// the function for kustomize.
	Metadata map[string]any `json:"metadata,omitempty"`
	// Spec is the cluster's STS configuration.
	Spec Spec `json:"spec"`
}

// Spec is the cluster's STS configuration.
type Spec struct {
	// Name prefixes role names, names the bucket "<name>-oidc" and keys the
	// ownership tag openshift.io/cloud-credential-operator/<name>, like ccoctl
	// --name.
	Name string `json:"name"`
	// AWS says where the roles live.
	AWS AWSSpec `json:"aws"`
	// OIDC describes the service-account token issuer.
	OIDC OIDCSpec `json:"oidc"`
	// Release says where the CredentialsRequests come from and which ones the
	// cluster uses.
	Release ReleaseSpec `json:"release"`
	// Outputs chooses what is emitted.
	Outputs OutputsSpec `json:"outputs"`
	// ROSA makes the config a ROSA cluster with hosted control planes: its
	// operator roles, with AWS-managed policies attached, and its OIDC
	// provider, instead of roles from a release's CredentialsRequests; no
	// Secret and no Authentication is emitted, and spec.release is unused.
	ROSA *ROSASpec `json:"rosa,omitempty"`
	// Operators are OperatorHub operators on an STS cluster (OLM token
	// auth): for each, the roles of its own CredentialsRequests (their ARNs
	// go to the Subscription's spec.config.env, ROLEARN) and of its
	// operands' (their ARNs go to a ConfigMap for operand custom resources).
	// CCO writes these requests' Secrets, so none is rendered.
	Operators []OperatorSpec `json:"operators,omitempty"`
	// Migration enables STS on a running cluster that was installed in
	// another credentials mode: the Secrets are replaced, not merged, by
	// Argo CD and Flux; a CloudCredential sets credentialsMode: Manual; and
	// plan lists the IAM users CCO minted for the cluster, which apply
	// --prune-minted-users deletes.
	Migration *MigrationSpec `json:"migration,omitempty"`
	// Apply also creates or updates the AWS side during the render (CI renders
	// with credentials); in function mode it also needs the operator's
	// STSRENDER_ALLOW_APPLY naming the account. Default false: the render stays
	// offline.
	Apply bool `json:"apply,omitempty"`
	// Prune, with apply, also deletes orphans: owned roles the render no longer
	// has. Default false: they are reported and left.
	Prune bool `json:"prune,omitempty"`
}

// AWSSpec says where the roles live.
type AWSSpec struct {
	// AccountID is the 12-digit AWS account (quote it in YAML); ARNs are
	// written offline.
	AccountID string `json:"accountID"`
	// Region decides the partition and the S3 DNS suffix (us-gov-*, cn-*,
	// eusc-* included).
	Region string `json:"region"`
	// PermissionsBoundaryARN is a managed policy set as every role's
	// permissions boundary.
	PermissionsBoundaryARN string `json:"permissionsBoundaryARN,omitempty"`
	// RolePath is the IAM path of every role, such as /openshift/prod/;
	// default /.
	RolePath string `json:"rolePath,omitempty"`
	// Tags are added to everything created, beside the ownership tags.
	Tags map[string]string `json:"tags,omitempty"`
	// RoleNaming is truncate (default: ccoctl's 64-character cut, collisions
	// are errors) or hashed (55 characters, "-" and 8 hex of SHA-256 of the
	// full name).
	// +enum: truncate, hashed
	RoleNaming string `json:"roleNaming,omitempty"`
}

// MigrationSpec is the credentials mode a cluster leaves for STS.
type MigrationSpec struct {
	// From is the cluster's credentials mode before the migration.
	// +enum: Mint
	From string `json:"from"`
	// InfraID is the cluster's infrastructure name (oc get infrastructure
	// cluster -o jsonpath='{.status.infrastructureName}'): CCO tags the
	// users it minted kubernetes.io/cluster/<infraID>: owned.
	InfraID string `json:"infraID"`
}

// OperatorSpec is one operator installed from OperatorHub.
type OperatorSpec struct {
	// Name is the Subscription's metadata.name.
	Name string `json:"name"`
	// Namespace is the Subscription's namespace.
	Namespace string `json:"namespace"`
	// CredentialsRequests are the operator's own requests, as it publishes
	// them: the first one's role ARN goes to the Subscription's ROLEARN
	// unless an entry names another variable.
	CredentialsRequests []OperatorRequest `json:"credentialsRequests,omitempty"`
	// OperandCredentialsRequests are the requests of what the operator
	// deploys (the ALBO controller): their role ARNs are wired into operand
	// custom resources from the ConfigMap stsrender-role-arns.
	OperandCredentialsRequests []OperatorRequest `json:"operandCredentialsRequests,omitempty"`
}

// OperatorRequest is a file holding CredentialsRequests (relative to the
// config, inside the kustomization in function mode): its name alone, or
// the name with the Subscription variable to receive the role's ARN and
// the service accounts that really assume it.
// +stringForm: file
type OperatorRequest struct {
	// File holds the request(s), exactly as the operator publishes them.
	File string `json:"file"`
	// Env is the Subscription's spec.config.env variable that receives the
	// role's ARN (default ROLEARN for the first of credentialsRequests;
	// EFS CSI also needs NODE_ROLEARN).
	Env string `json:"env,omitempty"`
	// ServiceAccounts are added to the request's serviceAccountNames: the
	// service accounts that assume the role when the request lists too few
	// (or none, as some operators create them).
	ServiceAccounts []string `json:"serviceAccounts,omitempty"`
}

// UnmarshalJSON takes the file name alone or the object form.
func (r *OperatorRequest) UnmarshalJSON(data []byte) error {
	var file string
	if err := json.Unmarshal(data, &file); err == nil {
		*r = OperatorRequest{File: file}
		return nil
	}
	type plain OperatorRequest
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*r = OperatorRequest(p)
	return nil
}

// OIDCSpec describes the service-account token issuer.
type OIDCSpec struct {
	// IssuerURL overrides the default https://<name>-oidc.s3.<region>.<dns
	// suffix>: https, no port, query, fragment or trailing slash. Required with
	// privateBucket.
	IssuerURL string `json:"issuerURL,omitempty"`
	// PublicKeyFile is the PKIX PEM public half of the service-account signing
	// key, relative to the config (inside the kustomization in function mode).
	PublicKeyFile string `json:"publicKeyFile,omitempty"`
	// PublicKey is the same key inline, instead of publicKeyFile.
	PublicKey string `json:"publicKey,omitempty"`
	// AdditionalPublicKeyFiles are older or next keys still published in
	// keys.json during a rotation.
	AdditionalPublicKeyFiles []string `json:"additionalPublicKeyFiles,omitempty"`
	// NextPublicKeyFile is the public half of the key the cluster will sign
	// with after a rotation, published beside the current one before
	// stsrender rotate-key hands the key to the cluster.
	NextPublicKeyFile string `json:"nextPublicKeyFile,omitempty"`
	// PrivateBucket serves the issuer from a private bucket behind CloudFront;
	// issuerURL must then be given.
	PrivateBucket bool `json:"privateBucket,omitempty"`
}

// ReleaseSpec says where the CredentialsRequests come from and which ones the
// cluster uses.
type ReleaseSpec struct {
	// Image is the release image: registry/repo@sha256:… (a tag works, with a
	// warning), oci:DIR (an OCI layout) or docker-archive:FILE (a docker save
	// tarball).
	Image string `json:"image,omitempty"`
	// UpgradeTo is the release the cluster is upgrading to (same forms as
	// image): while set, roles allow what either release needs and the
	// CloudCredential upgradeable-to annotation names its version.
	UpgradeTo string `json:"upgradeTo,omitempty"`
	// PullSecretFile is a docker config JSON (the OpenShift pull secret);
	// default $REGISTRY_AUTH_FILE, then the podman and docker locations.
	PullSecretFile string `json:"pullSecretFile,omitempty"`
	// AllowNoRequests accepts a render that selects no AWS
	// CredentialsRequest (an application team's transformer before its
	// first request). Default false: zero requests is an error, since it
	// usually means a wrong directory or filter.
	AllowNoRequests bool `json:"allowNoRequests,omitempty"`
	// Insecure allows plain HTTP to the registry (local mirrors and tests),
	// anonymously: credentials go over plain HTTP only to registries the
	// operator lists in STSRENDER_INSECURE_REGISTRIES.
	Insecure bool `json:"insecure,omitempty"`
	// Platform picks the image of a multi-arch release, such as linux/arm64;
	// default linux/amd64.
	Platform string `json:"platform,omitempty"`
	// AllLayers reads every layer as oc does (higher layers win, whiteouts
	// honoured) instead of stopping at the payload layer.
	AllLayers bool `json:"allLayers,omitempty"`
	// Mirrors maps a source repository (or a prefix of it) to mirrors tried in
	// order before the source, for digest references, like an
	// ImageDigestMirrorSet.
	Mirrors map[string][]string `json:"mirrors,omitempty"`
	// ManifestsDir holds CredentialsRequests already extracted into Git
	// (stsrender extract): the offline alternative to image.
	ManifestsDir string `json:"manifestsDir,omitempty"`
	// InstallConfig is an install-config whose featureSet, capabilities and
	// platform (which must be aws) select the requests.
	InstallConfig string `json:"installConfig,omitempty"`
	// Capabilities are the cluster's capabilities inline, instead of
	// installConfig.
	Capabilities *Capabilities `json:"capabilities,omitempty"`
	// FeatureSet is the cluster's feature set inline, instead of installConfig.
	// +enum: Default, TechPreviewNoUpgrade, DevPreviewNoUpgrade, CustomNoUpgrade, OKD
	FeatureSet string `json:"featureSet,omitempty"`
	// ClusterProfile is the include.release.openshift.io profile; default
	// self-managed-high-availability.
	ClusterProfile string `json:"clusterProfile,omitempty"`
}

// ROSASpec describes a ROSA cluster with hosted control planes.
type ROSASpec struct {
	// OperatorRolePrefix prefixes the operator role names
	// "<prefix>-<namespace>-<name>", cut to 64 characters, as rosa create
	// operator-roles --prefix does; default spec.name.
	OperatorRolePrefix string `json:"operatorRolePrefix,omitempty"`
	// OIDCConfig is the cluster's OIDC config (rosa create oidc-config).
	OIDCConfig ROSAOIDCConfig `json:"oidcConfig"`
	// AdditionalOperatorRoles extend stsrender's table of the eight HCP
	// operator roles: an entry for a Secret the table has adds its service
	// accounts and policies to that role (the shared-VPC assume-role
	// policies); another adds a role (one Red Hat added after this
	// release).
	AdditionalOperatorRoles []ROSAOperatorRole `json:"additionalOperatorRoles,omitempty"`
}

// ROSAOIDCConfig is a ROSA OIDC config: managed (Red Hat serves the issuer
// documents) or unmanaged (the customer's bucket serves them).
type ROSAOIDCConfig struct {
	// ID is a managed OIDC config's ID: the issuer is
	// https://oidc.op1.openshiftapps.com/<id>.
	ID string `json:"id,omitempty"`
	// IssuerURL is a managed OIDC config's issuer given whole (staging or
	// integration environments), instead of id.
	IssuerURL string `json:"issuerURL,omitempty"`
	// Managed is true (default) for a config Red Hat serves: no bucket, no
	// key. False renders an unmanaged config from spec.oidc as for a
	// self-managed cluster: bucket "<name>-oidc", discovery document and
	// keys.json.
	Managed *bool `json:"managed,omitempty"`
}

// ROSAOperatorRole is an operator role beyond the built-in table.
type ROSAOperatorRole struct {
	// Namespace is the operator's namespace (the Secret namespace).
	Namespace string `json:"namespace"`
	// Name is the operator's credentials name (the Secret name).
	Name string `json:"name"`
	// ServiceAccounts in namespace may assume the role.
	ServiceAccounts []string `json:"serviceAccounts"`
	// PolicyARNs are managed policies to attach, such as
	// arn:aws:iam::aws:policy/service-role/ROSAKarpenterControllerPolicy.
	PolicyARNs []string `json:"policyARNs"`
}

// Capabilities are the install-config's capabilities block.
type Capabilities struct {
	// BaselineCapabilitySet is None, v4.11 … v4.18 or vCurrent.
	BaselineCapabilitySet string `json:"baselineCapabilitySet,omitempty"`
	// AdditionalEnabledCapabilities are enabled beside the baseline set.
	AdditionalEnabledCapabilities []string `json:"additionalEnabledCapabilities,omitempty"`
}

// OutputsSpec chooses what is emitted.
type OutputsSpec struct {
	// Manifests emits the STS Secrets and the Authentication (default true).
	Manifests *bool `json:"manifests,omitempty"`
	// Authentication emits the cluster's Authentication with the Secrets
	// (default true); application teams rendering their own requests turn it
	// off.
	Authentication *bool `json:"authentication,omitempty"`
	// AWS is the form of the AWS side: none (default); document (reviewable
	// stsrender.dev IAMRole, OIDCProvider, OIDCBucket objects); crossplane or
	// crossplane-namespaced (Upbound provider-aws managed resources); ack (AWS
	// Controllers for Kubernetes resources).
	// +enum: none, document, crossplane, crossplane-namespaced, ack
	AWS string `json:"aws,omitempty"`
	// Namespace is where namespaced outputs go; required with
	// crossplane-namespaced, ack and hive.
	Namespace string `json:"namespace,omitempty"`
	// Crossplane tunes aws: crossplane and crossplane-namespaced.
	Crossplane *CrossplaneSpec `json:"crossplane,omitempty"`
	// ACK tunes aws: ack.
	ACK *ACKSpec `json:"ack,omitempty"`
	// Hive emits the manifests as one Secret for a Hive ClusterDeployment's
	// spec.provisioning.manifestsSecretRef instead of separate objects.
	Hive *HiveSpec `json:"hive,omitempty"`
	// ServiceAccounts, in transformer mode, binds the service accounts of the
	// stream's CredentialsRequests to their roles through the pod identity
	// webhook.
	ServiceAccounts *ServiceAccountsSpec `json:"serviceAccounts,omitempty"`
	// Namespaces, with release.upgradeTo, also emits a Namespace for each
	// Secret namespace only the target release has, marked never to be pruned
	// (default false).
	Namespaces bool `json:"namespaces,omitempty"`
}

// CrossplaneSpec tunes the Crossplane managed resources.
type CrossplaneSpec struct {
	// ProviderConfigName names the (Cluster)ProviderConfig; default default.
	ProviderConfigName string `json:"providerConfigName,omitempty"`
	// DeletionPolicy is Orphan (default: deleting the objects keeps the AWS
	// resources a running cluster uses) or Delete.
	// +enum: Orphan, Delete
	DeletionPolicy string `json:"deletionPolicy,omitempty"`
	// ManagementPolicies replaces the default, such as [Observe] to verify
	// only.
	// +enum: Observe, Create, Update, Delete, LateInitialize, *
	ManagementPolicies []string `json:"managementPolicies,omitempty"`
}

// ACKSpec tunes the ACK resources.
type ACKSpec struct {
	// DeletionPolicy is retain (default) or delete.
	// +enum: retain, delete
	DeletionPolicy string `json:"deletionPolicy,omitempty"`
	// AdoptionPolicy is adopt-or-create (default: existing resources, such as
	// ccoctl's, are taken over), adopt, or none (no adoption annotations).
	// +enum: adopt-or-create, adopt, none
	AdoptionPolicy string `json:"adoptionPolicy,omitempty"`
}

// HiveSpec names the manifests Secret of a ClusterDeployment.
type HiveSpec struct {
	// SecretName is the Secret that spec.provisioning.manifestsSecretRef
	// names.
	SecretName string `json:"secretName"`
}

// ServiceAccountsSpec binds application service accounts to their roles
// through the pod identity webhook.
type ServiceAccountsSpec struct {
	// Annotate gives each service account of a stream CredentialsRequest the
	// webhook's annotations (eks.amazonaws.com/role-arn, audience
	// sts.amazonaws.com, regional endpoints), annotating the stream's own
	// ServiceAccount in place or emitting it.
	Annotate bool `json:"annotate"`
	// TokenExpiration sets eks.amazonaws.com/token-expiration in seconds (600
	// or more); 0 leaves the webhook's default.
	TokenExpiration int `json:"tokenExpiration,omitempty"`
	// Secrets says whether those requests still get their credentials Secret
	// (default true); a request overrides it with stsrender.dev/secret.
	Secrets *bool `json:"secrets,omitempty"`
}

// Output modes of OutputsSpec.AWS.
const (
	AWSOutputNone                 = "none"
	AWSOutputDocument             = "document"
	AWSOutputCrossplane           = "crossplane"
	AWSOutputCrossplaneNamespaced = "crossplane-namespaced"
	AWSOutputACK                  = "ack"
)

// Annotations on a CredentialsRequest that choose its route in transformer
// mode. Both take "true" or "false".
const (
	// SecretAnnotation: is the Secret emitted beside the annotated service
	// accounts (default: outputs.serviceAccounts.secrets)?
	SecretAnnotation = "stsrender.dev/secret"
	// PodIdentityAnnotation: are the request's service accounts annotated
	// (default true with outputs.serviceAccounts.annotate)? "false" keeps the
	// request on the Secret route alone.
	PodIdentityAnnotation = "stsrender.dev/pod-identity"
)
