package fn

import (
	"encoding/json"
	"fmt"
	"github.com/stsrender/stsrender/api/v1alpha1"

	"github.com/stsrender/stsrender/outputs"
	"github.com/stsrender/stsrender/render"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// localConfigAnnotation marks objects kustomize build does not emit.
const localConfigAnnotation = "config.kubernetes.io/local-config"

// Kinds of the reviewable AWS documents (outputs.aws: document). They are
// descriptions, not requests to any controller: a separate kustomization can
// carry them to a pull request, a policy check or an applier.
const (
	RoleKind         = "IAMRole"
	OIDCProviderKind = "OIDCProvider"
	BucketKind       = "OIDCBucket"
)

// Objects converts a model into the function's output objects, in a fixed
// order: the manifests (the Authentication, the Secrets; or, with
// outputs.hive, one Secret holding them for Hive), then the AWS side in
// the outputs.aws form.
func Objects(m *render.Model, spec v1alpha1.OutputsSpec) ([]*yaml.RNode, error) {
	var out []*yaml.RNode
	manifests := spec.Manifests == nil || *spec.Manifests
	if manifests && spec.Hive != nil {
		secret, err := outputs.Hive(m, outputs.HiveOptions{SecretName: spec.Hive.SecretName, Namespace: spec.Namespace})
		if err != nil {
			return nil, err
		}
		node, err := objectNode(secret)
		if err != nil {
			return nil, err
		}
		out = append(out, node)
		manifests = false
	}
	if manifests {
		manifests, err := m.Manifests()
		if err != nil {
			return nil, err
		}
		for _, mf := range manifests {
			if mf.Path == render.AuthenticationPath && spec.Authentication != nil && !*spec.Authentication {
				continue
			}
			node, err := yaml.Parse(string(mf.YAML))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", mf.Path, err)
			}
			if err := node.PipeE(yaml.SetAnnotation(PathAnnotation, mf.Path)); err != nil {
				return nil, err
			}
			out = append(out, node)
		}
	}
	switch spec.AWS {
	case v1alpha1.AWSOutputCrossplane, v1alpha1.AWSOutputCrossplaneNamespaced, v1alpha1.AWSOutputACK:
		objects, err := awsObjects(m, spec)
		if err != nil {
			return nil, err
		}
		for _, o := range objects {
			node, err := objectNode(o)
			if err != nil {
				return nil, err
			}
			out = append(out, node)
		}
		return out, nil
	case v1alpha1.AWSOutputDocument:
	default:
		return out, nil
	}
	type document struct {
		kind, name string
		spec       any
	}
	docs := []document{{OIDCProviderKind, m.Name, m.OIDCProvider}}
	for _, r := range m.Roles {
		docs = append(docs, document{RoleKind, r.Name, r.File()})
	}
	if m.Bucket != nil {
		docs = append(docs, document{BucketKind, m.Bucket.Name, bucketDocument(*m.Bucket)})
	}
	for _, d := range docs {
		node, err := awsDocument(d.kind, d.name, d.spec)
		if err != nil {
			return nil, err
		}
		out = append(out, node)
	}
	return out, nil
}

func awsObjects(m *render.Model, spec v1alpha1.OutputsSpec) ([]outputs.Object, error) {
	if spec.AWS == v1alpha1.AWSOutputACK {
		o := outputs.ACKOptions{Namespace: spec.Namespace}
		if spec.ACK != nil {
			o.DeletionPolicy, o.AdoptionPolicy = spec.ACK.DeletionPolicy, spec.ACK.AdoptionPolicy
		}
		return outputs.ACK(m, o)
	}
	o := outputs.CrossplaneOptions{Namespaced: spec.AWS == v1alpha1.AWSOutputCrossplaneNamespaced, Namespace: spec.Namespace}
	if c := spec.Crossplane; c != nil {
		o.ProviderConfigName, o.DeletionPolicy, o.ManagementPolicies = c.ProviderConfigName, c.DeletionPolicy, c.ManagementPolicies
	}
	return outputs.Crossplane(m, o)
}

func objectNode(o outputs.Object) (*yaml.RNode, error) {
	raw, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", o.Kind, o.Metadata.Name, err)
	}
	return yaml.ConvertJSONToYamlNode(string(raw))
}

// bucketDocumentSpec is the bucket with the issuer documents it serves.
type bucketDocumentSpec struct {
	render.BucketFile
	Objects []bucketObject `json:"Objects"`
}

type bucketObject struct {
	Key         string `json:"Key"`
	ContentType string `json:"ContentType"`
	Body        string `json:"Body"`
}

func bucketDocument(b render.Bucket) bucketDocumentSpec {
	spec := bucketDocumentSpec{BucketFile: b.File()}
	for _, o := range b.Objects {
		spec.Objects = append(spec.Objects, bucketObject{Key: o.Key, ContentType: o.ContentType, Body: string(o.Body)})
	}
	return spec
}

// awsDocument is one reviewable document. It is local config: kustomize
// build leaves it out of what is deployed (no cluster has a CRD for it, and
// kubectl apply or an Argo CD sync of the stream would fail on it), while
// kpt and kustomize fn run keep it for review.
func awsDocument(kind, name string, spec any) (*yaml.RNode, error) {
	raw, err := json.Marshal(map[string]any{
		"apiVersion": v1alpha1.APIVersion,
		"kind":       kind,
		"metadata":   map[string]any{"name": name, "annotations": map[string]string{localConfigAnnotation: "true"}},
		"spec":       spec,
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, name, err)
	}
	return yaml.ConvertJSONToYamlNode(string(raw))
}
