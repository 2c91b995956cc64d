// Command trivialfn is the floor for an exec KRM generator in the
// benchmarks: a kyaml framework function that replaces its items with six
// small Secrets and does nothing else, so kustomize's process round trip and
// kyaml's own decoding and encoding are all it costs.
//
// It replaces the items rather than appending to them because kustomize
// hands a generator its own config as an item: returned, that item makes
// kustomize copy its comments, which loads kustomize's built-in OpenAPI
// schema (about 40 ms), a cost no generator needs to pay.
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/fn/framework/command"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func main() {
	emitSecrets := framework.ResourceListProcessorFunc(func(rl *framework.ResourceList) error {
		rl.Items = nil
		for i := range 6 {
			secret, err := yaml.Parse(fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: secret-%d
  namespace: demo
stringData:
  credentials: "[default]"
`, i))
			if err != nil {
				return err
			}
			rl.Items = append(rl.Items, secret)
		}
		return nil
	})
	if err := command.Build(emitSecrets, command.StandaloneDisabled, false).Execute(); err != nil {
		os.Exit(1)
	}
}
