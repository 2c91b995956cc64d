package awsapply

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/render"
)

// BenchmarkApply50Roles applies a 50-role cluster to moto from scratch and
// then again unchanged, reporting wall time and API calls of each; the
// re-apply must make no mutating call.
func BenchmarkApply50Roles(b *testing.B) {
	requireMoto(b)
	px := newProxy(b)
	m := testModel(b, 50, nil)
	var fresh, again time.Duration
	var freshCalls, freshMutating, againCalls, againMutating int
	for i := 0; i < b.N; i++ {
		requireMoto(b) // reset moto: every iteration starts from an empty account
		px.reset()
		p := newPlanner(b, px, m)
		start := time.Now()
		plan, err := p.Plan(context.Background())
		require.NoError(b, err)
		require.NoError(b, p.Apply(context.Background(), plan))
		fresh += time.Since(start)
		total, mutating := px.counts()
		freshCalls += total
		freshMutating += len(mutating)

		px.reset()
		start = time.Now()
		plan, err = p.Plan(context.Background())
		require.NoError(b, err)
		require.NoError(b, p.Apply(context.Background(), plan))
		again += time.Since(start)
		total, mutating = px.counts()
		require.Empty(b, mutating, "a no-change re-apply makes no mutating call")
		againCalls += total
		againMutating += len(mutating)
	}
	n := float64(b.N)
	b.ReportMetric(float64(fresh.Milliseconds())/n, "fresh-ms")
	b.ReportMetric(float64(freshCalls)/n, "fresh-calls")
	b.ReportMetric(float64(freshMutating)/n, "fresh-mutating")
	b.ReportMetric(float64(again.Milliseconds())/n, "reapply-ms")
	b.ReportMetric(float64(againCalls)/n, "reapply-calls")
	b.ReportMetric(float64(againMutating)/n, "reapply-mutating")
}

// BenchmarkPlanNoChange plans a cluster whose AWS side matches the render,
// role by role and batched, for 50 and 500 roles, and reports the IAM
// calls per role (the aim for batched reads is 0.1 or fewer) beside the
// calls of the whole plan (bucket, objects and provider add a fixed few).
func BenchmarkPlanNoChange(b *testing.B) {
	requireMoto(b)
	for _, n := range []int{50, 500} {
		m := testModel(b, n, nil)
		requireMoto(b)
		px := newProxy(b)
		seed := newPlanner(b, px, m)
		seed.BatchedReads = true
		seed.Concurrency = 16
		apply(b, seed)
		for _, batched := range []bool{false, true} {
			name := fmt.Sprintf("roles=%d/%s", n, map[bool]string{false: "per-role", true: "batched"}[batched])
			b.Run(name, func(b *testing.B) {
				var calls, iamCalls int
				start := time.Now()
				for i := 0; i < b.N; i++ {
					px.reset()
					p := newPlanner(b, px, m)
					p.BatchedReads = batched
					plan, err := p.Plan(context.Background())
					require.NoError(b, err)
					require.False(b, plan.HasChanges())
					total, _ := px.counts()
					calls += total
					iamCalls += px.countService("iam")
				}
				per := float64(b.N)
				b.ReportMetric(float64(time.Since(start).Milliseconds())/per, "plan-ms")
				b.ReportMetric(float64(calls)/per, "calls")
				b.ReportMetric(float64(iamCalls)/per/float64(n), "iam-calls/role")
			})
		}
	}
}

// BenchmarkApplyHostedControlPlane applies ROSA HCP's eight operator roles
// (managed policies, no bucket) from scratch and again unchanged, beside a
// self-managed cluster of eight roles (inline policies, bucket and
// documents) in the same moto, and reports wall time and API calls of
// each.
func BenchmarkApplyHostedControlPlane(b *testing.B) {
	hcp := hcpModel(b)
	px := startManagedPolicyMoto(b, hcp)
	for _, c := range []struct {
		name  string
		model *render.Model
	}{{"rosa-hcp", hcp}, {"self-managed", testModel(b, 8, nil)}} {
		b.Run(c.name, func(b *testing.B) {
			var fresh, again time.Duration
			var freshCalls, againCalls int
			for i := 0; i < b.N; i++ {
				px.reset()
				p := newPlanner(b, px, c.model)
				start := time.Now()
				apply(b, p)
				fresh += time.Since(start)
				total, _ := px.counts()
				freshCalls += total
				px.reset()
				start = time.Now()
				apply(b, p)
				again += time.Since(start)
				total, mutating := px.counts()
				require.Empty(b, mutating)
				againCalls += total
				del, err := p.PlanDelete(context.Background())
				require.NoError(b, err)
				require.NoError(b, p.Delete(context.Background(), del))
			}
			n := float64(b.N)
			b.ReportMetric(float64(fresh.Milliseconds())/n, "fresh-ms")
			b.ReportMetric(float64(freshCalls)/n, "fresh-calls")
			b.ReportMetric(float64(again.Milliseconds())/n, "reapply-ms")
			b.ReportMetric(float64(againCalls)/n, "reapply-calls")
		})
	}
}
