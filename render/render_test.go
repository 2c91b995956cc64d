package render_test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

func TestParseCredentialsRequests(t *testing.T) {
	cases := map[string]struct {
		reason      string
		input       string
		wantNames   []string
		wantSkipped []string
		wantErr     string
	}{
		"multi-document": {
			reason:      "every AWS request of a multi-document stream is read; non-AWS ones are skipped with a reason",
			input:       crYAML("a", "AWSProviderSpec", "ns/a", "sa") + "---\n" + crYAML("b", "GCPProviderSpec", "ns/b", "sa"),
			wantNames:   []string{"a"},
			wantSkipped: []string{`provider spec "GCPProviderSpec" is not AWSProviderSpec`},
		},
		"list": {
			reason:    "a kind: List is expanded into its items",
			input:     "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSpace(crYAML("a", "AWSProviderSpec", "ns/a", "sa")), "\n", "\n  "),
			wantNames: []string{"a"},
		},
		"other kinds": {
			reason:      "documents of other kinds are skipped",
			input:       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
			wantSkipped: []string{"v1 ConfigMap is not a CredentialsRequest"},
		},
		"tombstone": {
			reason:      "delete tombstones are removals, never requests",
			input:       "apiVersion: cloudcredential.openshift.io/v1\nkind: CredentialsRequest\nmetadata:\n  name: gone\n  annotations: {release.openshift.io/delete: \"true\"}\n",
			wantSkipped: []string{"delete tombstone"},
		},
		"no provider spec": {
			reason:      "a request without providerSpec is skipped, not a crash (ccoctl panics)",
			input:       "apiVersion: cloudcredential.openshift.io/v1\nkind: CredentialsRequest\nmetadata: {name: x}\nspec: {}\n",
			wantSkipped: []string{"has no spec.providerSpec"},
		},
		"empty and comment-only documents": {
			reason: "empty documents between separators are ignored",
			input:  "---\n# only a comment\n---\n\n---\n",
		},
		"json": {
			reason:    "JSON is YAML",
			input:     `{"apiVersion":"cloudcredential.openshift.io/v1","kind":"CredentialsRequest","metadata":{"name":"j"},"spec":{"serviceAccountNames":["sa"],"secretRef":{"namespace":"n","name":"s"},"providerSpec":{"kind":"AWSProviderSpec","statementEntries":[{"effect":"Allow","action":["s3:GetObject"],"resource":"*"}]}}}`,
			wantNames: []string{"j"},
		},
		"no service accounts": {
			reason:  "a role bound to no service account is useless; ccoctl refuses it too",
			input:   crYAML("a", "AWSProviderSpec", "ns/a"),
			wantErr: "file.yaml: document 1 (CredentialsRequest openshift-cloud-credential-operator/a): spec.serviceAccountNames: is empty, and the role's trust policy admits only the service accounts listed",
		},
		"no secretRef": {
			reason:  "the Secret location is required",
			input:   strings.Replace(crYAML("a", "AWSProviderSpec", "ns/a", "sa"), "secretRef: {namespace: ns, name: a}", "secretRef: {name: a}", 1),
			wantErr: "spec.secretRef: namespace and name are required",
		},
		"secret name charset": {
			reason:  "role names are built from the secretRef, so its parts must be Kubernetes names (which IAM accepts)",
			input:   crYAML("a", "AWSProviderSpec", "ns/bad name", "sa"),
			wantErr: `spec.secretRef.name: "bad name" is not a valid Secret name`,
		},
		"namespace charset": {
			reason:  "namespaces are DNS labels",
			input:   crYAML("a", "AWSProviderSpec", "Team_A/s", "sa"),
			wantErr: `spec.secretRef.namespace: "Team_A" is not a valid namespace name`,
		},
		"namespace length": {
			reason:  "a DNS label has at most 63 characters",
			input:   crYAML("a", "AWSProviderSpec", strings.Repeat("n", 64)+"/s", "sa"),
			wantErr: `spec.secretRef.namespace: "` + strings.Repeat("n", 64) + `" is not a valid namespace name`,
		},
		"namespace of 63 characters": {
			reason:    "the longest namespace Kubernetes allows renders",
			input:     crYAML("a", "AWSProviderSpec", strings.Repeat("n", 63)+"/s", "sa"),
			wantNames: []string{"a"},
		},
		"service account charset": {
			reason:  "service account names are DNS subdomains",
			input:   crYAML("a", "AWSProviderSpec", "ns/s", "sa:x"),
			wantErr: `spec.serviceAccountNames[0]: "sa:x" is not a valid service account name`,
		},
		"bad effect": {
			reason:  "effects are Allow or Deny",
			input:   strings.Replace(crYAML("a", "AWSProviderSpec", "ns/a", "sa"), "effect: Allow", "effect: allow", 1),
			wantErr: `spec.providerSpec.statementEntries[0].effect: must be Allow or Deny, found "allow"`,
		},
		"no actions": {
			reason:  "a statement needs actions",
			input:   strings.Replace(crYAML("a", "AWSProviderSpec", "ns/a", "sa"), "action: [s3:GetObject]", "action: []", 1),
			wantErr: "spec.providerSpec.statementEntries[0].action: must list at least one action",
		},
		"annotation not a string": {
			reason:  "unquoted annotation values are a common mistake; name the annotation",
			input:   "apiVersion: cloudcredential.openshift.io/v1\nkind: CredentialsRequest\nmetadata:\n  name: x\n  annotations: {release.openshift.io/delete: true}\n",
			wantErr: "metadata.annotations[release.openshift.io/delete]: expected a string",
		},
		"invalid yaml": {
			reason:  "syntax errors name the document",
			input:   crYAML("a", "AWSProviderSpec", "ns/a", "sa") + "---\nkind: [\n",
			wantErr: "file.yaml: document 2: invalid YAML",
		},
		"missing kind": {
			reason:  "a document must say what it is",
			input:   "metadata: {name: x}\n",
			wantErr: "file.yaml: document 1: kind: missing",
		},
		"scalar document": {
			reason:  "a document must be an object",
			input:   "just a string\n",
			wantErr: "expected a YAML mapping",
		},
		"secret name with an empty label": {
			reason:  "a..b is not a DNS subdomain: every dot-separated label must be non-empty",
			input:   crYAML("a", "AWSProviderSpec", "ns/a..b", "sa"),
			wantErr: `spec.secretRef.name: "a..b" is not a valid Secret name`,
		},
		"duplicate key": {
			reason:  "a key written twice is an error, as kustomize makes it, never last-one-wins",
			input:   strings.Replace(crYAML("a", "AWSProviderSpec", "ns/a", "sa"), "spec:\n", "spec:\n  serviceAccountNames: [other]\n", 1),
			wantErr: `line 8: spec.serviceAccountNames: key "serviceAccountNames" is written twice in the same mapping`,
		},
		"name is a mapping": {
			reason:  "a type error names the field and the type, never the value (it may come from someone else's file)",
			input:   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {password: hunter2}\n",
			wantErr: "metadata.name: expected a string, found a mapping",
		},
		"alias bomb": {
			reason:  "aliases that expand exponentially stop at a bound",
			input:   aliasBomb(),
			wantErr: "expands to more than 1000000 values",
		},
		"merge key": {
			reason:  "merge keys are refused with a clear message rather than half supported",
			input:   "apiVersion: v1\nkind: ConfigMap\nbase: &b {x: 1}\nmetadata:\n  <<: *b\n  name: x\n",
			wantErr: "YAML merge keys (<<) are not supported",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := render.ParseCredentialsRequests("file.yaml", []byte(tc.input))
			if tc.wantErr != "" {
				require.Error(t, err, tc.reason)
				assert.Contains(t, err.Error(), tc.wantErr, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			var names, skipped []string
			for _, r := range res.Requests {
				names = append(names, r.Name)
			}
			for _, s := range res.Skipped {
				skipped = append(skipped, s.Reason)
			}
			assert.Equal(t, tc.wantNames, names, tc.reason)
			require.Len(t, skipped, len(tc.wantSkipped), tc.reason)
			for i := range skipped {
				assert.Contains(t, skipped[i], tc.wantSkipped[i], tc.reason)
			}
		})
	}
}

// TestPolicyConditionTypes checks that condition values keep their YAML
// types: IAM reads "true" and true differently.
func TestPolicyConditionTypes(t *testing.T) {
	input := crYAML("a", "AWSProviderSpec", "ns/a", "sa") + `      policyCondition:
        Bool: {kms:GrantIsForAWSResource: true}
        NumericLessThan: {aws:MultiFactorAuthAge: 3600}
        StringLike: {aws:userid: ["AIDA*", "AROA*"]}
        StringEquals: {aws:PrincipalTag/team: "true"}
`
	res, err := render.ParseCredentialsRequests("f.yaml", []byte(input))
	require.NoError(t, err)
	model, err := render.Render(defaultParams(t), res.Requests)
	require.NoError(t, err)
	doc, err := model.Roles[0].InlinePolicy.MarshalCompact()
	require.NoError(t, err)
	assert.Equal(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":true},"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"StringEquals":{"aws:PrincipalTag/team":"true"},"StringLike":{"aws:userid":["AIDA*","AROA*"]}}}]}`, string(doc))
}

// TestPolicyConditionLiterals checks that condition values are kept as
// written: IAM compares them as text, and a float conversion would change
// the policy silently.
func TestPolicyConditionLiterals(t *testing.T) {
	input := crYAML("a", "AWSProviderSpec", "ns/a", "sa") + `      policyCondition:
        NumericEquals: {big: 18446744073709551617, huge: 123456789012345678901234567890, exp: 1.5e+29, small: 7}
        DateGreaterThan: {aws:CurrentTime: 2020-01-01T00:00:00Z}
`
	res, err := render.ParseCredentialsRequests("f.yaml", []byte(input))
	require.NoError(t, err)
	model, err := render.Render(defaultParams(t), res.Requests)
	require.NoError(t, err)
	doc, err := model.Roles[0].InlinePolicy.MarshalCompact()
	require.NoError(t, err)
	assert.Contains(t, string(doc), `"NumericEquals":{"big":18446744073709551617,"exp":1.5e+29,"huge":123456789012345678901234567890,"small":7}`)
	assert.Contains(t, string(doc), `"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}`)

	_, err = render.ParseCredentialsRequests("f.yaml", []byte(crYAML("a", "AWSProviderSpec", "ns/a", "sa")+"      policyCondition:\n        NumericEquals: {x: .nan}\n"))
	assert.ErrorContains(t, err, "spec.providerSpec.statementEntries[0].policyCondition.NumericEquals.x: .nan cannot be represented in JSON")
}

func TestManifestFileNameTooLong(t *testing.T) {
	name := strings.Repeat("a", 240)
	res, err := render.ParseCredentialsRequests("f.yaml", []byte(crYAML("a", "AWSProviderSpec", "ns/"+name, "sa")))
	require.NoError(t, err, "a 240-character Secret name is valid in Kubernetes")
	p := defaultParams(t)
	p.RoleNaming = render.RoleNamingHashed
	model, err := render.Render(p, res.Requests)
	require.NoError(t, err)
	_, err = model.Files()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CredentialsRequest with secretRef ns/"+name+": spec.secretRef.name is too long for a file name")
	assert.Contains(t, err.Error(), "is 260 bytes, over the 255")
}

func aliasBomb() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	return b.String()
}

func TestRenderValidation(t *testing.T) {
	longNS := "openshift-cloud-network-config-controller"
	cases := map[string]struct {
		reason   string
		params   func(*render.Params)
		requests []string
		wantErr  string
	}{
		"account id": {
			reason:  "ARNs need the 12-digit account",
			params:  func(p *render.Params) { p.AccountID = "12345" },
			wantErr: `spec.aws.accountID: "12345" is not a 12-digit AWS account ID`,
		},
		"region": {
			reason:  "the region decides partition and DNS suffix",
			params:  func(p *render.Params) { p.Region = "US East" },
			wantErr: `spec.aws.region: "US East" is not an AWS region name`,
		},
		"tag claiming another cluster": {
			reason: "another cluster's delete and --prune would take resources tagged as its own",
			params: func(p *render.Params) {
				p.Tags = map[string]string{"openshift.io/cloud-credential-operator/other": "owned"}
			},
			wantErr: `spec.aws.tags: "openshift.io/cloud-credential-operator/other" is an ownership tag`,
		},
		"tag colliding with the ownership tag": {
			reason:  "the ownership tag is stsrender's; a user value was dropped silently before",
			params:  func(p *render.Params) { p.Tags = map[string]string{render.OwnershipTagKey(p.Name): "shared"} },
			wantErr: `is an ownership tag (stsrender sets`,
		},
		"tag colliding with Name": {
			reason:  "Name is the cluster name, as ccoctl sets it",
			params:  func(p *render.Params) { p.Tags = map[string]string{"name": "x"} },
			wantErr: `spec.aws.tags: "name" is set by stsrender to the cluster name`,
		},
		"tag in stsrender's records": {
			reason: "stsrender.dev/attached-policies records what apply attached",
			params: func(p *render.Params) {
				p.Tags = map[string]string{render.AttachedPoliciesTag: "arn:aws:iam::aws:policy/AdministratorAccess"}
			},
			wantErr: `is under stsrender.dev/, where stsrender keeps its own records`,
		},
		"issuer scheme": {
			reason:  "IAM trusts only https issuers",
			params:  func(p *render.Params) { p.IssuerURL = "http://oidc.example.com" },
			wantErr: "spec.oidc.issuerURL: \"http://oidc.example.com\" must start with https://",
		},
		"issuer trailing slash": {
			reason:  "iss must match byte for byte",
			params:  func(p *render.Params) { p.IssuerURL = "https://oidc.example.com/" },
			wantErr: "must not end with a slash",
		},
		"issuer query": {
			reason:  "no query or fragment",
			params:  func(p *render.Params) { p.IssuerURL = "https://oidc.example.com/x?a=b" },
			wantErr: "must not have a query or fragment",
		},
		"issuer fragment": {
			reason:  "no query or fragment",
			params:  func(p *render.Params) { p.IssuerURL = "https://oidc.example.com/x#frag" },
			wantErr: "must not have a query or fragment",
		},
		"private bucket without issuer": {
			reason:  "the CloudFront domain cannot be guessed offline",
			params:  func(p *render.Params) { p.PrivateBucket = true },
			wantErr: "spec.oidc.issuerURL: required with privateBucket: true",
		},
		"bucket name": {
			reason:  "S3 naming rules apply to <name>-oidc",
			params:  func(p *render.Params) { p.Name = "Prod_East" },
			wantErr: `spec.name: bucket name "Prod_East-oidc" may only hold lower-case letters`,
		},
		"bucket name with dots": {
			reason:  "dots break TLS on the issuer host",
			params:  func(p *render.Params) { p.Name = "prod.east" },
			wantErr: "must not contain dots",
		},
		"bucket name too long": {
			reason:  "S3 allows 63 characters",
			params:  func(p *render.Params) { p.Name = strings.Repeat("a", 60) },
			wantErr: "must be 3 to 63 characters long",
		},
		"duplicate secretRef": {
			reason:   "two requests cannot share one Secret",
			requests: []string{crYAML("a", "AWSProviderSpec", "ns/s", "sa"), crYAML("b", "AWSProviderSpec", "ns/s", "sa")},
			wantErr:  "spec.secretRef: ns/s is also requested by req-0.yaml: document 1",
		},
		"truncation collision": {
			reason: "ccoctl silently shares a role when 64-character cuts collide",
			requests: []string{
				crYAML("a", "AWSProviderSpec", longNS+"/cloud-credentials-one", "sa"),
				crYAML("b", "AWSProviderSpec", longNS+"/cloud-credentials-two", "sa"),
			},
			wantErr: `role name "prod-east-openshift-cloud-network-config-controller-cloud-creden" collides with the one of req-0.yaml: document 1`,
		},
		"trust policy too large": {
			reason:   "an account's trust policy quota goes up to 4096 characters",
			requests: []string{crYAML("a", "AWSProviderSpec", "ns/a", manyNames(100)...)},
			wantErr:  "IAM allows at most 4096",
		},
		"inline policy too large": {
			reason:   "inline policies are limited to 10240 characters",
			requests: []string{crWithActions("a", 500)},
			wantErr:  "inline permission policy is 1",
		},
		"too many tags": {
			reason: "AWS allows 50 tags per resource",
			params: func(p *render.Params) {
				p.Tags = map[string]string{}
				for i := 0; i < 49; i++ {
					p.Tags[fmt.Sprintf("k%d", i)] = "v"
				}
			},
			wantErr: "spec.aws.tags: 51 tags; AWS allows at most 50",
		},
		"tag key too long": {
			reason:  "tag keys are at most 128 characters",
			params:  func(p *render.Params) { p.Tags = map[string]string{strings.Repeat("k", 129): "v"} },
			wantErr: "is longer than 128 characters",
		},
		"tag value too long": {
			reason:  "tag values are at most 256 characters",
			params:  func(p *render.Params) { p.Tags = map[string]string{"k": strings.Repeat("v", 257)} },
			wantErr: `value of tag "k" is longer than 256 characters`,
		},
		"role path": {
			reason:  "IAM paths start and end with a slash",
			params:  func(p *render.Params) { p.RolePath = "openshift" },
			wantErr: `spec.aws.rolePath: "openshift" is not an IAM path`,
		},
		"boundary": {
			reason:  "a permissions boundary is a managed policy ARN",
			params:  func(p *render.Params) { p.PermissionsBoundaryARN = "boundary" },
			wantErr: "spec.aws.permissionsBoundaryARN",
		},
		"no public key": {
			reason:  "keys.json needs a key",
			params:  func(p *render.Params) { p.PublicKeys = nil },
			wantErr: "a public key is required",
		},
		"private key given": {
			reason: "the private key must never be published",
			params: func(p *render.Params) {
				p.PublicKeys = []render.PublicKey{{Source: "primary.key", PEM: readKey(t, "primary.key")}}
			},
			wantErr: `primary.key: PEM block 1 ("RSA PRIVATE KEY"): this is a private key: only its public half is published`,
		},
		"non-RSA key": {
			reason: "service-account tokens are RS256",
			params: func(p *render.Params) {
				p.PublicKeys = []render.PublicKey{{Source: "ec.pub", PEM: readKey(t, "ec.pub")}}
			},
			wantErr: "ec.pub: PEM block 1 (\"PUBLIC KEY\"): an ECDSA key: AWS STS verifies RS256 signatures only",
		},
		"duplicate key": {
			reason: "publishing a key twice is a configuration mistake",
			params: func(p *render.Params) {
				p.PublicKeys = append(p.PublicKeys, render.PublicKey{Source: "copy.pub", PEM: readKey(t, "primary.pub")})
			},
			wantErr: "copy.pub: the same public key is already published from primary.pub",
		},
		"role naming": {
			reason:  "only the two documented namings exist",
			params:  func(p *render.Params) { p.RoleNaming = "short" },
			wantErr: `spec.aws.roleNaming: "short" is not one of`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := defaultParams(t)
			if tc.params != nil {
				tc.params(&p)
			}
			var requests []render.CredentialsRequest
			for i, r := range tc.requests {
				res, err := render.ParseCredentialsRequests(fmt.Sprintf("req-%d.yaml", i), []byte(r))
				require.NoError(t, err)
				requests = append(requests, res.Requests...)
			}
			model, err := render.Render(p, requests)
			require.Error(t, err, tc.reason)
			assert.Nil(t, model)
			assert.Contains(t, err.Error(), tc.wantErr, tc.reason)
		})
	}
}

func TestRoleName(t *testing.T) {
	long := render.NamespacedName{Namespace: "openshift-cloud-network-config-controller", Name: "cloud-credentials"}
	cases := map[string]struct {
		reason string
		naming render.RoleNaming
		ref    render.NamespacedName
		want   string
	}{
		"short":        {"names within 64 characters are kept whole", render.RoleNamingTruncate, render.NamespacedName{Namespace: "ns", Name: "s"}, "c-ns-s"},
		"truncate":     {"ccoctl keeps the first 64 bytes", render.RoleNamingTruncate, long, "c-openshift-cloud-network-config-controller-cloud-credentials"[:61]},
		"hashed short": {"hashing only applies when needed", render.RoleNamingHashed, render.NamespacedName{Namespace: "ns", Name: "s"}, "c-ns-s"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, render.RoleName("c", tc.ref, tc.naming), tc.reason)
		})
	}
	truncated := render.RoleName("prod-east", long, render.RoleNamingTruncate)
	assert.Equal(t, "prod-east-openshift-cloud-network-config-controller-cloud-creden", truncated)
	hashed := render.RoleName("prod-east", long, render.RoleNamingHashed)
	assert.Len(t, hashed, 64)
	assert.Equal(t, truncated[:55]+"-", hashed[:56], "55 characters of the full name, a dash, 8 hex characters")
	other := render.RoleName("prod-east", render.NamespacedName{Namespace: long.Namespace, Name: "cloud-credentials-2"}, render.RoleNamingHashed)
	assert.NotEqual(t, hashed, other, "hashed names stay unique where truncation collides")
}

func TestPartitionForRegion(t *testing.T) {
	cases := map[string]struct {
		partition, suffix string
	}{
		"us-east-1":      {"aws", "amazonaws.com"},
		"ap-southeast-2": {"aws", "amazonaws.com"},
		"us-gov-west-1":  {"aws-us-gov", "amazonaws.com"},
		"cn-northwest-1": {"aws-cn", "amazonaws.com.cn"},
		"eusc-de-east-1": {"aws-eusc", "amazonaws.eu"},
	}
	for region, want := range cases {
		p, err := render.PartitionForRegion(region)
		require.NoError(t, err)
		assert.Equal(t, want.partition, p.ID, region)
		assert.Equal(t, want.suffix, p.DNSSuffix, region)
	}
	for _, bad := range []string{"", "Us-East-1", "useast1", "us-east"} {
		_, err := render.PartitionForRegion(bad)
		assert.Error(t, err, bad)
	}
}

// TestDeterministic shuffles the requests and re-creates maps: the files
// must be byte-identical.
func TestDeterministic(t *testing.T) {
	requests := loadRequests(t, "testdata/requests")
	p := loadParams(t, "testdata/golden/boundary-path-tags/params.yaml")
	first, err := render.Render(p, requests)
	require.NoError(t, err)
	want, err := first.Files()
	require.NoError(t, err)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		shuffled := append([]render.CredentialsRequest(nil), requests...)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		tags := map[string]string{}
		for k, v := range p.Tags {
			tags[k] = v
		}
		p.Tags = tags
		m, err := render.Render(p, shuffled)
		require.NoError(t, err)
		got, err := m.Files()
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

func crYAML(name, providerKind, secretRef string, serviceAccounts ...string) string {
	ns, secret, _ := strings.Cut(secretRef, "/")
	sas := "[]"
	if len(serviceAccounts) > 0 {
		sas = "[" + strings.Join(serviceAccounts, ", ") + "]"
	}
	return fmt.Sprintf(`apiVersion: cloudcredential.openshift.io/v1
kind: CredentialsRequest
metadata:
  name: %s
  namespace: openshift-cloud-credential-operator
spec:
  serviceAccountNames: %s
  secretRef: {namespace: %s, name: %s}
  providerSpec:
    apiVersion: cloudcredential.openshift.io/v1
    kind: %s
    statementEntries:
    - effect: Allow
      action: [s3:GetObject]
      resource: "*"
`, name, sas, ns, secret, providerKind)
}

func crWithActions(name string, n int) string {
	actions := make([]string, n)
	for i := range actions {
		actions[i] = fmt.Sprintf("ec2:DescribeSomething%04d", i)
	}
	return strings.Replace(crYAML(name, "AWSProviderSpec", "ns/"+name, "sa"), "[s3:GetObject]", "["+strings.Join(actions, ", ")+"]", 1)
}

func manyNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("service-account-number-%02d", i)
	}
	return out
}

func TestTrustPolicyOverTheDefaultQuotaIsAWarning(t *testing.T) {
	parsed, err := render.ParseCredentialsRequests("a.yaml", []byte(crYAML("a", "AWSProviderSpec", "ns/a", manyNames(40)...)))
	require.NoError(t, err)
	m, err := render.Render(render.Params{Name: "prod-east", AccountID: "123456789012", Region: "us-east-1", PublicKeys: []render.PublicKey{{Source: "primary.pub", PEM: readKey(t, "primary.pub")}}}, parsed.Requests)
	require.NoError(t, err, "accounts may raise the quota to 4096")
	require.Len(t, m.Warnings, 1)
	assert.Contains(t, m.Warnings[0], "over IAM's default quota of 2048 (AssumeRolePolicySizeQuota)")
}
