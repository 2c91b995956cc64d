package v1alpha1_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/api/v1alpha1"
)

const rosaHeader = `apiVersion: stsrender.dev/v1alpha1
kind: STSCredentials
spec:
  name: hcp
  aws: {accountID: "123456789012", region: us-east-1}
`

func TestROSAValidation(t *testing.T) {
	cases := []struct {
		reason, spec, want string
	}{
		{"a managed config by ID needs nothing else", `  rosa: {oidcConfig: {id: 2fkrvc0u4lbrsq0d2fgcs4t1n3kp31qg}}
`, ""},
		{"an unmanaged config takes its issuer and key from spec.oidc", `  oidc: {publicKeyFile: sa.pub}
  rosa: {oidcConfig: {managed: false}}
`, ""},
		{"a managed config must be named", `  rosa: {oidcConfig: {}}
`, "spec.rosa.oidcConfig: set id (rosa list oidc-config shows it) or issuerURL"},
		{"an ID and an issuer URL could disagree", `  rosa: {oidcConfig: {id: abc, issuerURL: https://oidc.os1.devshift.org/abc}}
`, "set id or issuerURL, not both"},
		{"an ID is lower-case letters and digits", `  rosa: {oidcConfig: {id: ABC-1}}
`, `spec.rosa.oidcConfig.id: "ABC-1" is not an OIDC config ID`},
		{"an ID is at most 64 characters", `  rosa: {oidcConfig: {id: ` + strings.Repeat("a", 65) + `}}
`, "is not an OIDC config ID"},
		{"Red Hat serves a managed config's keys: a key in the config would be ignored", `  oidc: {publicKeyFile: sa.pub}
  rosa: {oidcConfig: {id: abc}}
`, "spec.oidc: not used with spec.rosa (Red Hat serves a managed OIDC config's documents and keys)"},
		{"an unmanaged config is not named by ID", `  oidc: {publicKeyFile: sa.pub}
  rosa: {oidcConfig: {managed: false, id: abc}}
`, "id and issuerURL name a managed config"},
		{"an unmanaged config still needs its key", `  rosa: {oidcConfig: {managed: false}}
`, "spec.oidc.publicKeyFile: required"},
		{"HCP roles come from the table, not a release", `  release: {image: "oci:release"}
  rosa: {oidcConfig: {id: abc}}
`, "spec.release: not used with spec.rosa"},
		{"there are no manifests to bundle for Hive", `  outputs: {hive: {secretName: x}, namespace: clusters}
  rosa: {oidcConfig: {id: abc}}
`, "spec.outputs.hive: not used with spec.rosa"},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			_, err := v1alpha1.Decode("cluster.yaml", []byte(rosaHeader+c.spec))
			if c.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestDecodeSaysKeyWrittenTwice(t *testing.T) {
	_, err := v1alpha1.Decode("sts.yaml", []byte("apiVersion: stsrender.dev/v1alpha1\nkind: STSCredentials\nmetadata: {name: x}\nspec:\n  name: x\n  release:\n    image: a\n    image: b\n"))
	if err == nil || err.Error() != `sts.yaml: line 8: key "image" is written twice in the same mapping; keep one` {
		t.Fatalf("got %v", err)
	}
}

func TestMigrationValidation(t *testing.T) {
	const header = "apiVersion: stsrender.dev/v1alpha1\nkind: STSCredentials\nspec:\n  name: c\n  aws: {accountID: \"123456789012\", region: us-east-1}\n  oidc: {publicKeyFile: sa.pub}\n"
	for _, c := range []struct{ reason, spec, want string }{
		{"a mint-mode cluster", "  migration: {from: Mint, infraID: prod-x7k2p}\n", ""},
		{"only mint mode is migrated", "  migration: {from: Passthrough, infraID: prod-x7k2p}\n", `spec.migration.from: "Passthrough": stsrender migrates clusters from Mint mode`},
		{"the infrastructure name is a DNS label", "  migration: {from: Mint, infraID: Prod_1}\n", `spec.migration.infraID: "Prod_1" is not an infrastructure name`},
		{"both set CloudCredential/cluster", "  migration: {from: Mint, infraID: prod-x7k2p}\n  release: {image: a, upgradeTo: b}\n", "finish the migration before opening an upgrade window"},
	} {
		_, err := v1alpha1.Decode("c.yaml", []byte(header+c.spec))
		if c.want == "" {
			assert.NoError(t, err, c.reason)
			continue
		}
		assert.ErrorContains(t, err, c.want, c.reason)
	}
}
