package pipeline

import (
	"fmt"
	"slices"

	"github.com/stsrender/stsrender/api/v1alpha1"
	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/render"
)

// defaultRoleEnv is the Subscription variable OLM token auth reads the
// operator's role from (the console writes it there).
const defaultRoleEnv = "ROLEARN"

// operatorRequests reads the request files of spec.operators. Every
// document of a file must be an AWS CredentialsRequest: the files are the
// operator's published requests, inputs only, never emitted. CCO writes
// their Secrets (the operator creates its own request once the Subscription
// hands it the role), so none is rendered.
func operatorRequests(cfg *Config) ([]render.CredentialsRequest, []render.Operator, error) {
	var requests []render.CredentialsRequest
	var operators []render.Operator
	for i, op := range cfg.Spec.Operators {
		operator := render.Operator{Name: op.Name, Namespace: op.Namespace}
		for _, list := range []struct {
			field   string
			entries []v1alpha1.OperatorRequest
			own     bool
		}{{"credentialsRequests", op.CredentialsRequests, true}, {"operandCredentialsRequests", op.OperandCredentialsRequests, false}} {
			for j, entry := range list.entries {
				field := fmt.Sprintf("spec.operators[%d].%s[%d]", i, list.field, j)
				found, err := readOperatorFile(cfg, field, entry)
				if err != nil {
					return nil, nil, err
				}
				env := entry.Env
				if env == "" && list.own && j == 0 {
					env = defaultRoleEnv
				}
				if entry.Env != "" && len(found) > 1 {
					return nil, nil, fmt.Errorf("%s.env: %s holds %d requests; env names the variable of one role: list the file once per request", field, entry.File, len(found))
				}
				for k, cr := range found {
					req := render.OperatorRequest{SecretRef: cr.SecretRef, RequestName: cr.Name}
					if k == 0 {
						req.Env = env
					}
					operator.Requests = append(operator.Requests, req)
				}
				requests = append(requests, found...)
			}
		}
		operators = append(operators, operator)
	}
	return requests, operators, nil
}

// readOperatorFile parses one entry's file into its AWS requests, with the
// entry's service accounts added.
func readOperatorFile(cfg *Config, field string, entry v1alpha1.OperatorRequest) ([]render.CredentialsRequest, error) {
	data, err := cfg.files.Read(field, entry.File, fsguard.MaxManifestFileBytes)
	if err != nil {
		return nil, err
	}
	docs, err := render.ParseDocuments(entry.File, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: %s holds no document; it should hold the operator's CredentialsRequest", field, entry.File)
	}
	var out []render.CredentialsRequest
	for _, doc := range docs {
		if !render.IsCredentialsRequest(doc) {
			return nil, fmt.Errorf("%s: %s (%s): is not a CredentialsRequest; the file holds the operator's requests only, exactly as it publishes them", field, doc.Source, doc.ID())
		}
		if len(entry.ServiceAccounts) > 0 {
			addServiceAccounts(doc.Object, entry.ServiceAccounts)
		} else if !hasServiceAccounts(doc.Object) {
			return nil, fmt.Errorf("%s: %s (%s): spec.serviceAccountNames is empty, as some operators create their requests: list the service accounts that assume the role in %s.serviceAccounts (the operator's docs, or oc get pods -n <namespace> -o jsonpath='{..serviceAccountName}')", field, doc.Source, doc.ID(), field)
		}
		cr, reason, err := render.CredentialsRequestFromDocument(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if reason != "" {
			return nil, fmt.Errorf("%s: %s (%s): %s; stsrender renders AWS roles only", field, doc.Source, doc.ID(), reason)
		}
		cr.SecretByCCO = true
		out = append(out, cr)
	}
	return out, nil
}

func hasServiceAccounts(obj map[string]any) bool {
	spec, _ := obj["spec"].(map[string]any)
	list, _ := spec["serviceAccountNames"].([]any)
	return len(list) > 0
}

// addServiceAccounts appends service accounts the request lacks to its
// spec.serviceAccountNames, keeping its own first and in order.
func addServiceAccounts(obj map[string]any, extra []string) {
	spec, ok := obj["spec"].(map[string]any)
	if !ok {
		spec = map[string]any{}
		obj["spec"] = spec
	}
	list, _ := spec["serviceAccountNames"].([]any)
	for _, sa := range extra {
		if !slices.Contains(list, any(sa)) {
			list = append(list, sa)
		}
	}
	spec["serviceAccountNames"] = list
}
