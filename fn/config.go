package fn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/stsrender/stsrender/internal/fsguard"
	"github.com/stsrender/stsrender/release"
	"github.com/stsrender/stsrender/render"
	"sigs.k8s.io/yaml"
)

// API group, version and kind of the function config.
const (
	APIVersion = "stsrender.dev/v1alpha1"
	Kind       = "STSCredentials"
)

// STSCredentials is the function config: one per cluster. The same object is
// the `stsrender render -f` file.
type STSCredentials struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   map[string]any `json:"metadata,omitempty"`
	Spec       Spec           `json:"spec"`

	files Files
}

// Spec is the cluster's STS configuration.
type Spec struct {
	// Name prefixes role names, names the bucket "<name>-oidc" and keys the
	// ownership tag, like ccoctl --name.
	Name    string      `json:"name"`
	AWS     AWSSpec     `json:"aws"`
	OIDC    OIDCSpec    `json:"oidc"`
	Release ReleaseSpec `json:"release"`
	Outputs OutputsSpec `json:"outputs"`
	// Apply also creates or updates the AWS side during the render.
	Apply bool `json:"apply,omitempty"`
	// Prune, with Apply, deletes owned roles the render no longer has
	// (orphans). Without it they are reported and left.
	Prune bool `json:"prune,omitempty"`
}

// AWSSpec says where the roles live.
type AWSSpec struct {
	AccountID              string            `json:"accountID"`
	Region                 string            `json:"region"`
	PermissionsBoundaryARN string            `json:"permissionsBoundaryARN,omitempty"`
	RolePath               string            `json:"rolePath,omitempty"`
	Tags                   map[string]string `json:"tags,omitempty"`
	// RoleNaming is "truncate" (ccoctl's 64-character cut, default) or
	// "hashed" (unique names with a hash suffix).
	RoleNaming string `json:"roleNaming,omitempty"`
}

// OIDCSpec describes the issuer.
type OIDCSpec struct {
	IssuerURL                string   `json:"issuerURL,omitempty"`
	PublicKeyFile            string   `json:"publicKeyFile,omitempty"`
	PublicKey                string   `json:"publicKey,omitempty"`
	AdditionalPublicKeyFiles []string `json:"additionalPublicKeyFiles,omitempty"`
	PrivateBucket            bool     `json:"privateBucket,omitempty"`
}

// ReleaseSpec says where the CredentialsRequests come from and which ones
// the cluster uses.
type ReleaseSpec struct {
	// Image is the release image pull spec; a digest is recommended.
	Image string `json:"image,omitempty"`
	// UpgradeTo is the release the cluster is upgrading to (same forms as
	// Image). While it is set, roles allow what either release needs and
	// the CloudCredential upgradeable-to annotation names its version.
	UpgradeTo string `json:"upgradeTo,omitempty"`
	// PullSecretFile is a docker config JSON (the OpenShift pull secret).
	PullSecretFile string `json:"pullSecretFile,omitempty"`
	// Insecure allows plain HTTP to the registry (local mirrors and tests).
	Insecure bool `json:"insecure,omitempty"`
	// Platform picks the image of a multi-arch release ("linux/arm64");
	// default linux/amd64.
	Platform string `json:"platform,omitempty"`
	// AllLayers reads every image layer the way oc does instead of stopping
	// at the payload layer (for unusual images).
	AllLayers bool `json:"allLayers,omitempty"`
	// Mirrors maps a repository to mirrors tried in order (digest pulls only).
	Mirrors map[string][]string `json:"mirrors,omitempty"`
	// ManifestsDir holds already extracted requests: the offline source.
	ManifestsDir string `json:"manifestsDir,omitempty"`
	// InstallConfig is read for featureSet and capabilities.
	InstallConfig  string                `json:"installConfig,omitempty"`
	Capabilities   *release.Capabilities `json:"capabilities,omitempty"`
	FeatureSet     string                `json:"featureSet,omitempty"`
	ClusterProfile string                `json:"clusterProfile,omitempty"`
}

// OutputsSpec chooses what the function emits.
type OutputsSpec struct {
	// Manifests emits the STS Secrets and the Authentication (default true).
	Manifests *bool `json:"manifests,omitempty"`
	// Authentication emits the cluster-wide Authentication with the Secrets
	// (default true); application teams rendering their own requests turn
	// it off.
	Authentication *bool `json:"authentication,omitempty"`
	// AWS is "none" (default), "document" (the IAM roles, OIDC provider,
	// bucket and issuer documents as reviewable stsrender.dev objects),
	// "crossplane" or "crossplane-namespaced" (Upbound provider-aws managed
	// resources) or "ack" (AWS Controllers for Kubernetes resources).
	AWS string `json:"aws,omitempty"`
	// Namespace is where namespaced outputs go: crossplane-namespaced, ack
	// and the hive Secret.
	Namespace string `json:"namespace,omitempty"`
	// Crossplane tunes outputs.aws: crossplane and crossplane-namespaced.
	Crossplane *CrossplaneSpec `json:"crossplane,omitempty"`
	// ACK tunes outputs.aws: ack.
	ACK *ACKSpec `json:"ack,omitempty"`
	// Hive, when set, emits the manifests as one Secret for a Hive
	// ClusterDeployment instead of separate objects.
	Hive *HiveSpec `json:"hive,omitempty"`
	// ServiceAccounts, in transformer mode, binds the service accounts of
	// the stream's CredentialsRequests to their roles through the pod
	// identity webhook.
	ServiceAccounts *ServiceAccountsSpec `json:"serviceAccounts,omitempty"`
	// Namespaces emits, during an upgrade window, a Namespace object for
	// each Secret namespace only the target release has (default false).
	Namespaces bool `json:"namespaces,omitempty"`
}

// CrossplaneSpec tunes the Crossplane managed resources.
type CrossplaneSpec struct {
	// ProviderConfigName is the (Cluster)ProviderConfig; default "default".
	ProviderConfigName string `json:"providerConfigName,omitempty"`
	// DeletionPolicy is Orphan (default) or Delete.
	DeletionPolicy string `json:"deletionPolicy,omitempty"`
	// ManagementPolicies replaces the default, e.g. [Observe] to verify.
	ManagementPolicies []string `json:"managementPolicies,omitempty"`
}

// ACKSpec tunes the ACK resources.
type ACKSpec struct {
	// DeletionPolicy is retain (default) or delete.
	DeletionPolicy string `json:"deletionPolicy,omitempty"`
	// AdoptionPolicy is adopt-or-create (default), adopt or none.
	AdoptionPolicy string `json:"adoptionPolicy,omitempty"`
}

// ServiceAccountsSpec binds application service accounts to their roles
// through the pod identity webhook.
type ServiceAccountsSpec struct {
	// Annotate emits each service account of a stream CredentialsRequest
	// with the webhook's annotations, or annotates the stream's own
	// ServiceAccount of that name in place.
	Annotate bool `json:"annotate"`
	// TokenExpiration sets eks.amazonaws.com/token-expiration (seconds, 600
	// or more); 0 leaves the webhook's default.
	TokenExpiration int `json:"tokenExpiration,omitempty"`
	// Secrets says whether those requests still get their credentials
	// Secret (default true). A request overrides it with the annotation
	// stsrender.dev/secret: "true" or "false".
	Secrets *bool `json:"secrets,omitempty"`
}

// Annotations on a CredentialsRequest that choose its route. Both take
// "true" or "false".
const (
	// SecretAnnotation: is the Secret emitted beside the annotated service
	// accounts (default: outputs.serviceAccounts.secrets)?
	SecretAnnotation = "stsrender.dev/secret"
	// PodIdentityAnnotation: are the request's service accounts annotated
	// (default true with outputs.serviceAccounts.annotate)? "false" keeps
	// the request on the Secret route alone.
	PodIdentityAnnotation = "stsrender.dev/pod-identity"
)

// HiveSpec names the manifests Secret of a ClusterDeployment.
type HiveSpec struct {
	SecretName string `json:"secretName"`
}

// Output modes of OutputsSpec.AWS.
const (
	AWSOutputNone                 = "none"
	AWSOutputDocument             = "document"
	AWSOutputCrossplane           = "crossplane"
	AWSOutputCrossplaneNamespaced = "crossplane-namespaced"
	AWSOutputACK                  = "ack"
)

// ParseConfig decodes and validates a function config. Unknown fields are
// rejected with their path, so a typo never silently changes a render.
// baseDir resolves relative file names.
func ParseConfig(file string, data []byte, baseDir string) (*STSCredentials, error) {
	// Strict: a key written twice is an error, as kustomize makes it, never
	// a silent last-one-wins.
	jsonData, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var generic any
	if err := json.Unmarshal(jsonData, &generic); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := checkKnownFields(generic, STSCredentials{}); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var cfg STSCredentials
	dec := json.NewDecoder(bytes.NewReader(jsonData))
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", file, decodeError(err))
	}
	cfg.files = Files{baseDir: baseDir}
	cfg.Default()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &cfg, nil
}

// decodeError rewrites encoding/json's type errors, which name Go types
// ("cannot unmarshal number into Go struct field AWSSpec.spec.aws.accountID
// of type string"), into the config's own terms.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		return err
	}
	field := typeErr.Field
	if field == "" {
		field = "config"
	}
	msg := fmt.Sprintf("%s: expected %s, found %s", field, describeKind(typeErr.Type), describeJSON(typeErr.Value))
	if typeErr.Type.Kind() == reflect.String && (typeErr.Value == "number" || typeErr.Value == "bool") {
		msg += ` (quote it: YAML reads 123456789012 as a number and yes/true as a boolean; write "123456789012")`
	}
	return errors.New(msg)
}

func describeKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	case reflect.Pointer:
		return describeKind(t.Elem())
	default:
		return "a number"
	}
}

func describeJSON(value string) string {
	switch value {
	case "string":
		return "a string"
	case "number":
		return "a number"
	case "bool":
		return "a boolean"
	case "array":
		return "a list"
	case "object":
		return "a mapping"
	default:
		return value
	}
}

// Default fills in optional fields.
func (c *STSCredentials) Default() {
	if c.Spec.Outputs.Manifests == nil {
		t := true
		c.Spec.Outputs.Manifests = &t
	}
	if c.Spec.Outputs.Authentication == nil {
		t := true
		c.Spec.Outputs.Authentication = &t
	}
	if c.Spec.Outputs.AWS == "" {
		c.Spec.Outputs.AWS = AWSOutputNone
	}
}

// Validate checks what can be checked without reading any file; the render
// checks the rest.
func (c *STSCredentials) Validate() error {
	var errs []error
	if c.APIVersion != APIVersion || c.Kind != Kind {
		errs = append(errs, fmt.Errorf("apiVersion/kind: expected %s %s, found %q %q", APIVersion, Kind, c.APIVersion, c.Kind))
	}
	s := c.Spec
	if s.OIDC.PublicKey != "" && s.OIDC.PublicKeyFile != "" {
		errs = append(errs, errors.New("spec.oidc: set publicKeyFile or publicKey, not both"))
	}
	if s.OIDC.PublicKey == "" && s.OIDC.PublicKeyFile == "" {
		errs = append(errs, errors.New("spec.oidc.publicKeyFile: required (the PKIX PEM public half of the service-account signing key; see stsrender create-key-pair)"))
	}
	if s.Release.Image != "" && s.Release.ManifestsDir != "" {
		errs = append(errs, errors.New("spec.release: set image or manifestsDir, not both"))
	}
	if s.Release.UpgradeTo != "" && s.Release.Image == "" && s.Release.ManifestsDir == "" {
		errs = append(errs, errors.New("spec.release.upgradeTo: set spec.release.image (or manifestsDir) to the release the cluster runs now"))
	}
	if s.Outputs.Namespaces && s.Release.UpgradeTo == "" {
		errs = append(errs, errors.New("spec.outputs.namespaces: only meaningful with spec.release.upgradeTo (the namespaces a target release adds)"))
	}
	if s.Prune && !s.Apply {
		errs = append(errs, errors.New("spec.prune: only meaningful with spec.apply: true (stsrender apply --prune is the CLI's)"))
	}
	if s.Release.InstallConfig != "" && (s.Release.Capabilities != nil || s.Release.FeatureSet != "") {
		errs = append(errs, errors.New("spec.release: installConfig already sets capabilities and featureSet; remove the inline ones"))
	}
	if s.Release.Platform != "" {
		if _, err := v1.ParsePlatform(s.Release.Platform); err != nil || !strings.Contains(s.Release.Platform, "/") {
			errs = append(errs, fmt.Errorf("spec.release.platform: %q is not os/arch[/variant], like linux/arm64", s.Release.Platform))
		}
	}
	errs = append(errs, s.Outputs.validate()...)
	if s.Release.Capabilities != nil || s.Release.FeatureSet != "" {
		in := release.Inclusion{FeatureSet: s.Release.FeatureSet, Capabilities: s.Release.Capabilities}
		if err := in.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("spec.release.%w", err))
		}
	}
	return errors.Join(errs...)
}

func (o OutputsSpec) validate() []error {
	var errs []error
	oneOf := func(field, value string, allowed ...string) {
		if value != "" && !slices.Contains(allowed, value) {
			errs = append(errs, fmt.Errorf("%s: %q is not one of %s", field, value, strings.Join(allowed, ", ")))
		}
	}
	oneOf("spec.outputs.aws", o.AWS, AWSOutputNone, AWSOutputDocument, AWSOutputCrossplane, AWSOutputCrossplaneNamespaced, AWSOutputACK)
	needNamespace := o.AWS == AWSOutputCrossplaneNamespaced || o.AWS == AWSOutputACK || o.Hive != nil
	if needNamespace && o.Namespace == "" {
		errs = append(errs, errors.New("spec.outputs.namespace: required with outputs.aws: crossplane-namespaced or ack, and with outputs.hive (the namespace of the emitted objects)"))
	}
	if o.Crossplane != nil {
		if o.AWS != AWSOutputCrossplane && o.AWS != AWSOutputCrossplaneNamespaced {
			errs = append(errs, errors.New("spec.outputs.crossplane: set outputs.aws: crossplane or crossplane-namespaced"))
		}
		oneOf("spec.outputs.crossplane.deletionPolicy", o.Crossplane.DeletionPolicy, "Orphan", "Delete")
		for i, p := range o.Crossplane.ManagementPolicies {
			oneOf(fmt.Sprintf("spec.outputs.crossplane.managementPolicies[%d]", i), p, "Observe", "Create", "Update", "Delete", "LateInitialize", "*")
		}
	}
	if o.ACK != nil {
		if o.AWS != AWSOutputACK {
			errs = append(errs, errors.New("spec.outputs.ack: set outputs.aws: ack"))
		}
		oneOf("spec.outputs.ack.deletionPolicy", o.ACK.DeletionPolicy, "retain", "delete")
		oneOf("spec.outputs.ack.adoptionPolicy", o.ACK.AdoptionPolicy, "adopt-or-create", "adopt", "none")
	}
	if sa := o.ServiceAccounts; sa != nil && sa.TokenExpiration != 0 && sa.TokenExpiration < 600 {
		errs = append(errs, fmt.Errorf("spec.outputs.serviceAccounts.tokenExpiration: %d is under the pod identity webhook's minimum of 600 seconds", sa.TokenExpiration))
	}
	if o.Hive != nil && o.Hive.SecretName == "" {
		errs = append(errs, errors.New("spec.outputs.hive.secretName: required (the Secret the ClusterDeployment's spec.provisioning.manifestsSecretRef names)"))
	}
	return errs
}

// Path resolves a file name of the config against its base directory.
func (c *STSCredentials) Path(name string) string { return c.files.Path(name) }

// Files is how the config's files are resolved and read.
func (c *STSCredentials) Files() Files { return c.files }

// Confine restricts every file the config names to the directory tree at
// root (symlinks resolved). Function mode confines to the kustomization
// directory, as kustomize itself does for the files it loads.
func (c *STSCredentials) Confine(root string) error {
	r, err := fsguard.NewRoot(root)
	if err != nil {
		return err
	}
	c.files.root = r
	return nil
}

// IdentityParams are the render parameters that name the cluster's AWS
// resources, without reading any file: enough for render.Identity.
func (c *STSCredentials) IdentityParams() render.Params {
	s := c.Spec
	return render.Params{
		Name:                   s.Name,
		AccountID:              s.AWS.AccountID,
		Region:                 s.AWS.Region,
		RolePath:               s.AWS.RolePath,
		PermissionsBoundaryARN: s.AWS.PermissionsBoundaryARN,
		Tags:                   s.AWS.Tags,
		IssuerURL:              s.OIDC.IssuerURL,
		PrivateBucket:          s.OIDC.PrivateBucket,
		RoleNaming:             render.RoleNaming(s.AWS.RoleNaming),
	}
}

// Params converts the config into render parameters, reading the public
// keys it names.
func (c *STSCredentials) Params() (render.Params, error) {
	s := c.Spec
	p := c.IdentityParams()
	if s.OIDC.PublicKey != "" {
		p.PublicKeys = append(p.PublicKeys, render.PublicKey{Source: "spec.oidc.publicKey", PEM: []byte(s.OIDC.PublicKey)})
	}
	files := s.OIDC.AdditionalPublicKeyFiles
	if s.OIDC.PublicKeyFile != "" {
		files = append([]string{s.OIDC.PublicKeyFile}, files...)
	}
	for i, f := range files {
		field := "spec.oidc.publicKeyFile"
		if s.OIDC.PublicKeyFile == "" || i > 0 {
			field = "spec.oidc.additionalPublicKeyFiles"
		}
		data, err := c.files.Read(field, f, fsguard.MaxKeyBytes)
		if err != nil {
			return render.Params{}, err
		}
		p.PublicKeys = append(p.PublicKeys, render.PublicKey{Source: f, PEM: data})
	}
	return p, nil
}
