package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// Key pair file names, as ccoctl writes them and openshift-install reads the
// tls/ copy.
const (
	privateKeyFile   = "serviceaccount-signer.private"
	publicKeyFile    = "serviceaccount-signer.public"
	installerKeyFile = "tls/bound-service-account-signing-key.key"
	signingKeyBits   = 4096
)

func newCreateKeyPairCommand(s Streams) *cobra.Command {
	var (
		out   string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "create-key-pair -o DIR",
		Short: "Create the service-account signing key pair (RSA 4096)",
		Long: `create-key-pair writes a new RSA 4096 service-account signing key:

  DIR/serviceaccount-signer.private             PKCS#1 PEM, mode 0600
  DIR/serviceaccount-signer.public              PKIX PEM: spec.oidc.publicKeyFile
  DIR/tls/bound-service-account-signing-key.key mode 0600, copy for openshift-install

Keep the private key out of Git (or encrypt it with SOPS or Sealed Secrets). No
other stsrender command ever writes or prints it. Existing keys are never
overwritten unless --force is given.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := createKeyPair(out, force); err != nil {
				return fmt.Errorf("create-key-pair: %w", err)
			}
			fmt.Fprintf(s.Err, "wrote %s, %s and %s in %s\n", privateKeyFile, publicKeyFile, installerKeyFile, out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output-dir", "o", "", "directory for the key files (required)")
	cmd.Flags().BoolVar(&force, "force", false, "replace existing key files")
	_ = cmd.MarkFlagRequired("output-dir")
	return cmd
}

func createKeyPair(dir string, force bool) error {
	targets := []string{privateKeyFile, publicKeyFile, installerKeyFile}
	if !force {
		for _, name := range targets {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				return fmt.Errorf("%s already exists; pass --force to replace the key pair (tokens signed by the old key stop verifying unless it stays in spec.oidc.additionalPublicKeyFiles)", filepath.Join(dir, name))
			}
		}
	}
	key, err := rsa.GenerateKey(rand.Reader, signingKeyBits)
	if err != nil {
		return err
	}
	privatePEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if err := writeFileAtomic(filepath.Join(dir, privateKeyFile), privatePEM, 0o600); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, installerKeyFile), privatePEM, 0o600); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, publicKeyFile), publicPEM, 0o644)
}

// writeFileAtomic writes through a temporary file and a rename, so a reader
// never sees half a key and a failure leaves no partial file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
