package render

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// File is one file of a render, with the path relative to the output
// directory and the permission bits it must be written with.
type File struct {
	Path string
	Mode fs.FileMode
	Data []byte
}

// Paths of the files a render writes, relative to the output directory. The
// manifests/ names are those ccoctl writes, so that
// `cp OUT/manifests/* install/manifests/` works as it does today.
const (
	AuthenticationPath    = "manifests/cluster-authentication-02-config.yaml"
	OIDCProviderPath      = "iam/oidc-provider.json"
	BucketPath            = "s3/bucket.json"
	oidcDir               = "oidc"
	rolesDir              = "iam/roles"
	manifestFileMode      = 0o600
	publicFileMode        = 0o644
	credentialsFileFormat = "manifests/%s-%s-credentials.yaml"
)

// SecretPath is the file ccoctl writes a request's Secret to.
func SecretPath(s Secret) string { return fmt.Sprintf(credentialsFileFormat, s.Namespace, s.Name) }

// RoleFile is the reviewable JSON form of a role: the IAM CreateRole input
// with the policies as JSON objects instead of escaped strings.
type RoleFile struct {
	RoleName                 string                    `json:"RoleName"`
	Arn                      string                    `json:"Arn"`
	Path                     string                    `json:"Path"`
	Description              string                    `json:"Description"`
	AssumeRolePolicyDocument PolicyDocument            `json:"AssumeRolePolicyDocument"`
	PermissionsBoundary      string                    `json:"PermissionsBoundary,omitempty"`
	Tags                     []Tag                     `json:"Tags"`
	InlinePolicies           map[string]PolicyDocument `json:"InlinePolicies,omitempty"`
	// AttachedPolicyArns are the managed policies attached to the role.
	AttachedPolicyArns []string `json:"AttachedPolicyArns,omitempty"`
}

// File returns the role as RoleFile.
func (r Role) File() RoleFile {
	f := RoleFile{
		RoleName:                 r.Name,
		Arn:                      r.ARN,
		Path:                     r.Path,
		Description:              r.Description,
		AssumeRolePolicyDocument: r.TrustPolicy,
		PermissionsBoundary:      r.PermissionsBoundaryARN,
		Tags:                     r.Tags,
		AttachedPolicyArns:       r.ManagedPolicyARNs,
	}
	if r.InlinePolicyName != "" {
		f.InlinePolicies = map[string]PolicyDocument{r.InlinePolicyName: r.InlinePolicy}
	}
	return f
}

// BucketFile is the reviewable JSON form of the issuer bucket.
type BucketFile struct {
	Bucket            string            `json:"Bucket"`
	Region            string            `json:"Region"`
	PublicAccessBlock PublicAccessBlock `json:"PublicAccessBlock"`
	// Policy is omitted for a private bucket: it names the CloudFront
	// distribution, which only exists once applied.
	Policy *PolicyDocument `json:"Policy,omitempty"`
	Tags   []Tag           `json:"Tags"`
}

// File returns the bucket as BucketFile.
func (b Bucket) File() BucketFile {
	return BucketFile{Bucket: b.Name, Region: b.Region, PublicAccessBlock: b.PublicAccessBlock, Policy: b.Policy, Tags: b.Tags}
}

// Manifest is a Kubernetes object the cluster needs, as YAML, with the file
// name ccoctl would give it.
type Manifest struct {
	Path string
	YAML []byte
}

// The manifest types list fields in the order they are written, which is
// the alphabetical order ccoctl's files have.
type objectMeta struct {
	Name      string `yaml:"name"`
	Namespace string `yaml:"namespace,omitempty"`
}

type authenticationObject struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		ServiceAccountIssuer string `yaml:"serviceAccountIssuer"`
	} `yaml:"spec"`
}

// marshalYAML encodes typed manifests directly (no JSON round trip) with
// two-space indentation.
func marshalYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Manifests returns the Authentication followed by the Secrets in role
// order; none for a ROSA HCP cluster, whose hosted control plane consumes
// the roles itself.
func (m *Model) Manifests() ([]Manifest, error) {
	if m.HostedControlPlane {
		return nil, nil
	}
	auth := authenticationObject{APIVersion: "config.openshift.io/v1", Kind: "Authentication", Metadata: objectMeta{Name: "cluster"}}
	auth.Spec.ServiceAccountIssuer = m.Authentication.ServiceAccountIssuer
	authYAML, err := marshalYAML(auth)
	if err != nil {
		return nil, fmt.Errorf("authentication manifest: %w", err)
	}
	out := []Manifest{{Path: AuthenticationPath, YAML: authYAML}}
	for _, ns := range m.Namespaces {
		y, err := marshalYAML(namespaceObject{APIVersion: "v1", Kind: "Namespace", Metadata: annotatedMeta{Name: ns, Annotations: keepAnnotations}})
		if err != nil {
			return nil, err
		}
		out = append(out, Manifest{Path: NamespacePath(ns), YAML: y})
	}
	for _, r := range m.Roles {
		if r.HasSecret() {
			out = append(out, Manifest{Path: SecretPath(r.Secret), YAML: secretYAML(r.Secret)})
		}
	}
	if m.MigrationInfraID != "" {
		y, err := marshalYAML(cloudCredentialObject{APIVersion: "operator.openshift.io/v1", Kind: "CloudCredential",
			Metadata: annotatedMeta{Name: "cluster", Annotations: map[string]string{"argocd.argoproj.io/sync-options": "ServerSideApply=true"}},
			Spec:     map[string]string{"credentialsMode": "Manual"}})
		if err != nil {
			return nil, err
		}
		out = append(out, Manifest{Path: CloudCredentialManualPath, YAML: y})
	}
	for _, op := range m.Operators {
		y, err := marshalYAML(configMapObject{APIVersion: "v1", Kind: "ConfigMap", Metadata: objectMeta{Name: OperatorConfigMapName, Namespace: op.Namespace}, Data: op.RoleARNs})
		if err != nil {
			return nil, err
		}
		out = append(out, Manifest{Path: OperatorConfigMapPath(op), YAML: y})
	}
	if m.UpgradeableTo != "" {
		y, err := marshalYAML(namespaceObject{APIVersion: "operator.openshift.io/v1", Kind: "CloudCredential", Metadata: annotatedMeta{Name: "cluster", Annotations: map[string]string{
			UpgradeableToAnnotation: m.UpgradeableTo,
			// Only this annotation is ours: Argo CD applies it as a partial
			// object, leaving the operator's spec alone.
			"argocd.argoproj.io/sync-options": "ServerSideApply=true",
		}}})
		if err != nil {
			return nil, err
		}
		out = append(out, Manifest{Path: CloudCredentialPath, YAML: y})
	}
	return out, nil
}

// OperatorConfigMapPath is where the CLI render writes an operator's
// ConfigMap of role ARNs.
func OperatorConfigMapPath(op OperatorRoles) string {
	return fmt.Sprintf("manifests/%s-%s-role-arns.yaml", op.Namespace, OperatorConfigMapName)
}

// SubscriptionPatchPath is where the CLI render writes the merge patch of
// an operator's Subscription (oc patch subscription --type merge).
func SubscriptionPatchPath(op OperatorRoles) string {
	return fmt.Sprintf("manifests/subscription-%s-%s-patch.yaml", op.Namespace, op.Name)
}

// SubscriptionPatch is the merge patch that sets the operator's role
// variables. A merge patch replaces spec.config.env whole: the file lists
// only stsrender's variables, so keep the Subscription's others in it
// when there are any (the KRM function edits the Subscription in place and
// keeps them).
func SubscriptionPatch(op OperatorRoles) ([]byte, error) {
	var patch subscriptionPatch
	patch.APIVersion, patch.Kind = SubscriptionAPIVersion, SubscriptionKind
	patch.Metadata = objectMeta{Name: op.Name, Namespace: op.Namespace}
	patch.Spec.Config.Env = op.Env
	return marshalYAML(patch)
}

// The OLM Subscription an operator is installed by.
const (
	SubscriptionAPIVersion = "operators.coreos.com/v1alpha1"
	SubscriptionKind       = "Subscription"
)

// NamespacePath is where the CLI render writes a Namespace object.
func NamespacePath(ns string) string { return "manifests/namespace-" + ns + ".yaml" }

// keepAnnotations stop Argo CD and Flux from deleting a Namespace when the
// upgrade window closes and it is no longer rendered: by then the release
// itself manages it, and deleting it would delete its operator.
var keepAnnotations = map[string]string{
	"argocd.argoproj.io/sync-options":   "Prune=false,Delete=false",
	"kustomize.toolkit.fluxcd.io/prune": "disabled",
}

// CloudCredentialManualPath is where the CLI render writes the
// CloudCredential of a migration, which switches CCO to Manual mode. Only
// spec.credentialsMode is stsrender's: Argo CD applies it server-side, as
// a partial object.
const CloudCredentialManualPath = "manifests/cloudcredential-manual.yaml"

type cloudCredentialObject struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   annotatedMeta     `yaml:"metadata"`
	Spec       map[string]string `yaml:"spec"`
}

type configMapObject struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   objectMeta        `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
}

type subscriptionPatch struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		Config struct {
			Env []EnvVar `yaml:"env"`
		} `yaml:"config"`
	} `yaml:"spec"`
}

type annotatedMeta struct {
	Name        string            `yaml:"name"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

type namespaceObject struct {
	APIVersion string        `yaml:"apiVersion"`
	Kind       string        `yaml:"kind"`
	Metadata   annotatedMeta `yaml:"metadata"`
}

// Files returns every file of a render in a fixed order: the manifests, the
// issuer documents, then the IAM and S3 descriptions. The signing private key
// is never among them.
func (m *Model) Files() ([]File, error) {
	manifests, err := m.Manifests()
	if err != nil {
		return nil, err
	}
	var files []File
	for _, mf := range manifests {
		if base := path.Base(mf.Path); len(base) > maxFileNameBytes {
			return nil, fmt.Errorf("%s: spec.secretRef.name is too long for a file name: %s is %d bytes, over the %d a file system allows (Kubernetes accepts it, ccoctl's file layout does not); shorten the Secret name", secretRefOf(m, mf.Path), base, len(base), maxFileNameBytes)
		}
		files = append(files, File{Path: mf.Path, Mode: manifestFileMode, Data: mf.YAML})
	}
	for _, op := range m.Operators {
		if len(op.Env) == 0 {
			continue
		}
		patch, err := SubscriptionPatch(op)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: SubscriptionPatchPath(op), Mode: manifestFileMode, Data: patch})
	}
	if m.Bucket != nil {
		for _, obj := range m.Bucket.Objects {
			files = append(files, File{Path: path.Join(oidcDir, obj.Key), Mode: publicFileMode, Data: obj.Body})
		}
	}
	add := func(p string, v any) error {
		b, err := MarshalIndented(v)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		files = append(files, File{Path: p, Mode: publicFileMode, Data: b})
		return nil
	}
	if err := add(OIDCProviderPath, m.OIDCProvider); err != nil {
		return nil, err
	}
	for _, r := range m.Roles {
		if err := add(path.Join(rolesDir, r.Name+".json"), r.File()); err != nil {
			return nil, err
		}
	}
	if m.Bucket != nil {
		if err := add(BucketPath, m.Bucket.File()); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// maxFileNameBytes is the longest file name common file systems accept.
const maxFileNameBytes = 255

// secretRefOf names the request whose Secret is written to manifestPath.
func secretRefOf(m *Model, manifestPath string) string {
	for _, r := range m.Roles {
		if SecretPath(r.Secret) == manifestPath {
			return fmt.Sprintf("CredentialsRequest with secretRef %s/%s", r.Secret.Namespace, r.Secret.Name)
		}
	}
	return manifestPath
}

// CredentialsRequestLabel is the label (value "true") and annotation
// (value "<namespace>/<name>" of the request) CCO sets on the Secrets it
// writes for CredentialsRequests.
const CredentialsRequestLabel = "cloudcredential.openshift.io/credentials-request"

// secretYAML writes a Secret without a YAML encoder: a render can hold
// thousands of them and an encoder per document dominated its cost. The
// names are DNS-1123 (checked when parsing) and the credentials hold no
// leading spaces or control characters, so plain scalars and a literal
// block are always valid.
func secretYAML(s Secret) []byte {
	var b bytes.Buffer
	b.Grow(256 + len(s.Credentials))
	b.WriteString("apiVersion: v1\nkind: Secret\nmetadata:\n  name: ")
	b.WriteString(s.Name)
	b.WriteString("\n  namespace: ")
	b.WriteString(s.Namespace)
	// The label and annotation CCO puts on the Secrets it writes, so the
	// operator's tooling (and CCO's own secret handling) sees the same.
	b.WriteString("\n  labels:\n    " + CredentialsRequestLabel + ": \"true\"")
	if cr := s.CredentialsRequest; cr.Namespace != "" && cr.Name != "" || s.Replace {
		b.WriteString("\n  annotations:")
		if s.Replace {
			b.WriteString("\n    argocd.argoproj.io/sync-options: Replace=true\n    kustomize.toolkit.fluxcd.io/force: enabled")
		}
		if cr.Namespace != "" && cr.Name != "" {
			b.WriteString("\n    " + CredentialsRequestLabel + ": ")
			b.WriteString(cr.String())
		}
	}
	b.WriteString("\nstringData:\n  credentials: |-\n")
	for _, line := range strings.Split(s.Credentials, "\n") {
		b.WriteString("    ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteString("type: Opaque\n")
	return b.Bytes()
}
