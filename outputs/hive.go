package outputs

import (
	"fmt"
	"path"

	"github.com/stsrender/stsrender/render"
)

// HiveOptions name the manifests Secret.
type HiveOptions struct {
	SecretName string
	Namespace  string
}

// Hive returns the Secret a ClusterDeployment names in
// spec.provisioning.manifestsSecretRef. Hive writes each key as a file and
// copies the files over the installer's manifests, so the keys are exactly
// the file names ccoctl writes. That matters for the Authentication:
// kube-apiserver's bootstrap reads cluster-authentication-02-config.yaml
// by that name, and under any other key the cluster silently keeps the
// default issuer, every token is rejected and the install times out. Hive
// does not check it; this function does.
func Hive(m *render.Model, o HiveOptions) (Object, error) {
	if o.SecretName == "" || o.Namespace == "" {
		return Object{}, fmt.Errorf("outputs.hive.secretName and outputs.namespace: both are required (the Secret a ClusterDeployment's spec.provisioning.manifestsSecretRef names, in the ClusterDeployment's namespace)")
	}
	manifests, err := m.Manifests()
	if err != nil {
		return Object{}, err
	}
	data := map[string]string{}
	for _, mf := range manifests {
		data[path.Base(mf.Path)] = string(mf.YAML)
	}
	if _, ok := data[path.Base(render.AuthenticationPath)]; !ok {
		return Object{}, fmt.Errorf("hive bundle: no %s key: the cluster would keep the default service-account issuer", path.Base(render.AuthenticationPath))
	}
	return Object{APIVersion: "v1", Kind: "Secret", Metadata: Meta{Name: o.SecretName, Namespace: o.Namespace}, Type: "Opaque", StringData: data}, nil
}
