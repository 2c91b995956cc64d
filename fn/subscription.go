package fn

import (
	"fmt"

	"github.com/stsrender/stsrender/render"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// wireSubscriptions sets each operator's role variables on its Subscription
// in the stream (spec.config.env: added, or replaced when present; every
// other entry kept) and returns warning results: for a Subscription the
// stream does not hold, and for one whose upgrades are not approved by
// hand, since a new operator version may need permissions its role does
// not have yet.
func wireSubscriptions(m *render.Model, items []*yaml.RNode) ([]*framework.Result, error) {
	var results []*framework.Result
	for _, op := range m.Operators {
		sub := findSubscription(items, op.Namespace, op.Name)
		ref := &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: render.SubscriptionAPIVersion, Kind: render.SubscriptionKind},
			NameMeta: yaml.NameMeta{Name: op.Name, Namespace: op.Namespace}}
		if sub == nil {
			if len(op.Env) > 0 {
				results = append(results, &framework.Result{Severity: framework.Warning, ResourceRef: ref,
					Message: fmt.Sprintf("Subscription %s/%s is not in the resource stream: set its spec.config.env yourself (%s), or list stsrender under transformers: after it", op.Namespace, op.Name, envText(op.Env))})
			}
			continue
		}
		for _, env := range op.Env {
			if err := setEnv(sub, env); err != nil {
				return nil, fmt.Errorf("Subscription %s/%s: spec.config.env: %w", op.Namespace, op.Name, err)
			}
		}
		approval, err := sub.Pipe(yaml.Lookup("spec", "installPlanApproval"))
		if err != nil {
			return nil, err
		}
		if value := yaml.GetValue(approval); value != "Manual" {
			if value == "" {
				value = "Automatic (the default)"
			}
			results = append(results, &framework.Result{Severity: framework.Warning, ResourceRef: ref,
				Message: fmt.Sprintf("Subscription %s/%s: installPlanApproval is %s: an operator upgrade may need permissions its role does not have yet; set installPlanApproval: Manual and approve upgrades after the role is updated", op.Namespace, op.Name, value)})
		}
	}
	return results, nil
}

func findSubscription(items []*yaml.RNode, namespace, name string) *yaml.RNode {
	for _, item := range items {
		if item.GetApiVersion() == render.SubscriptionAPIVersion && item.GetKind() == render.SubscriptionKind &&
			item.GetNamespace() == namespace && item.GetName() == name {
			return item
		}
	}
	return nil
}

// setEnv replaces the entry of env's name, or appends one.
func setEnv(sub *yaml.RNode, env render.EnvVar) error {
	list, err := sub.Pipe(yaml.LookupCreate(yaml.SequenceNode, "spec", "config", "env"))
	if err != nil {
		return err
	}
	entry, err := list.Pipe(yaml.MatchElement("name", env.Name))
	if err != nil {
		return err
	}
	if entry == nil {
		return list.PipeE(yaml.Append(yaml.NewMapRNode(&map[string]string{"name": env.Name, "value": env.Value}).YNode()))
	}
	return entry.PipeE(yaml.SetField("value", yaml.NewStringRNode(env.Value)))
}

func envText(envs []render.EnvVar) string {
	text := ""
	for i, e := range envs {
		if i > 0 {
			text += ", "
		}
		text += e.Name + "=" + e.Value
	}
	return text
}
