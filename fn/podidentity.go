package fn

import (
	"fmt"
	"github.com/stsrender/stsrender/api/v1alpha1"
	"slices"

	"github.com/stsrender/stsrender/outputs"
	"github.com/stsrender/stsrender/render"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// bindServiceAccounts is outputs.serviceAccounts in transformer mode: for
// every role of a CredentialsRequest from the stream, each of its service
// accounts carries the pod identity webhook's annotations. A team's own
// ServiceAccount in the stream is annotated in place (a second object of
// the same name would make kustomize fail on an ID conflict, and the
// team's other annotations stay); a missing one is emitted. The request's
// Secret is kept or dropped as the config's default and the request's
// stsrender.dev/secret annotation say.
func bindServiceAccounts(m *render.Model, spec *v1alpha1.ServiceAccountsSpec, stream []render.Document, passThrough, generated []*yaml.RNode) ([]*yaml.RNode, error) {
	fromStream := map[render.NamespacedName]bool{}
	for _, d := range stream {
		if cr, reason, err := render.CredentialsRequestFromDocument(d); err == nil && reason == "" {
			fromStream[cr.SecretRef] = true
		}
	}
	dropSecret := map[render.NamespacedName]bool{}
	boundTo := map[render.NamespacedName]render.CredentialsRequest{} // service account -> request
	for _, role := range m.Roles {
		ref := role.Request.SecretRef
		// An OperatorHub operator's request (spec.operators) binds its
		// service accounts too: an operator such as cert-manager reads the
		// webhook's role, not a CCO Secret.
		operatorOwned := role.Request.SecretByCCO
		if !fromStream[ref] && !operatorOwned {
			continue
		}
		podIdentity, err := boolAnnotation(role.Request, v1alpha1.PodIdentityAnnotation, true)
		if err != nil {
			return nil, err
		}
		if !podIdentity {
			continue // the Secret route alone
		}
		for _, sa := range role.Request.ServiceAccountNames {
			key := render.NamespacedName{Namespace: ref.Namespace, Name: sa}
			if other, dup := boundTo[key]; dup {
				return nil, fmt.Errorf("%s (CredentialsRequest %s/%s): service account %s is also in CredentialsRequest %s/%s (%s); the webhook binds one role per service account: keep one request on the Secret route with %s: \"false\"",
					role.Request.Source, role.Request.Namespace, role.Request.Name, key, other.Namespace, other.Name, other.Source, v1alpha1.PodIdentityAnnotation)
			}
			boundTo[key] = role.Request
		}
		annotations, err := outputs.PodIdentityAnnotations(role, spec.TokenExpiration)
		if err != nil {
			return nil, fmt.Errorf("spec.outputs.serviceAccounts: %w", err)
		}
		for _, sa := range role.Request.ServiceAccountNames {
			if existing := findItem(passThrough, "ServiceAccount", ref.Namespace, sa); existing != nil {
				for _, k := range sortedKeys(annotations) {
					if err := existing.PipeE(yaml.SetAnnotation(k, annotations[k])); err != nil {
						return nil, err
					}
				}
				continue
			}
			emitted := annotations
			if operatorOwned {
				emitted = annotationPatch(annotations)
			}
			node, err := objectNode(outputs.ServiceAccount(ref.Namespace, sa, emitted))
			if err != nil {
				return nil, err
			}
			generated = append(generated, node)
		}
		keep, err := boolAnnotation(role.Request, v1alpha1.SecretAnnotation, spec.Secrets == nil || *spec.Secrets)
		if err != nil {
			return nil, err
		}
		if !keep {
			dropSecret[render.NamespacedName{Namespace: role.Secret.Namespace, Name: role.Secret.Name}] = true
		}
	}
	return slices.DeleteFunc(generated, func(n *yaml.RNode) bool {
		return n.GetKind() == "Secret" && n.GetApiVersion() == "v1" && dropSecret[render.NamespacedName{Namespace: n.GetNamespace(), Name: n.GetName()}]
	}), nil
}

// annotationPatch turns the webhook's annotations into a patch of a
// ServiceAccount that the operator (OLM) owns: applied server-side as a
// partial object by Argo CD and Flux, it adds the annotations and takes
// nothing else of the object, so neither side fights the other over it.
func annotationPatch(annotations map[string]string) map[string]string {
	out := map[string]string{
		"argocd.argoproj.io/sync-options": "ServerSideApply=true",
		"kustomize.toolkit.fluxcd.io/ssa": "Merge",
	}
	for k, v := range annotations {
		out[k] = v
	}
	return out
}

// boolAnnotation reads a "true"/"false" annotation of a request.
func boolAnnotation(cr render.CredentialsRequest, key string, def bool) (bool, error) {
	switch cr.Annotations[key] {
	case "":
		return def, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%s (CredentialsRequest %s/%s): metadata.annotations[%s]: %q is not \"true\" or \"false\"", cr.Source, cr.Namespace, cr.Name, key, cr.Annotations[key])
}

func findItem(items []*yaml.RNode, kind, namespace, name string) *yaml.RNode {
	for _, n := range items {
		if n.GetKind() == kind && n.GetNamespace() == namespace && n.GetName() == name {
			return n
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
