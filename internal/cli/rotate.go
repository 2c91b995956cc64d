package cli

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/stsrender/stsrender/doctor"
	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/render"
)

// nextSigningKeySecret is the Secret kube-apiserver-operator takes the
// next service-account signing key from; one the admin writes is used as
// it is, and promoted once every apiserver revision has its public half.
const (
	nextSigningKeyNamespace = "openshift-kube-apiserver-operator"
	nextSigningKeyName      = "next-bound-service-account-signing-key"
	nextSigningKeyFile      = nextSigningKeyName + ".yaml"
)

func newRotateKeyCommand(s Streams) *cobra.Command {
	var configFile, privateKey, out, caFile string
	var resolve []string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "rotate-key -f CONFIG --next-private-key FILE -o DIR",
		Short: "Hand the cluster its next signing key, once the issuer publishes it",
		Long: `rotate-key writes DIR/next-bound-service-account-signing-key.yaml: the Secret
openshift-kube-apiserver-operator/next-bound-service-account-signing-key with
service-account.key (the private key) and service-account.pub (its public half,
as the cluster writes it), mode 0600. kube-apiserver-operator takes a Secret of
that name that the admin wrote as it is: it adds the public half to the keys
kube-apiserver accepts and signs with the key once every apiserver has it.

It writes only after the live issuer serves the next key: it fetches keys.json
over HTTPS (the config's issuer; the same client and rules as doctor) and
looks for the kid of spec.oidc.nextPublicKeyFile. Otherwise it exits non-zero,
writes nothing and names the missing kid: publish first (commit
nextPublicKeyFile, apply), then hand over, and tokens never name a key the
issuer does not have. A private key that is not the next key's is refused.

The Secret holds the signing key: it never goes to stdout or to a KRM stream.
Apply it with oc apply -f, or seal it (SOPS, Sealed Secrets) for GitOps.`,
		Example: `  stsrender rotate-key -f cluster.yaml --next-private-key keys/next/serviceaccount-signer.private -o handover/
  oc apply -f handover/next-bound-service-account-signing-key.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfigFile(configFile)
			if err != nil {
				return err
			}
			pubPEM, err := cfg.NextPublicKey()
			if err != nil {
				return err
			}
			next, err := singleKey("spec.oidc.nextPublicKeyFile", pubPEM)
			if err != nil {
				return err
			}
			kid, err := render.KeyID(next)
			if err != nil {
				return err
			}
			keyPEM, err := fsguard.ReadRegular(privateKey, fsguard.MaxKeyBytes)
			if err != nil {
				return fmt.Errorf("--next-private-key: %w", err)
			}
			key, err := parsePrivateKey(keyPEM)
			if err != nil {
				return fmt.Errorf("--next-private-key %s: %w", privateKey, err)
			}
			if !key.PublicKey.Equal(next) {
				got, _ := render.KeyID(&key.PublicKey)
				return fmt.Errorf("--next-private-key %s is not the next key: its kid is %s, spec.oidc.nextPublicKeyFile's is %s", privateKey, got, kid)
			}
			model, err := render.Identity(cfg.IdentityParams())
			if err != nil {
				return err
			}
			var ca []byte
			if caFile != "" {
				if ca, err = fsguard.ReadRegular(caFile, 1<<20); err != nil {
					return fmt.Errorf("--ca-file: %w", err)
				}
			}
			client, err := doctor.NewIssuerClient(doctor.ClientOptions{CAPEM: ca, Resolve: resolve})
			if err != nil {
				return fmt.Errorf("--ca-file or --resolve: %w", err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			served, jwksURL, err := doctor.ServedKeys(ctx, client, model.Issuer.URL)
			if err != nil {
				return fmt.Errorf("read the live issuer's keys (nothing written): %w", err)
			}
			if _, ok := served[kid]; !ok {
				return fmt.Errorf("the issuer does not serve the next key yet: kid %s is not in %s (%d key(s)); nothing written. Publish it first (spec.oidc.nextPublicKeyFile, then stsrender apply or your controller's sync), check with stsrender doctor -f %s, and run rotate-key again", kid, jwksURL, len(served), configFile)
			}
			secret, err := nextSigningKeySecretYAML(keyPEM, next)
			if err != nil {
				return err
			}
			path := filepath.Join(out, nextSigningKeyFile)
			if err := writeFileAtomic(path, secret, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(s.Err, "the issuer serves kid %s (%s); wrote %s (mode 0600): apply it to the cluster (oc apply -f %s), or seal it for GitOps; it holds the signing key\n", kid, jwksURL, path, path)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&configFile, "config", "f", "", "STSCredentials config with spec.oidc.nextPublicKeyFile (required)")
	f.StringVar(&privateKey, "next-private-key", "", "the next key's private half, PEM (required)")
	f.StringVarP(&out, "output-dir", "o", "", "directory to write the Secret to (required; never stdout)")
	f.StringVar(&caFile, "ca-file", "", "also trust this PEM CA for the issuer (a private CA, or tests)")
	f.StringArrayVar(&resolve, "resolve", nil, "HOST:PORT:ADDRESS: connect to ADDRESS for HOST:PORT, like curl --resolve")
	f.DurationVar(&timeout, "timeout", time.Minute, "give up reading the issuer after this long")
	for _, name := range []string{"config", "next-private-key", "output-dir"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func singleKey(field string, data []byte) (*rsa.PublicKey, error) {
	keys, err := render.ParsePublicKeys(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	if len(keys) != 1 {
		return nil, fmt.Errorf("%s: holds %d keys; the next key is one", field, len(keys))
	}
	return keys[0], nil
}

// parsePrivateKey reads a PKCS#1 or PKCS#8 RSA private key.
func parsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block: expected the RSA private key (stsrender create-key-pair writes serviceaccount-signer.private)")
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("PEM block %q is not an RSA private key", block.Type)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA key: kube-apiserver signs service-account tokens with RS256")
	}
	return key, nil
}

// nextSigningKeySecretYAML is the Secret, with the public half written as
// the cluster writes it (PKIX in an RSA PUBLIC KEY block).
func nextSigningKeySecretYAML(keyPEM []byte, pub *rsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: der})
	var b bytes.Buffer
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\ntype: Opaque\ndata:\n", nextSigningKeyName, nextSigningKeyNamespace)
	fmt.Fprintf(&b, "  service-account.key: %s\n  service-account.pub: %s\n", base64.StdEncoding.EncodeToString(keyPEM), base64.StdEncoding.EncodeToString(pubPEM))
	return b.Bytes(), nil
}
