package render_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stsrender/stsrender/render"
)

// FuzzParseCredentialsRequests feeds arbitrary bytes to the parser: it may
// return errors but must never panic (ccoctl panics on several inputs).
func FuzzParseCredentialsRequests(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("testdata", "requests"))
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join("testdata", "requests", e.Name())); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("kind: List\nitems: [1, 2]\n"))
	f.Add([]byte("apiVersion: cloudcredential.openshift.io/v1\nkind: CredentialsRequest\nspec: {providerSpec: {kind: AWSProviderSpec, statementEntries: [{}]}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := render.ParseCredentialsRequests("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, cr := range res.Requests {
			if len(cr.ServiceAccountNames) == 0 || cr.SecretRef.Name == "" {
				t.Fatalf("invalid request accepted: %+v", cr)
			}
		}
	})
}
