package pipeline

import (
	"errors"
	"github.com/stsrender/stsrender/api/v1alpha1"
	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/render"
)

// Config is a decoded stsrender.dev/v1alpha1 STSCredentials with the way
// the files it names are resolved and read.
type Config struct {
	*v1alpha1.STSCredentials
	files Files
}

// ParseConfig decodes and validates a config (v1alpha1.Decode); baseDir
// resolves relative file names.
func ParseConfig(file string, data []byte, baseDir string) (*Config, error) {
	c, err := v1alpha1.Decode(file, data)
	if err != nil {
		return nil, err
	}
	return NewConfig(c, baseDir), nil
}

// NewConfig wraps a config built in code; baseDir resolves relative file
// names.
func NewConfig(c *v1alpha1.STSCredentials, baseDir string) *Config {
	return &Config{STSCredentials: c, files: Files{baseDir: baseDir}}
}

// Path resolves a file name of the config against its base directory.
func (c *Config) Path(name string) string { return c.files.Path(name) }

// Files is how the config's files are resolved and read.
func (c *Config) Files() Files { return c.files }

// Confine restricts every file the config names to the directory tree at
// root (symlinks resolved). Function mode confines to the kustomization
// directory, as kustomize itself does for the files it loads.
func (c *Config) Confine(root string) error {
	r, err := fsguard.NewRoot(root)
	if err != nil {
		return err
	}
	c.files.root = r
	return nil
}

// IdentityParams are the render parameters that name the cluster's AWS
// resources, without reading any file: enough for render.Identity.
func (c *Config) IdentityParams() render.Params {
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
		HostedControlPlane:     hostedControlPlane(s.ROSA),
		MigrationInfraID:       migrationInfraID(s.Migration),
	}
}

func migrationInfraID(m *v1alpha1.MigrationSpec) string {
	if m == nil {
		return ""
	}
	return m.InfraID
}

// hostedControlPlane converts spec.rosa; nil without it.
func hostedControlPlane(r *v1alpha1.ROSASpec) *render.HostedControlPlane {
	if r == nil {
		return nil
	}
	h := &render.HostedControlPlane{OperatorRolePrefix: r.OperatorRolePrefix}
	if r.ManagedOIDC() {
		h.ManagedIssuerURL = r.OIDCConfig.IssuerURL
		if h.ManagedIssuerURL == "" {
			h.ManagedIssuerURL = render.ManagedOIDCIssuer(r.OIDCConfig.ID)
		}
	}
	for _, extra := range r.AdditionalOperatorRoles {
		h.AdditionalRoles = append(h.AdditionalRoles, render.OperatorRole{
			Secret:          render.NamespacedName{Namespace: extra.Namespace, Name: extra.Name},
			ServiceAccounts: extra.ServiceAccounts,
			PolicyARNs:      extra.PolicyARNs,
		})
	}
	return h
}

// Params converts the config into render parameters, reading the public
// keys it names.
func (c *Config) Params() (render.Params, error) {
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
	if next := s.OIDC.NextPublicKeyFile; next != "" {
		data, err := c.files.Read("spec.oidc.nextPublicKeyFile", next, fsguard.MaxKeyBytes)
		if err != nil {
			return render.Params{}, err
		}
		p.PublicKeys = append(p.PublicKeys, render.PublicKey{Source: next, PEM: data})
	}
	return p, nil
}

// NextPublicKey reads spec.oidc.nextPublicKeyFile.
func (c *Config) NextPublicKey() ([]byte, error) {
	if c.Spec.OIDC.NextPublicKeyFile == "" {
		return nil, errors.New("spec.oidc.nextPublicKeyFile: required: the next key's public half, published beside the current one before the cluster is handed the key")
	}
	return c.files.Read("spec.oidc.nextPublicKeyFile", c.Spec.OIDC.NextPublicKeyFile, fsguard.MaxKeyBytes)
}
