package render

import (
	"fmt"
	"io/fs"
	"path"

	"sigs.k8s.io/yaml"
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
	InlinePolicies           map[string]PolicyDocument `json:"InlinePolicies"`
}

// File returns the role as RoleFile.
func (r Role) File() RoleFile {
	return RoleFile{
		RoleName:                 r.Name,
		Arn:                      r.ARN,
		Path:                     r.Path,
		Description:              r.Description,
		AssumeRolePolicyDocument: r.TrustPolicy,
		PermissionsBoundary:      r.PermissionsBoundaryARN,
		Tags:                     r.Tags,
		InlinePolicies:           map[string]PolicyDocument{r.InlinePolicyName: r.InlinePolicy},
	}
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

type objectMeta struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

type secretObject struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   objectMeta        `json:"metadata"`
	StringData map[string]string `json:"stringData"`
	Type       string            `json:"type"`
}

type authenticationObject struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       struct {
		ServiceAccountIssuer string `json:"serviceAccountIssuer"`
	} `json:"spec"`
}

// Manifests returns the Authentication followed by the Secrets in role
// order.
func (m *Model) Manifests() ([]Manifest, error) {
	auth := authenticationObject{APIVersion: "config.openshift.io/v1", Kind: "Authentication", Metadata: objectMeta{Name: "cluster"}}
	auth.Spec.ServiceAccountIssuer = m.Authentication.ServiceAccountIssuer
	authYAML, err := yaml.Marshal(auth)
	if err != nil {
		return nil, fmt.Errorf("authentication manifest: %w", err)
	}
	out := []Manifest{{Path: AuthenticationPath, YAML: authYAML}}
	for _, r := range m.Roles {
		s := secretObject{
			APIVersion: "v1",
			Kind:       "Secret",
			Metadata:   objectMeta{Name: r.Secret.Name, Namespace: r.Secret.Namespace},
			StringData: map[string]string{"credentials": r.Secret.Credentials},
			Type:       "Opaque",
		}
		b, err := yaml.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("secret %s/%s: %w", r.Secret.Namespace, r.Secret.Name, err)
		}
		out = append(out, Manifest{Path: SecretPath(r.Secret), YAML: b})
	}
	return out, nil
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
		files = append(files, File{Path: mf.Path, Mode: manifestFileMode, Data: mf.YAML})
	}
	for _, obj := range m.Bucket.Objects {
		files = append(files, File{Path: path.Join(oidcDir, obj.Key), Mode: publicFileMode, Data: obj.Body})
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
	if err := add(BucketPath, m.Bucket.File()); err != nil {
		return nil, err
	}
	return files, nil
}
