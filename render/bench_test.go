package render_test

import (
	"fmt"
	"testing"

	"github.com/stsrender/stsrender/render"
)

// BenchmarkRender10000 renders 10,000 CredentialsRequests into files: the
// size of a large fleet's worth of application requests in one stream.
// Target: under 1 s and 300 MB per operation.
func BenchmarkRender10000(b *testing.B) {
	p := defaultParams(b)
	requests := make([]render.CredentialsRequest, 10000)
	for i := range requests {
		requests[i] = render.CredentialsRequest{
			Source:              render.Source{File: "bench.yaml", Index: i, Item: -1},
			Name:                fmt.Sprintf("request-%05d", i),
			Namespace:           "openshift-cloud-credential-operator",
			SecretRef:           render.NamespacedName{Namespace: fmt.Sprintf("team-%03d", i%500), Name: fmt.Sprintf("credentials-%05d", i)},
			ServiceAccountNames: []string{"operator", "controller"},
			StatementEntries: []render.StatementEntry{
				{Effect: "Allow", Action: []string{"ec2:DescribeInstances", "ec2:CreateTags", "s3:GetObject"}, Resource: "*"},
				{Effect: "Allow", Action: []string{"kms:CreateGrant"}, Resource: "*", PolicyCondition: map[string]map[string]any{"Bool": {"kms:GrantIsForAWSResource": true}}},
			},
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := render.Render(p, requests)
		if err != nil {
			b.Fatal(err)
		}
		files, err := m.Files()
		if err != nil {
			b.Fatal(err)
		}
		if len(files) != 2*len(requests)+5 {
			b.Fatalf("got %d files", len(files))
		}
	}
}
