package render

import (
	"fmt"
	"sort"
)

// Operator is an OperatorHub operator whose requests the render includes
// (spec.operators): which request feeds which Subscription variable.
type Operator struct {
	// Name and Namespace are the Subscription's.
	Name, Namespace string
	Requests        []OperatorRequest
}

// OperatorRequest ties one of an operator's requests to where its role's
// ARN goes.
type OperatorRequest struct {
	// SecretRef identifies the request, and so its role.
	SecretRef NamespacedName
	// RequestName is the request's metadata.name: the key of its ARN in
	// the operator's ConfigMap.
	RequestName string
	// Env is the Subscription's spec.config.env variable that receives the
	// ARN; empty for operand requests.
	Env string
}

// OperatorRoles is an operator with its requests' role ARNs.
type OperatorRoles struct {
	Name, Namespace string
	// Env are the Subscription variables and the role ARNs they receive,
	// sorted by name.
	Env []EnvVar
	// RoleARNs maps each request's metadata.name to its role's ARN.
	RoleARNs map[string]string
}

// EnvVar is one spec.config.env entry.
type EnvVar struct {
	Name  string `json:"name" yaml:"name"`
	Value string `json:"value" yaml:"value"`
}

// OperatorConfigMapName is the ConfigMap in each operator's namespace that
// maps its requests' names to their role ARNs, for kustomize replacements
// into operand custom resources.
const OperatorConfigMapName = "stsrender-role-arns"

// operatorRoles resolves each operator request to the role rendered for it.
func operatorRoles(operators []Operator, roles []Role) ([]OperatorRoles, error) {
	bySecret := map[NamespacedName]Role{}
	for _, r := range roles {
		bySecret[r.Request.SecretRef] = r
	}
	var out []OperatorRoles
	for _, op := range operators {
		o := OperatorRoles{Name: op.Name, Namespace: op.Namespace, RoleARNs: map[string]string{}}
		for _, req := range op.Requests {
			role, ok := bySecret[req.SecretRef]
			if !ok {
				return nil, fmt.Errorf("operator %s/%s: no role was rendered for the request of Secret %s", op.Namespace, op.Name, req.SecretRef)
			}
			if first, dup := o.RoleARNs[req.RequestName]; dup && first != role.ARN {
				return nil, fmt.Errorf("operator %s/%s: two requests are named %s; the ConfigMap %s needs one key per request", op.Namespace, op.Name, req.RequestName, OperatorConfigMapName)
			}
			o.RoleARNs[req.RequestName] = role.ARN
			if req.Env != "" {
				o.Env = append(o.Env, EnvVar{Name: req.Env, Value: role.ARN})
			}
		}
		sort.Slice(o.Env, func(i, j int) bool { return o.Env[i].Name < o.Env[j].Name })
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}
