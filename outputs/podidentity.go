package outputs

import (
	"fmt"
	"strconv"

	"github.com/stsrender/stsrender/render"
)

// Annotations the pod identity webhook (pod-identity-webhook in
// openshift-cloud-credential-operator, on every self-managed AWS cluster)
// reads from a ServiceAccount. Pods of an annotated account get
// AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and a projected token with
// audience sts.amazonaws.com at
// /var/run/secrets/eks.amazonaws.com/serviceaccount/token.
const (
	RoleARNAnnotation          = "eks.amazonaws.com/role-arn"
	AudienceAnnotation         = "eks.amazonaws.com/audience"
	RegionalEndpointAnnotation = "eks.amazonaws.com/sts-regional-endpoints"
	TokenExpirationAnnotation  = "eks.amazonaws.com/token-expiration"
	// WebhookAudience is the audience the webhook's tokens carry; the OIDC
	// provider lists it beside "openshift".
	WebhookAudience = "sts.amazonaws.com"
	// MinTokenExpiration is the webhook's lower bound, in seconds.
	MinTokenExpiration = 600
)

// PodIdentityAnnotations are the annotations that bind a service account to
// its role through the webhook. tokenExpiration is in seconds; 0 leaves the
// webhook's default.
func PodIdentityAnnotations(role render.Role, tokenExpiration int) (map[string]string, error) {
	a := map[string]string{
		RoleARNAnnotation:          role.ARN,
		AudienceAnnotation:         WebhookAudience,
		RegionalEndpointAnnotation: "true",
	}
	if tokenExpiration != 0 {
		if tokenExpiration < MinTokenExpiration {
			return nil, fmt.Errorf("token expiration %d s is under the webhook's minimum of %d s", tokenExpiration, MinTokenExpiration)
		}
		a[TokenExpirationAnnotation] = strconv.Itoa(tokenExpiration)
	}
	return a, nil
}

// ServiceAccount is a ServiceAccount for a request's service account,
// annotated for the webhook.
func ServiceAccount(namespace, name string, annotations map[string]string) Object {
	return Object{APIVersion: "v1", Kind: "ServiceAccount", Metadata: Meta{Name: name, Namespace: namespace, Annotations: annotations}}
}
