package render_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
	"sigs.k8s.io/yaml"
)

// caseParams is the YAML form of render.Params used by the golden cases;
// public keys are file names under testdata/keys.
type caseParams struct {
	Name                   string            `json:"name"`
	AccountID              string            `json:"accountID"`
	Region                 string            `json:"region"`
	RolePath               string            `json:"rolePath"`
	PermissionsBoundaryARN string            `json:"permissionsBoundaryARN"`
	Tags                   map[string]string `json:"tags"`
	IssuerURL              string            `json:"issuerURL"`
	PrivateBucket          bool              `json:"privateBucket"`
	RoleNaming             string            `json:"roleNaming"`
	PublicKeys             []string          `json:"publicKeys"`
	ROSA                   *caseROSA         `json:"rosa"`
}

// caseROSA is the YAML form of render.HostedControlPlane.
type caseROSA struct {
	OperatorRolePrefix string `json:"operatorRolePrefix"`
	ManagedIssuerURL   string `json:"managedIssuerURL"`
	AdditionalRoles    []struct {
		Namespace       string   `json:"namespace"`
		Name            string   `json:"name"`
		ServiceAccounts []string `json:"serviceAccounts"`
		PolicyARNs      []string `json:"policyARNs"`
	} `json:"additionalRoles"`
}

func loadParams(t testing.TB, file string) render.Params {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var c caseParams
	require.NoError(t, yaml.UnmarshalStrict(data, &c))
	p := render.Params{
		Name: c.Name, AccountID: c.AccountID, Region: c.Region, RolePath: c.RolePath,
		PermissionsBoundaryARN: c.PermissionsBoundaryARN, Tags: c.Tags, IssuerURL: c.IssuerURL,
		PrivateBucket: c.PrivateBucket, RoleNaming: render.RoleNaming(c.RoleNaming),
	}
	if r := c.ROSA; r != nil {
		p.HostedControlPlane = &render.HostedControlPlane{OperatorRolePrefix: r.OperatorRolePrefix, ManagedIssuerURL: r.ManagedIssuerURL}
		for _, a := range r.AdditionalRoles {
			p.HostedControlPlane.AdditionalRoles = append(p.HostedControlPlane.AdditionalRoles, render.OperatorRole{
				Secret: render.NamespacedName{Namespace: a.Namespace, Name: a.Name}, ServiceAccounts: a.ServiceAccounts, PolicyARNs: a.PolicyARNs})
		}
	}
	for _, k := range c.PublicKeys {
		p.PublicKeys = append(p.PublicKeys, render.PublicKey{Source: k, PEM: readKey(t, k)})
	}
	return p
}

func readKey(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "keys", name))
	require.NoError(t, err)
	return data
}

// loadRequests parses every manifest at the top of dir, in name order.
func loadRequests(t testing.TB, dir string) []render.CredentialsRequest {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		switch filepath.Ext(e.Name()) {
		case ".yaml", ".yml", ".json":
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var out []render.CredentialsRequest
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		res, err := render.ParseCredentialsRequests(n, data)
		require.NoError(t, err)
		out = append(out, res.Requests...)
	}
	return out
}

func defaultParams(t testing.TB) render.Params {
	t.Helper()
	return loadParams(t, filepath.Join("testdata", "golden", "aws", "params.yaml"))
}
