package fn

import (
	"fmt"
	"strings"

	"github.com/stsrender/stsrender/fsguard"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// CheckFunctionAnnotation refuses the parts of the config's own function
// annotation that would let Git decide what only the operator may decide.
//
// kustomize runs the function that annotation names, with the annotation's
// exec args, and with its envs added after the operator's environment (so
// they win). Container mode adds envs and bind mounts the same way. The
// annotation is written by whoever writes the config, and it reaches the
// function unchanged in the functionConfig, so the function can see what
// was asked for and refuse it before it reads any setting:
//   - exec args would run a command (apply, render -o) instead of the
//     function;
//   - an envs entry with a value would set the consent to apply, the file
//     root, the limits, the registry credentials, the AWS profile or
//     endpoint, the CA bundle or the proxy: every setting stsrender, the
//     AWS SDK, the registry client and Go's runtime read comes from the
//     environment. A bare name (container mode: pass the operator's own
//     value through) is harmless and allowed;
//   - a mount would put any host path (the operator's ~/.aws, another
//     tenant's directory) inside the container, where the function cannot
//     tell it from the kustomization.
//
// The kyaml parser kustomize itself uses reads the annotation, so both see
// the same fields (including the legacy annotation and metadata.configFn).
func CheckFunctionAnnotation(config *yaml.RNode) error {
	spec, err := runtimeutil.GetFunctionSpec(config)
	if err != nil {
		return fmt.Errorf("the function annotation: %w", err)
	}
	if spec == nil {
		return nil
	}
	var problems []string
	if len(spec.Exec.Args) > 0 {
		problems = append(problems, fmt.Sprintf("exec.args %q: the function takes no arguments, and with arguments stsrender would run a command instead (apply, render -o); commands run only when a person or a CI job types them. Remove args", spec.Exec.Args))
	}
	for _, field := range []struct {
		name string
		envs []string
	}{{"exec.envs", spec.Exec.Env}, {"container.envs", spec.Container.Env}} {
		var named []string
		for _, entry := range field.envs {
			if name, _, hasValue := strings.Cut(entry, "="); hasValue {
				named = append(named, name)
			}
		}
		if len(named) > 0 {
			problems = append(problems, fmt.Sprintf("%s sets %s: the annotation is Git content, and stsrender reads operator settings (%s, %s, the limits, registry credentials, AWS settings, CA bundle, proxies) from the environment only. Remove the entries; the operator sets them in the environment of kustomize or the Argo CD repo-server, or with kustomize build -e NAME=value", field.name, strings.Join(named, ", "), AllowApplyEnv, fsguard.DefaultRootEnv))
		}
	}
	for _, m := range spec.Container.StorageMounts {
		problems = append(problems, fmt.Sprintf("container.mounts %s: a mount in the annotation can put any host path into the container; mount files with kustomize build --mount type=bind,src=…,dst=… (the operator's flag) or inline them in the config", m.DstPath))
	}
	if len(problems) > 0 {
		return fmt.Errorf("the function annotation of this config asks for what only the operator may decide:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return nil
}
