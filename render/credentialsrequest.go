package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Well-known names from cloudcredential.openshift.io/v1.
const (
	CredentialsRequestGroup = "cloudcredential.openshift.io"
	CredentialsRequestKind  = "CredentialsRequest"
	AWSProviderSpecKind     = "AWSProviderSpec"

	// DeleteAnnotation marks a tombstone: the cluster-version operator deletes
	// the object instead of creating it, so it is never a request.
	DeleteAnnotation = "release.openshift.io/delete"
)

var (
	// dnsLabel is an RFC 1123 label; its 63-character bound is a length
	// check beside it, because a {0,61} repetition compiles 61 copies of the
	// class at every start of the binary.
	dnsLabel = lazyPattern(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// dnsSubdomain is RFC 1123: dot-separated labels, none empty.
	dnsSubdomain = lazyPattern(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// CredentialsRequest is the part of a cloudcredential.openshift.io/v1
// CredentialsRequest with an AWSProviderSpec that rendering uses.
type CredentialsRequest struct {
	Source      Source
	Name        string
	Namespace   string
	Annotations map[string]string
	// SecretRef is where the cluster expects the credentials Secret.
	SecretRef NamespacedName
	// ServiceAccountNames are the service accounts (in SecretRef.Namespace)
	// allowed to assume the role, in request order.
	ServiceAccountNames []string
	StatementEntries    []StatementEntry
	// CloudTokenPath is spec.cloudTokenPath: the token file the operator
	// mounts, written as web_identity_token_file.
	CloudTokenPath string
	// STSIAMRoleARN is spec.providerSpec.stsIAMRoleARN, set by operators
	// that create their own request (OLM token auth): CCO then writes the
	// Secret itself, for the role of this ARN.
	STSIAMRoleARN string
	// SecretByCCO marks a request whose Secret the cloud-credential
	// operator writes although the file has no stsIAMRoleARN yet: an
	// OperatorHub operator's, which creates its request itself once the
	// Subscription hands it the role.
	SecretByCCO bool
}

// IsDNSLabel reports whether s is a namespace name (RFC 1123 label).
func IsDNSLabel(s string) bool { return len(s) <= 63 && dnsLabel().MatchString(s) }

// IsDNSSubdomain reports whether s is an object name (RFC 1123 subdomain).
func IsDNSSubdomain(s string) bool { return len(s) <= 253 && dnsSubdomain().MatchString(s) }

// BrokeredByCCO reports whether the cloud-credential operator writes this
// request's Secret (an stsIAMRoleARN is set): stsrender renders the role
// under the ARN's name and no Secret.
func (cr CredentialsRequest) BrokeredByCCO() bool { return cr.STSIAMRoleARN != "" || cr.SecretByCCO }

// KubernetesTokenPath is the service-account token every pod has, which
// CCO names in a Secret it brokers when the request has no cloudTokenPath.
const KubernetesTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"

// tokenPathPattern is what a token path in a credentials file may hold: it
// is written into an INI file, where a newline would add keys.
var tokenPathPattern = lazyPattern(`^(/[A-Za-z0-9._-]+)+$`)

// TokenFile is the web_identity_token_file of the request's Secret: its
// cloudTokenPath, else where OpenShift projects the token for stsrender's
// and ccoctl's Secrets, or the pod's own token for a Secret CCO brokers.
func (cr CredentialsRequest) TokenFile() string {
	switch {
	case cr.CloudTokenPath != "":
		return cr.CloudTokenPath
	case cr.BrokeredByCCO():
		return KubernetesTokenPath
	}
	return TokenPath
}

// NamespacedName is a namespace and a name.
type NamespacedName struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func (n NamespacedName) String() string { return n.Namespace + "/" + n.Name }

// StatementEntry is one entry of spec.providerSpec.statementEntries.
type StatementEntry struct {
	Effect   string   `json:"effect"`
	Action   []string `json:"action"`
	Resource string   `json:"resource"`
	// PolicyCondition is copied into the IAM statement as it is, values keeping
	// the types they had in YAML (booleans, numbers, lists).
	PolicyCondition map[string]map[string]any `json:"policyCondition,omitempty"`
}

// Skipped records a document that was read but is not rendered, and why.
type Skipped struct {
	Source Source
	ID     string
	Reason string
}

// ParseResult is what ParseCredentialsRequests found in a stream.
type ParseResult struct {
	Requests []CredentialsRequest
	Skipped  []Skipped
}

// ParseCredentialsRequests reads every AWS CredentialsRequest in a YAML or
// JSON stream. Documents of other kinds, non-AWS provider specs and delete
// tombstones are skipped and listed in the result; a malformed AWS request is
// an error naming the file, the document and the field.
func ParseCredentialsRequests(file string, data []byte) (ParseResult, error) {
	docs, err := ParseDocuments(file, data)
	if err != nil {
		return ParseResult{}, err
	}
	var result ParseResult
	for _, doc := range docs {
		cr, reason, err := CredentialsRequestFromDocument(doc)
		if err != nil {
			return ParseResult{}, err
		}
		if reason != "" {
			result.Skipped = append(result.Skipped, Skipped{Source: doc.Source, ID: doc.ID(), Reason: reason})
			continue
		}
		result.Requests = append(result.Requests, cr)
	}
	return result, nil
}

// IsCredentialsRequest reports whether a document is a
// cloudcredential.openshift.io CredentialsRequest of any version.
func IsCredentialsRequest(doc Document) bool {
	return doc.Kind == CredentialsRequestKind && apiGroup(doc.APIVersion) == CredentialsRequestGroup
}

func apiGroup(apiVersion string) string {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return "" // "v1": the core group
	}
	return group
}

// CredentialsRequestFromDocument converts a document into an AWS
// CredentialsRequest. When the document is not one (another kind, another
// cloud, a tombstone) it returns a non-empty reason instead.
func CredentialsRequestFromDocument(doc Document) (CredentialsRequest, string, error) {
	if !IsCredentialsRequest(doc) {
		return CredentialsRequest{}, fmt.Sprintf("%s %s is not a CredentialsRequest", doc.APIVersion, doc.Kind), nil
	}
	if doc.Annotations[DeleteAnnotation] == "true" {
		return CredentialsRequest{}, "delete tombstone (" + DeleteAnnotation + `: "true")`, nil
	}
	var wire struct {
		Spec struct {
			SecretRef           *NamespacedName `json:"secretRef"`
			ServiceAccountNames []string        `json:"serviceAccountNames"`
			CloudTokenPath      string          `json:"cloudTokenPath"`
			ProviderSpec        *struct {
				Kind             string           `json:"kind"`
				StatementEntries []StatementEntry `json:"statementEntries"`
				STSIAMRoleARN    string           `json:"stsIAMRoleARN"`
			} `json:"providerSpec"`
		} `json:"spec"`
	}
	fail := func(field, format string, args ...any) (CredentialsRequest, string, error) {
		return CredentialsRequest{}, "", fmt.Errorf("%s (%s): %s: %s", doc.Source, doc.ID(), field, fmt.Sprintf(format, args...))
	}
	raw, err := json.Marshal(doc.Object)
	if err != nil {
		return fail("spec", "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&wire); err != nil {
		return fail("spec", "does not match the CredentialsRequest schema: %v", err)
	}
	spec := wire.Spec
	if spec.ProviderSpec == nil {
		return CredentialsRequest{}, "has no spec.providerSpec", nil
	}
	if spec.ProviderSpec.Kind != AWSProviderSpecKind {
		return CredentialsRequest{}, fmt.Sprintf("provider spec %q is not %s", spec.ProviderSpec.Kind, AWSProviderSpecKind), nil
	}
	if spec.SecretRef == nil || spec.SecretRef.Name == "" || spec.SecretRef.Namespace == "" {
		return fail("spec.secretRef", "namespace and name are required")
	}
	if len(spec.SecretRef.Namespace) > 63 || !dnsLabel().MatchString(spec.SecretRef.Namespace) {
		return fail("spec.secretRef.namespace", "%q is not a valid namespace name (lower-case DNS label, at most 63 characters)", spec.SecretRef.Namespace)
	}
	if len(spec.SecretRef.Name) > 253 || !dnsSubdomain().MatchString(spec.SecretRef.Name) {
		return fail("spec.secretRef.name", "%q is not a valid Secret name (lower-case DNS subdomain)", spec.SecretRef.Name)
	}
	if len(spec.ServiceAccountNames) == 0 {
		return fail("spec.serviceAccountNames", "is empty, and the role's trust policy admits only the service accounts listed. Operators that create their own request (OLM token auth) may leave it empty: list the service accounts the operator's pods run as (oc get pods -n %s -o jsonpath='{..serviceAccountName}')", spec.SecretRef.Namespace)
	}
	if p := spec.CloudTokenPath; p != "" && (len(p) > 4096 || !tokenPathPattern().MatchString(p)) {
		return fail("spec.cloudTokenPath", "%q is not an absolute file path of letters, digits, '.', '_', '-' and '/' (it is written into the credentials file)", p)
	}
	for i, sa := range spec.ServiceAccountNames {
		if len(sa) > 253 || !dnsSubdomain().MatchString(sa) {
			return fail(fmt.Sprintf("spec.serviceAccountNames[%d]", i), "%q is not a valid service account name", sa)
		}
	}
	for i, entry := range spec.ProviderSpec.StatementEntries {
		field := fmt.Sprintf("spec.providerSpec.statementEntries[%d]", i)
		if entry.Effect != "Allow" && entry.Effect != "Deny" {
			return fail(field+".effect", "must be Allow or Deny, found %q", entry.Effect)
		}
		if len(entry.Action) == 0 {
			return fail(field+".action", "must list at least one action")
		}
		if entry.Resource == "" {
			return fail(field+".resource", "must not be empty")
		}
	}
	return CredentialsRequest{
		Source:              doc.Source,
		Name:                doc.Name,
		Namespace:           doc.Namespace,
		Annotations:         doc.Annotations,
		SecretRef:           *spec.SecretRef,
		ServiceAccountNames: spec.ServiceAccountNames,
		StatementEntries:    spec.ProviderSpec.StatementEntries,
		CloudTokenPath:      spec.CloudTokenPath,
		STSIAMRoleARN:       spec.ProviderSpec.STSIAMRoleARN,
	}, "", nil
}
