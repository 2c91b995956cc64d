package render

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ParsePublicKeys reads every public key of a PEM file as kube-apiserver
// reads its --service-account-key-file: each block whose bytes are a PKIX
// public key or a certificate, whatever the block's type. The cluster
// itself writes service-account.pub as "RSA PUBLIC KEY" around PKIX bytes
// (cluster-kube-apiserver-operator), and a rotation bundle holds several
// keys; every one is published. Blocks that hold no key are passed over,
// as kube-apiserver passes them over.
//
// What kube-apiserver cannot use is refused, naming the format and the
// conversion: PKCS#1 public keys (it does not read them, so no cluster
// signs with one as given), keys that are not RSA (STS verifies RS256
// only) and short keys. A private key is refused too, although
// kube-apiserver would take its public half: it has no place in Git.
func ParsePublicKeys(data []byte) ([]*rsa.PublicKey, error) {
	var keys []*rsa.PublicKey
	rest := data
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		key, err := blockPublicKey(block)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%q): %w", n, block.Type, err)
		}
		if key != nil {
			keys = append(keys, key)
		}
	}
	switch {
	case len(keys) > 0:
		return keys, nil
	case len(bytes.TrimSpace(data)) > 0 && !bytes.Contains(data, []byte("-----BEGIN ")):
		return nil, errors.New("no PEM block found; expected a PEM public key such as serviceaccount-signer.public, or service-account.pub as the cluster writes it")
	default:
		return nil, errors.New("no public key in any PEM block; expected a \"PUBLIC KEY\" or \"RSA PUBLIC KEY\" block holding a PKIX public key")
	}
}

// blockPublicKey returns the RSA public key of one block, nil for a block
// that holds no key.
func blockPublicKey(block *pem.Block) (*rsa.PublicKey, error) {
	if strings.Contains(block.Type, "PRIVATE KEY") {
		return nil, errors.New("this is a private key: only its public half is published, and a private key never belongs in Git. Pass the public key (openssl pkey -in FILE -pubout)")
	}
	var key any
	if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		key = k
	} else if cert, err := x509.ParseCertificate(block.Bytes); err == nil {
		key = cert.PublicKey
	} else if _, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
		return nil, errors.New("a PKCS#1 RSA public key, which kube-apiserver does not read: convert it to PKIX with openssl rsa -RSAPublicKey_in -in FILE -pubout")
	} else if strings.Contains(block.Type, "PUBLIC KEY") {
		return nil, fmt.Errorf("not a PKIX public key: %v", err)
	} else {
		return nil, nil
	}
	rsaKey, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("an %s key: AWS STS verifies RS256 signatures only, so the signing key must be RSA (stsrender create-key-pair makes one)", keyAlgorithm(key))
	}
	if rsaKey.N.BitLen() < 2048 {
		return nil, fmt.Errorf("RSA key has %d bits; use at least 2048 (stsrender create-key-pair makes 4096)", rsaKey.N.BitLen())
	}
	return rsaKey, nil
}

func keyAlgorithm(key any) string {
	name := fmt.Sprintf("%T", key)
	switch {
	case strings.Contains(name, "ecdsa"):
		return "ECDSA"
	case strings.Contains(name, "ed25519"):
		return "Ed25519"
	}
	return name
}
