package release

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/stsrender/stsrender/fsguard"
)

// AuthFiles returns the registry auth files consulted, most important first:
// the pull secret the config names, else $REGISTRY_AUTH_FILE, else the
// podman/containers and docker locations, as oc looks them up.
func AuthFiles(pullSecretFile string) []string {
	if pullSecretFile != "" {
		return []string{pullSecretFile}
	}
	if f := os.Getenv("REGISTRY_AUTH_FILE"); f != "" {
		return []string{f}
	}
	var files []string
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		files = append(files, filepath.Join(d, "containers", "auth.json"))
	}
	home, _ := os.UserHomeDir()
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		files = append(files, filepath.Join(d, "containers", "auth.json"))
	} else if home != "" {
		files = append(files, filepath.Join(home, ".config", "containers", "auth.json"))
	}
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		files = append(files, filepath.Join(d, "config.json"))
	}
	if home != "" {
		files = append(files, filepath.Join(home, ".docker", "config.json"))
	}
	return files
}

// authFile is one docker config JSON (an OpenShift pull secret has this
// shape), with keys normalised.
type authFile struct {
	path  string
	auths map[string]authn.AuthConfig
}

// PullSecret is a docker config JSON already read, and how messages name
// it (the config field or the flag it came from).
type PullSecret struct {
	Label string
	Data  []byte
}

// NeedsCredentials reports whether a release reference reaches a registry;
// local layouts and archives need no pull secret.
func NeedsCredentials(ref string) bool {
	return !strings.HasPrefix(ref, OCILayoutPrefix) && !strings.HasPrefix(ref, DockerArchivePrefix)
}

// Keychain builds a keychain from a pull secret, or, when it is nil, from
// the operator's auth files ($REGISTRY_AUTH_FILE, else the podman and
// docker locations, which are skipped when absent). Credentials are matched
// most specific first: host/namespace/repository, then host/namespace, then
// host.
func Keychain(secret *PullSecret) (authn.Keychain, error) {
	if secret != nil {
		f, err := parseAuthFile(secret.Label, secret.Data)
		if err != nil {
			return nil, err
		}
		return keychain{f}, nil
	}
	var files []authFile
	for _, path := range AuthFiles("") {
		data, err := fsguard.ReadRegular(path, fsguard.MaxPullSecretBytes)
		if err != nil {
			if os.IsNotExist(err) && os.Getenv("REGISTRY_AUTH_FILE") == "" {
				continue
			}
			return nil, fmt.Errorf("read pull secret: %w", err)
		}
		f, err := parseAuthFile(path, data)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return keychain(files), nil
}

func parseAuthFile(path string, data []byte) (authFile, error) {
	var raw struct {
		Auths map[string]struct {
			Auth          string `json:"auth"`
			Username      string `json:"username"`
			Password      string `json:"password"`
			IdentityToken string `json:"identitytoken"`
		} `json:"auths"`
	}
	// The error text of encoding/json can quote input; never echo a pull secret.
	if err := json.Unmarshal(data, &raw); err != nil {
		return authFile{}, fmt.Errorf("pull secret %s is not a docker config JSON ({\"auths\": {...}})", path)
	}
	f := authFile{path: path, auths: map[string]authn.AuthConfig{}}
	for key, a := range raw.Auths {
		cfg := authn.AuthConfig{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken}
		if a.Auth != "" {
			decoded, err := base64.StdEncoding.DecodeString(a.Auth)
			user, pass, ok := strings.Cut(string(decoded), ":")
			if err != nil || !ok {
				return authFile{}, fmt.Errorf("pull secret %s: the auth entry for %s is not base64 of user:password", path, normaliseAuthKey(key))
			}
			cfg.Username, cfg.Password = user, pass
		}
		f.auths[normaliseAuthKey(key)] = cfg
	}
	return f, nil
}

func normaliseAuthKey(key string) string {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	key = strings.TrimSuffix(key, "/")
	key = strings.TrimSuffix(key, "/v1")
	key = strings.TrimSuffix(key, "/v2")
	switch key {
	case "docker.io", "registry-1.docker.io":
		return "index.docker.io"
	}
	return key
}

type keychain []authFile

// Resolve implements authn.Keychain.
func (k keychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	registry := normaliseAuthKey(target.RegistryStr())
	candidates := []string{}
	if repo, ok := target.(interface{ RepositoryStr() string }); ok {
		parts := strings.Split(repo.RepositoryStr(), "/")
		for i := len(parts); i > 0; i-- {
			candidates = append(candidates, registry+"/"+strings.Join(parts[:i], "/"))
		}
	}
	candidates = append(candidates, registry)
	for _, f := range k {
		for _, c := range candidates {
			if cfg, ok := f.auths[c]; ok {
				return authn.FromConfig(cfg), nil
			}
		}
	}
	return authn.Anonymous, nil
}
