package fn

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/stsrender/stsrender/api/v1alpha1"
	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/pipeline"
	"github.com/stsrender/stsrender/release"
	"github.com/stsrender/stsrender/render"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Annotations stsrender reads or writes on resources.
const (
	// PathAnnotation names the file ccoctl would write an object to.
	PathAnnotation = "config.kubernetes.io/path"
	streamSource   = "resource stream"
)

// Processor is the KRM function. In generator mode (kustomize generators:)
// it receives only its config and emits the rendered objects; in transformer
// mode it also renders the AWS CredentialsRequests already in the stream and
// passes every item through untouched.
type Processor struct {
	// Context bounds image pulls; nil means context.Background().
	Context context.Context
	// Fetch pulls release images; nil refuses spec.release.image.
	Fetch pipeline.FetchFunc
	// Apply creates or repairs the AWS side of a model (spec.apply: true),
	// deleting orphans when prune (spec.prune) is set; nil refuses
	// spec.apply.
	Apply func(ctx context.Context, m *render.Model, prune bool) error
	// WorkDir resolves relative file names; empty means the working
	// directory, which kustomize sets to the kustomization's directory.
	WorkDir string
	// Root confines every file the config names; empty means WorkDir. The
	// operator of the rendering environment may widen it (STSRENDER_ROOT),
	// for example to the repository checkout. A config cannot.
	Root string
	// AllowApply lists the AWS account IDs that spec.apply may write to.
	// The operator sets it (STSRENDER_ALLOW_APPLY); empty refuses
	// spec.apply, so that a config in Git cannot by itself turn a render
	// into AWS writes with the renderer's credentials.
	AllowApply []string
	// Log receives warnings and, with Explain, why each request was kept or
	// dropped. Quiet by default: Argo CD shows a plugin's whole stderr.
	Log     io.Writer
	Explain bool
	// StreamLimits bound the resource stream; the operator's
	// (STSRENDER_MAX_STREAM_REQUESTS), zero fields take the defaults.
	StreamLimits StreamLimits
}

var _ framework.ResourceListProcessor = (*Processor)(nil)

// Process implements framework.ResourceListProcessor. A failure is returned
// as an error (so the process exits non-zero: kustomize never shows results)
// and is also recorded as an error result for kpt.
func (p *Processor) Process(rl *framework.ResourceList) error {
	if err := p.process(rl); err != nil {
		result := &framework.Result{Message: err.Error(), Severity: framework.Error}
		if rl.FunctionConfig != nil {
			id := yaml.ResourceIdentifier{}
			id.APIVersion = rl.FunctionConfig.GetApiVersion()
			id.Kind = rl.FunctionConfig.GetKind()
			id.Name = rl.FunctionConfig.GetName()
			result.ResourceRef = &id
		}
		rl.Results = append(rl.Results, result)
		return err
	}
	return nil
}

func (p *Processor) process(rl *framework.ResourceList) error {
	if rl.FunctionConfig == nil || rl.FunctionConfig.IsNilOrEmpty() {
		return fmt.Errorf("no functionConfig: declare an %s %s object with the config.kubernetes.io/function annotation", v1alpha1.APIVersion, v1alpha1.Kind)
	}
	if err := CheckFunctionAnnotation(rl.FunctionConfig); err != nil {
		return err
	}
	cfgYAML, err := rl.FunctionConfig.String()
	if err != nil {
		return err
	}
	dir := p.WorkDir
	if dir == "" {
		if dir, err = os.Getwd(); err != nil {
			return err
		}
	}
	cfg, err := pipeline.ParseConfig("functionConfig "+rl.FunctionConfig.GetName(), []byte(cfgYAML), dir)
	if err != nil {
		return err
	}
	root := p.Root
	if root == "" {
		root = dir
	}
	if err := cfg.Confine(root); err != nil {
		return err
	}
	if cfg.Spec.Apply {
		if p.Apply == nil {
			return fmt.Errorf("spec.apply: this processor cannot reach AWS; run stsrender apply -f instead")
		}
		if !slices.Contains(p.AllowApply, cfg.Spec.AWS.AccountID) {
			return fmt.Errorf("spec.apply: writing to AWS account %q during a render is not enabled here. A config in Git cannot enable it by itself: the operator of the rendering environment allows it by setting %s=%s (a comma-separated list of account IDs) in the environment of kustomize or the Argo CD repo-server. Otherwise remove spec.apply and run stsrender apply -f", cfg.Spec.AWS.AccountID, AllowApplyEnv, cfg.Spec.AWS.AccountID)
		}
	}
	passThrough, stream, err := splitItems(rl.Items, cfg, p.StreamLimits.orDefaults())
	if err != nil {
		return err
	}
	ctx := p.Context
	if ctx == nil {
		ctx = context.Background()
	}
	result, err := pipeline.Build(ctx, cfg, pipeline.Options{Stream: stream, Fetch: p.Fetch})
	if err != nil {
		return err
	}
	if cfg.Spec.Apply {
		if err := p.Apply(ctx, result.Model, cfg.Spec.Prune); err != nil {
			return fmt.Errorf("spec.apply: %w", err)
		}
	}
	generated, err := Objects(result.Model, cfg.Spec.Outputs)
	if err != nil {
		return err
	}
	if sa := cfg.Spec.Outputs.ServiceAccounts; sa != nil && sa.Annotate {
		if generated, err = bindServiceAccounts(result.Model, sa, stream, passThrough, generated); err != nil {
			return err
		}
	}
	if p.Log != nil && p.Explain {
		for _, d := range result.Selection.Decisions {
			fmt.Fprintf(p.Log, "stsrender: %s\n", d)
		}
	}
	rl.Results = append(rl.Results, summaryResults(result)...)
	for _, w := range result.Warnings {
		rl.Results = append(rl.Results, &framework.Result{Severity: framework.Warning, Message: w})
	}
	warnings, err := wireSubscriptions(result.Model, passThrough)
	if err != nil {
		return err
	}
	rl.Results = append(rl.Results, warnings...)
	if p.Log != nil {
		for _, w := range warnings {
			fmt.Fprintf(p.Log, "stsrender: warning: %s\n", w.Message)
		}
	}
	if p.Log != nil && len(result.Selection.UnevaluatedGates) > 0 {
		fmt.Fprintf(p.Log, "stsrender: %s\n", result.Selection.Summary())
	}
	rl.Items = append(passThrough, generated...)
	return nil
}

// summaryResults are the info results saying what the render selected and
// dropped, for the release and an upgrade target (kpt shows them;
// kustomize does not, so a gate left unevaluated is also said on stderr).
func summaryResults(result *pipeline.Result) []*framework.Result {
	var out []*framework.Result
	for _, sel := range []struct {
		label     string
		selection *release.Selection
	}{{"release", result.Selection}, {"upgrade target", result.Target}} {
		if sel.selection == nil || len(sel.selection.Decisions) == 0 && len(sel.selection.Requests) == 0 {
			continue
		}
		out = append(out, &framework.Result{Message: sel.label + ": " + sel.selection.Summary(), Severity: framework.Info})
	}
	return out
}

// splitItems drops the function's own config (kustomize hands it to a
// generator as its only item) and collects the CredentialsRequests of the
// stream.
func splitItems(items []*yaml.RNode, cfg *pipeline.Config, limits StreamLimits) (passThrough []*yaml.RNode, stream []render.Document, err error) {
	requests := 0
	for i, item := range items {
		if item.GetApiVersion() == v1alpha1.APIVersion && item.GetKind() == v1alpha1.Kind {
			continue
		}
		passThrough = append(passThrough, item)
		if item.GetKind() != render.CredentialsRequestKind {
			continue
		}
		label := streamSource
		if path := item.GetAnnotations()[kioPathAnnotation]; path != "" {
			label = path
		}
		if size := encodedSizeAtLeast(item.YNode()); size > fsguard.MaxManifestFileBytes {
			return nil, nil, fmt.Errorf("%s: item %d (CredentialsRequest %s) is larger than %d MiB; real CredentialsRequests are a few KiB", label, i+1, item.GetName(), fsguard.MaxManifestFileBytes>>20)
		}
		if requests++; requests > limits.StreamRequests {
			return nil, nil, fmt.Errorf("the resource stream holds more than %d CredentialsRequests; the operator raises the limit with %s", limits.StreamRequests, EnvMaxStreamRequests)
		}
		// The item is read as parsed: encoding it to parse it again cost
		// about 60 KB and 0.1 ms per request.
		docs, err := render.ParseDocumentNode(label, i, item.YNode())
		if err != nil {
			return nil, nil, err
		}
		stream = append(stream, docs...)
	}
	return passThrough, stream, nil
}

const kioPathAnnotation = string(kioutil.PathAnnotation)

// encodedSizeAtLeast is a lower bound of a node's YAML size: the bytes of
// its scalars and keys. It bounds an item without encoding it.
func encodedSizeAtLeast(n *yaml.Node) int {
	size := len(n.Value)
	for _, c := range n.Content {
		size += encodedSizeAtLeast(c)
	}
	return size
}

// AllowApplyEnv is the environment variable by which the operator of a
// rendering environment allows spec.apply for some AWS accounts.
const AllowApplyEnv = "STSRENDER_ALLOW_APPLY"

// AllowedAccounts parses the value of STSRENDER_ALLOW_APPLY.
func AllowedAccounts(value string) []string {
	var out []string
	for _, a := range strings.Split(value, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}
