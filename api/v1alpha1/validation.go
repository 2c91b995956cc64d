package v1alpha1

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stsrender/stsrender/release"
	"github.com/stsrender/stsrender/render"
)

// Default fills in optional fields.
func (c *STSCredentials) Default() {
	if c.Spec.Outputs.Manifests == nil {
		t := true
		c.Spec.Outputs.Manifests = &t
	}
	if c.Spec.Outputs.Authentication == nil {
		t := true
		c.Spec.Outputs.Authentication = &t
	}
	if c.Spec.Outputs.AWS == "" {
		c.Spec.Outputs.AWS = AWSOutputNone
	}
}

// Validate checks what can be checked without reading any file; the render
// checks the rest.
func (c *STSCredentials) Validate() error {
	var errs []error
	if c.APIVersion != APIVersion || c.Kind != Kind {
		errs = append(errs, fmt.Errorf("apiVersion/kind: expected %s %s, found %q %q", APIVersion, Kind, c.APIVersion, c.Kind))
	}
	s := c.Spec
	if s.ROSA != nil {
		errs = append(errs, s.validateROSA()...)
	}
	errs = append(errs, s.validateOperators()...)
	if m := s.Migration; m != nil {
		switch {
		case m.From != "Mint":
			errs = append(errs, fmt.Errorf("spec.migration.from: %q: stsrender migrates clusters from Mint mode (the supported STS enablement of OpenShift 4.20+)", m.From))
		case !render.IsDNSLabel(m.InfraID):
			errs = append(errs, fmt.Errorf("spec.migration.infraID: %q is not an infrastructure name (oc get infrastructure cluster -o jsonpath='{.status.infrastructureName}')", m.InfraID))
		case s.ROSA != nil:
			errs = append(errs, errors.New("spec.migration: not with spec.rosa: ROSA clusters are STS from the start"))
		case s.Release.UpgradeTo != "":
			errs = append(errs, errors.New("spec.migration: finish the migration before opening an upgrade window (spec.release.upgradeTo): both set CloudCredential/cluster"))
		}
	}
	if s.OIDC.PublicKey != "" && s.OIDC.PublicKeyFile != "" {
		errs = append(errs, errors.New("spec.oidc: set publicKeyFile or publicKey, not both"))
	}
	if s.OIDC.PublicKey == "" && s.OIDC.PublicKeyFile == "" && !s.ROSA.ManagedOIDC() {
		errs = append(errs, errors.New("spec.oidc.publicKeyFile: required (the PKIX PEM public half of the service-account signing key; see stsrender create-key-pair)"))
	}
	if s.Release.Image != "" && s.Release.ManifestsDir != "" {
		errs = append(errs, errors.New("spec.release: set image or manifestsDir, not both"))
	}
	if s.Release.UpgradeTo != "" && s.Release.Image == "" && s.Release.ManifestsDir == "" {
		errs = append(errs, errors.New("spec.release.upgradeTo: set spec.release.image (or manifestsDir) to the release the cluster runs now"))
	}
	if s.Outputs.Namespaces && s.Release.UpgradeTo == "" {
		errs = append(errs, errors.New("spec.outputs.namespaces: only meaningful with spec.release.upgradeTo (the namespaces a target release adds)"))
	}
	if s.Prune && !s.Apply {
		errs = append(errs, errors.New("spec.prune: only meaningful with spec.apply: true (stsrender apply --prune is the CLI's)"))
	}
	if s.Release.InstallConfig != "" && (s.Release.Capabilities != nil || s.Release.FeatureSet != "") {
		errs = append(errs, errors.New("spec.release: installConfig already sets capabilities and featureSet; remove the inline ones"))
	}
	if s.Release.Platform != "" {
		if _, err := v1.ParsePlatform(s.Release.Platform); err != nil || !strings.Contains(s.Release.Platform, "/") {
			errs = append(errs, fmt.Errorf("spec.release.platform: %q is not os/arch[/variant], like linux/arm64", s.Release.Platform))
		}
	}
	errs = append(errs, s.Outputs.validate()...)
	if s.Release.Capabilities != nil || s.Release.FeatureSet != "" {
		in := release.Inclusion{FeatureSet: s.Release.FeatureSet, Capabilities: s.Release.Capabilities.Release()}
		if err := in.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("spec.release.%w", err))
		}
	}
	return errors.Join(errs...)
}

// ManagedOIDC reports whether Red Hat serves the issuer documents (a nil
// spec is no ROSA cluster, so no).
func (r *ROSASpec) ManagedOIDC() bool {
	return r != nil && (r.OIDCConfig.Managed == nil || *r.OIDCConfig.Managed)
}

// validateROSA refuses what a ROSA HCP cluster has no use for, so that a
// config never silently ignores a field.
func (s Spec) validateROSA() []error {
	var errs []error
	unused := func(field string, set bool, why string) {
		if set {
			errs = append(errs, fmt.Errorf("%s: not used with spec.rosa (%s); remove it", field, why))
		}
	}
	const noRelease = "ROSA HCP operator roles come from stsrender's table, not from a release image"
	r := s.Release
	unused("spec.release", r.Image != "" || r.UpgradeTo != "" || r.ManifestsDir != "" || r.InstallConfig != "" || r.Capabilities != nil || r.FeatureSet != "", noRelease)
	const noManifests = "the hosted control plane consumes the roles itself: there are no Secrets and no Authentication"
	unused("spec.outputs.hive", s.Outputs.Hive != nil, noManifests)
	unused("spec.outputs.serviceAccounts", s.Outputs.ServiceAccounts != nil, noManifests)
	unused("spec.outputs.namespaces", s.Outputs.Namespaces, noManifests)
	o := s.ROSA.OIDCConfig
	if s.ROSA.ManagedOIDC() {
		switch {
		case o.ID == "" && o.IssuerURL == "":
			errs = append(errs, errors.New("spec.rosa.oidcConfig: set id (rosa list oidc-config shows it) or issuerURL; or managed: false for an unmanaged config served from this cluster's bucket"))
		case o.ID != "" && o.IssuerURL != "":
			errs = append(errs, errors.New("spec.rosa.oidcConfig: set id or issuerURL, not both"))
		case o.ID != "" && !render.ValidOIDCConfigID(o.ID):
			errs = append(errs, fmt.Errorf("spec.rosa.oidcConfig.id: %q is not an OIDC config ID (lower-case letters and digits, as rosa list oidc-config prints it)", o.ID))
		}
		const redHatServes = "Red Hat serves a managed OIDC config's documents and keys"
		unused("spec.oidc", s.OIDC.IssuerURL != "" || s.OIDC.PublicKeyFile != "" || s.OIDC.PublicKey != "" || len(s.OIDC.AdditionalPublicKeyFiles) > 0 || s.OIDC.PrivateBucket, redHatServes)
	} else if o.ID != "" || o.IssuerURL != "" {
		errs = append(errs, errors.New("spec.rosa.oidcConfig: id and issuerURL name a managed config; an unmanaged one (managed: false) takes its issuer from spec.oidc"))
	}
	return errs
}

func (o OutputsSpec) validate() []error {
	var errs []error
	oneOf := func(field, value string, allowed ...string) {
		if value != "" && !slices.Contains(allowed, value) {
			errs = append(errs, fmt.Errorf("%s: %q is not one of %s", field, value, strings.Join(allowed, ", ")))
		}
	}
	oneOf("spec.outputs.aws", o.AWS, AWSOutputNone, AWSOutputDocument, AWSOutputCrossplane, AWSOutputCrossplaneNamespaced, AWSOutputACK)
	needNamespace := o.AWS == AWSOutputCrossplaneNamespaced || o.AWS == AWSOutputACK || o.Hive != nil
	if needNamespace && o.Namespace == "" {
		errs = append(errs, errors.New("spec.outputs.namespace: required with outputs.aws: crossplane-namespaced or ack, and with outputs.hive (the namespace of the emitted objects)"))
	}
	if o.Crossplane != nil {
		if o.AWS != AWSOutputCrossplane && o.AWS != AWSOutputCrossplaneNamespaced {
			errs = append(errs, errors.New("spec.outputs.crossplane: set outputs.aws: crossplane or crossplane-namespaced"))
		}
		oneOf("spec.outputs.crossplane.deletionPolicy", o.Crossplane.DeletionPolicy, "Orphan", "Delete")
		for i, p := range o.Crossplane.ManagementPolicies {
			oneOf(fmt.Sprintf("spec.outputs.crossplane.managementPolicies[%d]", i), p, "Observe", "Create", "Update", "Delete", "LateInitialize", "*")
		}
	}
	if o.ACK != nil {
		if o.AWS != AWSOutputACK {
			errs = append(errs, errors.New("spec.outputs.ack: set outputs.aws: ack"))
		}
		oneOf("spec.outputs.ack.deletionPolicy", o.ACK.DeletionPolicy, "retain", "delete")
		oneOf("spec.outputs.ack.adoptionPolicy", o.ACK.AdoptionPolicy, "adopt-or-create", "adopt", "none")
	}
	if sa := o.ServiceAccounts; sa != nil && sa.TokenExpiration != 0 && sa.TokenExpiration < 600 {
		errs = append(errs, fmt.Errorf("spec.outputs.serviceAccounts.tokenExpiration: %d is under the pod identity webhook's minimum of 600 seconds", sa.TokenExpiration))
	}
	if o.Hive != nil && o.Hive.SecretName == "" {
		errs = append(errs, errors.New("spec.outputs.hive.secretName: required (the Secret the ClusterDeployment's spec.provisioning.manifestsSecretRef names)"))
	}
	return errs
}

// Release converts the capabilities for the release package's selection.
func (c *Capabilities) Release() *release.Capabilities {
	if c == nil {
		return nil
	}
	return &release.Capabilities{BaselineCapabilitySet: c.BaselineCapabilitySet, AdditionalEnabledCapabilities: c.AdditionalEnabledCapabilities}
}

// envName is a POSIX environment variable name, as spec.config.env takes.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// validateOperators checks spec.operators as far as it can without reading
// the request files: names, one entry per Subscription and per file, and
// the variables that receive ARNs.
func (s Spec) validateOperators() []error {
	var errs []error
	subscriptions := map[string]int{}
	files := map[string]string{}
	for i, op := range s.Operators {
		at := fmt.Sprintf("spec.operators[%d]", i)
		if !render.IsDNSLabel(op.Namespace) {
			errs = append(errs, fmt.Errorf("%s.namespace: %q is not a namespace name (the Subscription's namespace)", at, op.Namespace))
		}
		if !render.IsDNSSubdomain(op.Name) {
			errs = append(errs, fmt.Errorf("%s.name: %q is not a Subscription name", at, op.Name))
		}
		key := op.Namespace + "/" + op.Name
		if first, dup := subscriptions[key]; dup {
			errs = append(errs, fmt.Errorf("%s: Subscription %s is also claimed by spec.operators[%d]; list each operator once", at, key, first))
		}
		subscriptions[key] = i
		if len(op.CredentialsRequests)+len(op.OperandCredentialsRequests) == 0 {
			errs = append(errs, fmt.Errorf("%s: list the operator's credentialsRequests or operandCredentialsRequests", at))
		}
		envs := map[string]string{}
		for _, list := range []struct {
			field   string
			entries []OperatorRequest
		}{{"credentialsRequests", op.CredentialsRequests}, {"operandCredentialsRequests", op.OperandCredentialsRequests}} {
			for j, e := range list.entries {
				field := fmt.Sprintf("%s.%s[%d]", at, list.field, j)
				switch {
				case e.File == "":
					errs = append(errs, fmt.Errorf("%s.file: required (the file holding the operator's CredentialsRequest)", field))
					continue
				case files[e.File] != "":
					errs = append(errs, fmt.Errorf("%s: %s is also listed at %s; list each request once", field, e.File, files[e.File]))
				}
				files[e.File] = field
				if e.Env != "" {
					if !envName.MatchString(e.Env) {
						errs = append(errs, fmt.Errorf("%s.env: %q is not an environment variable name", field, e.Env))
					} else if first, dup := envs[e.Env]; dup {
						errs = append(errs, fmt.Errorf("%s.env: %s also receives the role of %s; one role per variable", field, e.Env, first))
					}
					envs[e.Env] = field
				}
				for k, sa := range e.ServiceAccounts {
					if !render.IsDNSSubdomain(sa) {
						errs = append(errs, fmt.Errorf("%s.serviceAccounts[%d]: %q is not a service account name", field, k, sa))
					}
				}
			}
		}
	}
	if len(s.Operators) > 0 && s.ROSA != nil {
		errs = append(errs, errors.New("spec.operators: not with spec.rosa: a ROSA HCP config renders the hosted control plane's operator roles only; render OperatorHub operators' roles with a config of their own"))
	}
	return errs
}
